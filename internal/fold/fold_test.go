package fold

import "testing"

// The search form folds what readers treat as the same text, so that
// either spelling finds the other.
func TestSearchForm(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"traditional to simplified", "聯合國條約", "联合国条约"},
		{"annex number with spaces", "附件 2 国家", "附件 二 国家"},
		{"simplified stays", "联合国", "联合国"},
		{"full-width digits and letters", "第２ＣＴＢＴ", "第2ctbt"},
		{"book-title marks inside Chinese", "批准《条约》的", "批准条约的"},
		{"quotes inside Chinese", "题为“全面禁止核试验条约”的", "题为全面禁止核试验条约的"},
		{"brackets between digits stay", "第1540(2004)号", "第1540(2004)号"},
		{"parentheses of a historic name", "委内瑞拉（玻利瓦尔共和国）", "委内瑞拉玻利瓦尔共和国"},
		{"annex numerals", "附件2国家和附件一", "附件二国家和附件一"},
		{"annex number of two digits stays", "附件12", "附件12"},
		{"case", "CTBTO", "ctbto"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Search(tc.in); got != tc.want {
				t.Errorf("Search(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// Every rune of the search form points back into the display text, so
// highlights mark what was matched and never split a character.
func TestSearchRunesMapBack(t *testing.T) {
	in := "批准《條約》的ＣＴＢＴ附件二"
	for _, nr := range SearchRunes(in) {
		if nr.Start < 0 || nr.End > len(in) || nr.Start >= nr.End {
			t.Fatalf("span %d..%d outside the text", nr.Start, nr.End)
		}
		if !utf8ValidBoundary(in, nr.Start) || !utf8ValidBoundary(in, nr.End) {
			t.Fatalf("span %d..%d splits a character", nr.Start, nr.End)
		}
	}
}

func utf8ValidBoundary(s string, i int) bool {
	return i == len(s) || i == 0 || (s[i]&0xC0) != 0x80
}
