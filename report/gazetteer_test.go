package report

import (
	"slices"
	"strings"
	"testing"

	"ctbtsearch/internal/fold"
)

// annex2Codes are the 44 states of the Treaty's Annex 2, copied from the
// shared ctbt_annex2_states.csv so the test does not need that directory.
var annex2Codes = []string{
	"ARG", "AUS", "AUT", "BEL", "BGD", "BGR", "BRA", "CAN", "CHE", "CHL",
	"CHN", "COD", "COL", "DEU", "DZA", "EGY", "ESP", "FIN", "FRA", "GBR",
	"HUN", "IDN", "IND", "IRN", "ISR", "ITA", "JPN", "KOR", "MEX", "NLD",
	"NOR", "PAK", "PER", "POL", "PRK", "ROU", "RUS", "SVK", "SWE", "TUR",
	"UKR", "USA", "VNM", "ZAF",
}

func TestNameKey(t *testing.T) {
	want := fold.NameKey("委内瑞拉玻利瓦尔共和国")
	for _, tc := range []struct{ name, in, want string }{
		{"half-width parentheses", "委内瑞拉(玻利瓦尔共和国)", want},
		{"full-width parentheses", "委内瑞拉（玻利瓦尔共和国）", want},
		{"wrapped by PDF extraction", "委内瑞拉玻 利瓦尔共和 国", want},
		{"ideographic space and tab", "委内瑞拉\u3000玻利瓦尔\t共和国", want},
		{"middle dots", "圣·文森特・和", "圣文森特和"},
		{"lower case", "Venezuela (Bolivarian Republic of)", "venezuelabolivarianrepublicof"},
		{"full-width letters", "ＵＫ", "uk"},
		{"empty", " （） ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fold.NameKey(tc.in); got != tc.want {
				t.Errorf("fold.NameKey(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	g := DefaultGazetteer()
	for _, tc := range []struct {
		name, in, code, canonical string
	}{
		{"historic short, half-width", "委内瑞拉(玻利瓦尔共和国)", "VEN", "委内瑞拉玻利瓦尔共和国"},
		{"historic short, full-width", "委内瑞拉（玻利瓦尔共和国）", "VEN", "委内瑞拉玻利瓦尔共和国"},
		{"current short", "委内瑞拉玻利瓦尔共和国", "VEN", "委内瑞拉玻利瓦尔共和国"},
		{"wrapped name", "大不列颠及 北爱尔兰联 合王国", "GBR", "大不列颠及北爱尔兰联合王国"},
		{"common short Moldova", "摩尔多瓦", "MDA", "摩尔多瓦共和国"},
		{"common short UK", "英国", "GBR", "大不列颠及北爱尔兰联合王国"},
		{"common short US", "美国", "USA", "美利坚合众国"},
		{"common short ROK", "韩国", "KOR", "大韩民国"},
		{"common short Russia", "俄罗斯", "RUS", "俄罗斯联邦"},
		{"common short Iran", "伊朗", "IRN", "伊朗伊斯兰共和国"},
		{"common short DPRK", "朝鲜", "PRK", "朝鲜民主主义人民共和国"},
		{"formal name", "中华人民共和国", "CHN", "中国"},
		{"former name", "前南斯拉夫的马其顿共和国", "MKD", "北马其顿"},
		{"treaty name of Zaire", "扎伊尔", "COD", "刚果民主共和国"},
		{"Congo (Kinshasa)", "刚果（金）", "COD", "刚果民主共和国"},
		{"Congo (Brazzaville)", "刚果", "COG", "刚果（布）"},
		{"Turkey without UNTERM columns", "土耳其", "TUR", "土耳其"},
		{"English CLDR", "Venezuela", "VEN", "委内瑞拉玻利瓦尔共和国"},
		{"English UNTERM, any case", "iran (islamic republic of)", "IRN", "伊朗伊斯兰共和国"},
		{"English treaty name", "Zaire", "COD", "刚果民主共和国"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, ok := g.Lookup(tc.in)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing, want %s", tc.in, tc.code)
			}
			if st.Code != tc.code || st.Name != tc.canonical {
				t.Errorf("Lookup(%q) = %s %s, want %s %s", tc.in, st.Code, st.Name, tc.code, tc.canonical)
			}
		})
	}
	for _, tc := range []struct{ name, in string }{
		{"unknown", "火星"},
		{"empty", ""},
		{"blocker is not a state", "发展中国家"},
		{"region", "非洲"},
	} {
		t.Run("not found/"+tc.name, func(t *testing.T) {
			if st, ok := g.Lookup(tc.in); ok {
				t.Errorf("Lookup(%q) = %s, want not found", tc.in, st.Code)
			}
		})
	}
	t.Run("Turkey is in Annex 2", func(t *testing.T) {
		if st, _ := g.Lookup("土耳其"); !st.Annex2 {
			t.Error("TUR is not marked annex2")
		}
	})
}

func TestDefaultGazetteer(t *testing.T) {
	g := DefaultGazetteer()
	states := g.States()
	if len(states) < 193 {
		t.Fatalf("%d states, want at least the 193 UN members", len(states))
	}
	if !slices.IsSortedFunc(states, func(a, b State) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("States() is not sorted by code")
	}
	var annex2 []string
	for _, st := range states {
		if st.Annex2 {
			annex2 = append(annex2, st.Code)
		}
		// Every spelling must lead back to its own state.
		for _, s := range st.spellings() {
			if got, ok := g.Lookup(s); !ok || got.Code != st.Code {
				t.Errorf("Lookup(%q) = %s %v, want %s", s, got.Code, ok, st.Code)
			}
		}
		if got, ok := g.ByCode(st.Code); !ok || got.Name != st.Name {
			t.Errorf("ByCode(%s) = %q %v", st.Code, got.Name, ok)
		}
	}
	if len(annex2) != 44 {
		t.Errorf("%d annex2 states, want 44", len(annex2))
	}
	if !slices.Equal(annex2, annex2Codes) {
		t.Errorf("annex2 states = %v\nwant %v", annex2, annex2Codes)
	}
	if st, ok := g.ByCode("ven"); !ok || st.Code != "VEN" {
		t.Errorf("ByCode is case-sensitive: %v %v", st, ok)
	}
	if _, ok := g.ByCode("XXX"); ok {
		t.Error("ByCode(XXX) found a state")
	}
	if DefaultGazetteer() != g {
		t.Error("DefaultGazetteer loads more than once")
	}
}

func TestMentions(t *testing.T) {
	g := DefaultGazetteer()
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"longest match: Indonesia, not India", "澳大利亚促请印度尼西亚尽早批准", []string{"AUS", "IDN"}},
		{"India on its own", "包括埃及、印度和以色列", []string{"EGY", "IND", "ISR"}},
		{"longest match: Papua New Guinea, not Guinea", "巴布亚新几内亚签署了《条约》", []string{"PNG"}},
		{"Guinea on its own", "几内亚和几内亚比绍", []string{"GIN", "GNB"}},
		{"developing countries are not China", "向发展中国家提供协助", nil},
		{"China next to a blocker", "中国同发展中国家", []string{"CHN"}},
		{"three states and duplicates", "日本邀请哥伦比亚代表团访问日本,并与大不列颠及北爱尔兰联合王国交换意见",
			[]string{"COL", "GBR", "JPN"}},
		{"wrapped and bracketed names", "委内瑞拉（玻利瓦尔 共和国）和刚果(金)", []string{"COD", "VEN"}},
		{"full-width comma folded like NFKC", "博纳尔，圣俄斯塔休斯和萨巴", []string{"BES"}},
		{"regions are not states", "拉美国家、朝鲜半岛、印度洋和南非洲", nil},
		{"organisation of American States", "美洲国家组织", nil},
		{"English is not scanned", "Oman, a woman from Chad", nil},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := g.Mentions(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Mentions(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

// A blocker that were also a state's spelling would hide that state.
func TestMentionBlockersNameNoState(t *testing.T) {
	g := DefaultGazetteer()
	for _, b := range mentionBlockers {
		if st, ok := g.Lookup(b); ok {
			t.Errorf("blocker %q is a spelling of %s", b, st.Code)
		}
	}
}

func TestLoadGazetteerErrors(t *testing.T) {
	const header = "code,name,formal,english,annex2,aliases\n"
	const ven = "VEN,委内瑞拉玻利瓦尔共和国,委内瑞拉玻利瓦尔共和国,Venezuela,false,委内瑞拉\n"
	for _, tc := range []struct{ name, data, want string }{
		{"bad header", "code,name,formal,english,annex,aliases\n" + ven, "line 1: header"},
		{"missing column", header + "VEN,委内瑞拉,,Venezuela,false\n", "line 2"},
		{"duplicate code", header + ven + "ARG,阿根廷,,Argentina,true,\n" + ven, "line 4: duplicate code VEN (first on line 2)"},
		{"bad annex2", header + ven + "ARG,阿根廷,,Argentina,yes,\n", `line 3: ARG: annex2 is "yes"`},
		{"empty name", header + "ARG, ,,Argentina,true,\n", "line 2: ARG has an empty name"},
		{"bad code", header + "AR,阿根廷,,Argentina,true,\n", "line 2: code \"AR\""},
		{"empty alias", header + "ARG,阿根廷,,Argentina,true,阿根廷共和国||\n", "line 2: ARG has an empty alias"},
		{"ambiguous alias", header + ven + "ARG,阿根廷,,Argentina,true,委内瑞拉\n", `line 3: "委内瑞拉" of ARG also names VEN (line 2)`},
		{"no states", header, "no states"},
		{"empty file", "", "gazetteer:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := LoadGazetteer([]byte(tc.data))
			if err == nil {
				t.Fatalf("loaded %d states, want an error containing %q", len(g.States()), tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadGazetteerSmall(t *testing.T) {
	g, err := LoadGazetteer([]byte("code,name,formal,english,annex2,aliases\n" +
		"VEN,委内瑞拉玻利瓦尔共和国,,Venezuela,false,委内瑞拉(玻利瓦尔共和国)|委内瑞拉\n" +
		"ARG,阿根廷,阿根廷共和国,Argentina,true,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := g.States(); len(got) != 2 || got[0].Code != "ARG" || got[1].Code != "VEN" {
		t.Errorf("States() = %v, want ARG then VEN", got)
	}
	if st, ok := g.Lookup("委内瑞拉（玻利瓦尔共和国）"); !ok || st.Code != "VEN" || len(st.Aliases) != 2 {
		t.Errorf("Lookup = %+v %v", st, ok)
	}
	if got := g.Mentions("阿根廷共和国与委内瑞拉"); !slices.Equal(got, []string{"ARG", "VEN"}) {
		t.Errorf("Mentions = %v", got)
	}
}

func BenchmarkGazetteerMentions(b *testing.B) {
	g := DefaultGazetteer()
	text := strings.Repeat("在双边往来中,澳大利亚促请印度尼西亚和还没有批准《条约》的附件2国家,包括发展中国家,尽早这样做。", 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		g.Mentions(text)
	}
}
