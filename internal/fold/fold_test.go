package fold

import (
	"strings"
	"testing"
	"unicode"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

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

// TestHanBlockIsNFKCNormal guards SearchRunes' fast path: the ideographs t2s
// converts fold to themselves under NFKC and case folding, before and after
// conversion, so skipping both for them changes nothing.
func TestHanBlockIsNFKCNormal(t *testing.T) {
	for r := rune(hanFirst); r <= hanLast; r++ {
		for _, x := range []rune{r, simplified(r)} {
			if !norm.NFKC.IsNormalString(string(x)) || unicode.ToLower(x) != x {
				t.Errorf("%U %c: not its own NFKC and lower case form", x, x)
			}
		}
	}
	if got := Search("聯合國"); got != "联合国" {
		t.Errorf("Search(聯合國) = %q, want 联合国", got)
	}
}

// TestPunctFoldIsNFKC: punctFold's table gives what NFKC, script and case
// folding give, rune by rune, for Chinese punctuation and full-width forms.
func TestPunctFoldIsNFKC(t *testing.T) {
	for _, block := range [][2]rune{{0x3000, 0x303F}, {0xFF00, 0xFFEF}} {
		for r := block[0]; r <= block[1]; r++ {
			var want []rune
			for _, x := range norm.NFKC.String(string(r)) {
				want = append(want, unicode.ToLower(simplified(x)))
			}
			if f := punctFold(r); f != 0 && (len(want) != 1 || unicode.ToLower(simplified(f)) != want[0]) {
				t.Errorf("%U %c: punctFold %c, NFKC %q", r, r, f, string(want))
			}
			if f := punctFold(r); f == 0 && len(want) == 1 && norm.NFKC.String(string(r)) != "" {
				t.Errorf("%U %c: not in punctFold's table though NFKC gives one rune %q", r, r, string(want))
			}
		}
	}
}

func BenchmarkSearchRunes(b *testing.B) {
	text := strings.Repeat("2007年5月14日，外交部长在维也纳會見全面禁止核试验条约组织筹备委员会执行秘书（CTBT），讨论《条约》生效问题。", 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		SearchRunes(text)
	}
}

// FuzzClean holds Clean's fast path (isClean) to the rune-by-rune form.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "大不列颠及 北爱尔兰联 合王国", "Article XIV", "第２ＣＴＢＴ", "附件2国家", "a\u00a0b", "\u3000全角\u3000",
		"\xff\xfe", "tab\there", "line\nbreak\r\n", "\u0085next", "\u2028", "2006年6月至10月"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Clean(s), cleanByRunes(s); got != want {
			t.Errorf("Clean(%q) = %q, want %q", s, got, want)
		}
	})
}

func BenchmarkClean(b *testing.B) {
	cell := "日本外务大臣在东京会见了全面禁止核试验条约组织筹备委员会执行秘书，讨论《条约》早日生效的问题。"
	for b.Loop() {
		Clean(cell)
	}
}

// A cleaned cell must not be a piece of the text it was cut from: that
// would keep the whole file in memory for as long as the cell lives.
func TestCleanCopies(t *testing.T) {
	file := "国家\t日期\t活动\n日本\t2006年6月\t外务大臣会见了执行秘书\n"
	for _, cell := range []string{file[len("国家\t日期\t活动\n"):][:len("日本")], file[len(file)-len("外务大臣会见了执行秘书\n") : len(file)-1]} {
		got := Clean(cell)
		if got != cell {
			t.Fatalf("Clean(%q) = %q", cell, got)
		}
		if unsafe.StringData(got) == unsafe.StringData(cell) {
			t.Errorf("Clean(%q) returned its input, a piece of the file's text, not a copy", cell)
		}
	}
}
