package index

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// allHits runs a request and returns every hit, best first.
func allHits(t *testing.T, req Request) (*Result, []Hit) {
	t.Helper()
	req.Size = MaxPageSize
	res := doSearch(t, req)
	hits := res.Hits
	for req.Page = 2; uint64(len(hits)) < res.Total; req.Page++ {
		hits = append(hits, doSearch(t, req).Hits...)
	}
	return res, hits
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

// withoutLonger is text in search form with every occurrence of the longer
// names removed: what remains names the word by itself, or not at all.
func withoutLonger(r report.Record, longer ...string) string {
	t := fold.RemoveSpaces(fold.Search(r.Activity + "\n" + r.Comment + "\n" + strings.Join(r.Footnotes, "\n")))
	for _, l := range longer {
		t = strings.ReplaceAll(t, fold.RemoveSpaces(fold.Search(l)), "")
	}
	return t
}

// A name found only inside a longer name is no match: the total, the state
// facet and the month chart count only records that name India itself.
func TestWordsInsideLongerNamesAreNoMatch(t *testing.T) {
	cases := []struct {
		query  string
		match  func(report.Record) bool // computed from the data, not from the engine
		longer string                   // what the query word hides in
	}{
		{"印度", func(r report.Record) bool {
			return r.StateCode == "IND" || strings.Contains(withoutLonger(r, "印度尼西亚", "印度洋"), "印度")
		}, "印度尼西亚"},
		{"India", func(r report.Record) bool {
			return r.StateCode == "IND" || strings.Contains(withoutLonger(r, "印度尼西亚", "印度洋"), "印度")
		}, "印度尼西亚"},
		{"附件2国家", func(r report.Record) bool {
			return r.Section == "1(a)" || strings.Contains(withoutLonger(r, "非附件2国家"), fold.Search("附件2国家"))
		}, "非附件2国家"},
		{"核试验", func(r report.Record) bool {
			// 核爆炸 and 核武器试验 name nuclear tests too (the concept table).
			t := withoutLonger(r, "全面禁止核试验条约")
			return strings.Contains(t, "核试验") || strings.Contains(t, "核爆炸") || strings.Contains(t, "核武器试验")
		}, "全面禁止核试验条约"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			var want []report.Record
			hidden := 0 // records the longer name alone would have let in
			a62, a64 := testReports(t)
			for _, r := range slices.Concat(a62.Records, a64.Records) {
				if tc.match(r) {
					want = append(want, r)
				} else if strings.Contains(textOf(r), fold.Search(tc.query)) || strings.Contains(textOf(r), fold.Search(tc.longer)) {
					hidden++
				}
			}
			if len(want) == 0 || hidden == 0 {
				t.Fatalf("%d records match and %d hide the word: the case tests nothing", len(want), hidden)
			}
			res, hits := allHits(t, Request{Query: tc.query})
			if int(res.Total) != len(want) {
				t.Errorf("total = %d, want %d", res.Total, len(want))
			}
			wantIDs := map[string]bool{}
			states := map[string]int{}
			months := map[string]int{}
			for _, r := range want {
				wantIDs[r.ID] = true
				states[r.State]++
				for _, m := range r.Months {
					months[m]++
				}
			}
			for _, h := range hits {
				if !wantIDs[h.ID] {
					t.Errorf("hit %s (%s) names %s only inside %s", h.ID, h.State, tc.query, tc.longer)
				}
			}
			for _, v := range res.Facets.State {
				if v.Count != states[v.Value] {
					t.Errorf("state facet %s = %d, want %d", v.Value, v.Count, states[v.Value])
				}
			}
			for _, v := range res.Facets.Month {
				if v.Count != months[v.Value] {
					t.Errorf("month chart %s = %d, want %d", v.Value, v.Count, months[v.Value])
				}
			}
		})
	}
}

// The marks on a hit never fall inside a longer name.
func TestHighlightSkipsLongerNames(t *testing.T) {
	got := highlightField("促请印度尼西亚和印度批准", []string{"印度"})
	want := []string{"促请印度尼西亚和<mark>印度</mark>批准"}
	if !slices.Equal(got, want) {
		t.Errorf("highlight = %q, want %q", got, want)
	}
}

// Spaces between the words of a name, typed or not, change nothing.
func TestSpacedQueriesRankLikeUnspaced(t *testing.T) {
	for _, pair := range [][2]string{
		{"附件2 国家", "附件2国家"},
		{"附件 2 国家", "附件2国家"},
		{"全面禁止核试验 条约组织", "全面禁止核试验条约组织"},
		{"印度 尼西亚", "印度尼西亚"},
		{"United  Kingdom", "英国"},
		{"north korea", "朝鲜"},
	} {
		t.Run(pair[0], func(t *testing.T) {
			_, a := allHits(t, Request{Query: pair[0]})
			_, b := allHits(t, Request{Query: pair[1]})
			if len(a) == 0 || !slices.Equal(ids(a), ids(b)) {
				t.Errorf("%q finds %v,\n%q finds %v", pair[0], ids(a), pair[1], ids(b))
			}
		})
	}
}

// The vocabulary: short forms, English names and words find what the
// Chinese names find, and the page says what was searched.
func TestVocabularyQueries(t *testing.T) {
	cases := []struct {
		query, same string // same: the query whose records it must find
		variant     string // shown under 已同时搜索
	}{
		{"欧盟", "欧洲联盟", "欧洲联盟"},
		{"EU", "欧洲联盟", "欧洲联盟"},
		{"European Union", "欧洲联盟", "欧洲联盟"},
		{"裁谈会", "裁军谈判会议", "裁军谈判会议"},
		{"Conference on Disarmament", "裁军谈判会议", "裁军谈判会议"},
		{"IAEA", "国际原子能机构", "国际原子能机构"},
		{"ASEAN", "东南亚国家联盟", "东南亚国家联盟"},
		{"UK", "英国", "大不列颠及北爱尔兰联合王国"},
		{"DPRK", "朝鲜", "朝鲜民主主义人民共和国"},
		{"Russia", "俄罗斯", "俄罗斯联邦"},
		{"ratification", "批准", "批准"},
		{"workshop", "讲习班", "讲习班"},
		{"entry into force", "生效", "生效"},
		{"nuclear test", "核试验", "核试验"},
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			res, a := allHits(t, Request{Query: tc.query})
			_, b := allHits(t, Request{Query: tc.same})
			if len(b) == 0 {
				t.Fatalf("%q finds nothing: the case tests nothing", tc.same)
			}
			got, want := ids(a), ids(b)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%q finds %d records, %q finds %d", tc.query, len(got), tc.same, len(want))
			}
			shown := false
			for _, e := range res.Expansions {
				shown = shown || slices.Contains(e.Variants, tc.variant)
			}
			if !shown {
				t.Errorf("expansions %+v do not show %s", res.Expansions, tc.variant)
			}
		})
	}
}

func TestOrQueries(t *testing.T) {
	set := func(q string) map[string]bool {
		_, hits := allHits(t, Request{Query: q})
		m := map[string]bool{}
		for _, id := range ids(hits) {
			m[id] = true
		}
		return m
	}
	union := func(qs ...string) map[string]bool {
		m := map[string]bool{}
		for _, q := range qs {
			for id := range set(q) {
				m[id] = true
			}
		}
		return m
	}
	equal := func(a, b map[string]bool) bool {
		if len(a) != len(b) {
			return false
		}
		for k := range a {
			if !b[k] {
				return false
			}
		}
		return true
	}
	for _, q := range []string{"日本 OR 澳大利亚", "日本 | 澳大利亚", "日本|澳大利亚", "日本 或 澳大利亚", "日本 ｜ 澳大利亚"} {
		if got, want := set(q), union("日本", "澳大利亚"); !equal(got, want) || len(want) == 0 {
			t.Errorf("%q finds %d records, want %d", q, len(got), len(want))
		}
	}
	// OR binds tighter than the implicit AND.
	got := set("日本 OR 澳大利亚 讲习班")
	want := map[string]bool{}
	ws := set("讲习班")
	for id := range union("日本", "澳大利亚") {
		if ws[id] {
			want[id] = true
		}
	}
	if !equal(got, want) {
		t.Errorf("日本 OR 澳大利亚 讲习班 finds %d, want %d", len(got), len(want))
	}
	// Quoted phrases take part too.
	if got, want := set(`"部长级会议" OR "新闻发布会"`), union(`"部长级会议"`, `"新闻发布会"`); !equal(got, want) {
		t.Errorf("phrases ORed find %d, want %d", len(got), len(want))
	}
	// "or" in lower case is a word, not the operator.
	if clauses, _ := parseQuery("nuclear or test"); len(clauses) != 3 || clauses[1].or || clauses[2].or {
		t.Errorf("lower-case or parsed as %+v", clauses)
	}
}

// Rows matching only through their section come after every row whose own
// text matches, flagged and explained.
func TestSectionOnlyHitsComeLast(t *testing.T) {
	for _, sortBy := range []string{"", SortRelevance} {
		_, hits := allHits(t, Request{Query: "附件2国家", Sort: sortBy})
		seenSectionOnly, n := false, 0
		for _, h := range hits {
			own := strings.Contains(withoutLonger(h.Record, "非附件2国家"), fold.Search("附件2国家"))
			if h.SectionOnly == own {
				t.Errorf("%s: section-only = %v, but its own text names Annex 2 states: %v", h.ID, h.SectionOnly, own)
			}
			if h.SectionOnly {
				seenSectionOnly = true
				n++
				if h.Section != "1(a)" || len(h.Reasons) == 0 || !strings.Contains(h.Reasons[0], "1(a)") {
					t.Errorf("%s: section %s, reasons %q", h.ID, h.Section, h.Reasons)
				}
			} else if seenSectionOnly {
				t.Errorf("%s matches by its own text but comes after a section-only hit", h.ID)
			}
		}
		if n == 0 {
			t.Error("no section-only hit: the case tests nothing")
		}
	}
}

// Every hit whose highlighted text does not show the query says why it matched.
func TestReasonsExplainInvisibleMatches(t *testing.T) {
	for _, q := range []string{"CTBT", "日本", "附件2国家", "批准条约", "核试验"} {
		t.Run(q, func(t *testing.T) {
			_, hits := allHits(t, Request{Query: q})
			for _, h := range hits {
				visible := len(h.Highlights["activity"])+len(h.Highlights["comment"])+len(h.Highlights["footnotes"]) > 0
				if !visible && len(h.Reasons) == 0 {
					t.Errorf("%s (%s): nothing marked and no reason", h.ID, h.State)
				}
			}
		})
	}
	_, hits := allHits(t, Request{Query: "CTBT"})
	found := false
	for _, h := range hits {
		for _, r := range h.Reasons {
			found = found || strings.HasPrefix(r, "《条约》 = 全面禁止核试验条约")
		}
	}
	if !found {
		t.Error("no CTBT hit explains 《条约》")
	}
}

// A query that finds nothing gets did-you-mean suggestions, known names
// first, and is not rewritten.
func TestDidYouMean(t *testing.T) {
	cases := []struct{ query, want string }{
		{"附件2国加", "附件2国家"},
		{"讲习版", "讲习班"},
		{"ratifcation", "ratification"},
		{"Untied Kingdom", "United Kingdom"},
		{"附件2国加 讲习班", "附件2国家 讲习班"},
		{"nuclear weapons zzzz", "nuclear weapons"}, // no close word: the query without it
	}
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			res := doSearch(t, Request{Query: tc.query})
			if res.Total != 0 || res.Query != tc.query {
				t.Fatalf("total %d for %q: the query was rewritten or found something", res.Total, res.Query)
			}
			if len(res.Suggestions) == 0 || res.Suggestions[0].Query != tc.want || res.Suggestions[0].Total == 0 {
				t.Errorf("suggestions = %+v, want first %q", res.Suggestions, tc.want)
			}
		})
	}
	if res := doSearch(t, Request{Query: "附件2国家"}); len(res.Suggestions) != 0 {
		t.Errorf("a query with results gets suggestions %+v", res.Suggestions)
	}
	// With filters, finding nothing is the filters' doing as often as the
	// words': the way out is to remove a filter.
	if res := doSearch(t, Request{Query: "附件2国加", States: []string{"日本"}}); res.Total != 0 || len(res.Suggestions) != 0 {
		t.Errorf("with a filter: total %d, suggestions %+v", res.Total, res.Suggestions)
	}
	// Every filter counts, the year filter too.
	if res := doSearch(t, Request{Query: "附件2国加", Years: []string{"2007"}}); res.Total != 0 || len(res.Suggestions) != 0 {
		t.Errorf("with a year filter: total %d, suggestions %+v", res.Total, res.Suggestions)
	}
}

func TestEditDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"附件二国家", "附件二国加", 1},
		{"untied", "united", 1},
		{"讲习班", "讲习班", 0},
		{"abc", "", 3},
		{"核试验", "禁止核武器", 3}, // beyond max: max+1
	}
	for _, tc := range cases {
		if got := editDistance([]rune(tc.a), []rune(tc.b), 2); got != min(tc.want, 3) {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestVocabularyLoads(t *testing.T) {
	v := theVocabulary()
	for _, w := range []string{"附件二国家", "核试验", "印度", "几内亚"} {
		if !v.masked(w) {
			t.Errorf("%s is not known to hide in longer names", w)
		}
	}
	for _, w := range []string{"联合国", "日本", "批准"} {
		if v.masked(w) {
			t.Errorf("%s is masked by %v", w, v.maskedBy[w])
		}
	}
}

// A broken vocabulary file is refused with its file and line.
func TestVocabularyErrors(t *testing.T) {
	good := map[string]string{
		"bodies.csv": "name,short,english,keeps,source\n欧洲联盟,欧盟,EU,,UNTERM\n",
		"terms.csv":  "chinese,english,source\n批准,ratify,UNTERM\n",
		"states.csv": "code,english,source\nPRK,DPRK,common\n",
	}
	cases := []struct {
		name, file, content, want string
	}{
		{"no source", "terms.csv", "chinese,english,source\n批准,ratify,\n", "terms.csv:2: no source"},
		{"bad header", "bodies.csv", "name,english\n", "bodies.csv:1: header"},
		{"unknown state", "states.csv", "code,english,source\nXXX,Nowhere,me\n", "states.csv:2: \"XXX\" is not a state code"},
		{"spelling of two things", "terms.csv", "chinese,english,source\n批准,EU,UNTERM\n", "also names"},
		{"keep outside the name", "bodies.csv", "name,short,english,keeps,source\n联合国大会,,UNGA,日本,UNTERM\n", "keeps \"日本\", which is inside none"},
		{"no Chinese", "terms.csv", "chinese,english,source\nabc,ratify,UNTERM\n", "has no Chinese characters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, c := range good {
				fsys["data/vocabulary/"+n] = &fstest.MapFile{Data: []byte(c)}
			}
			fsys["data/vocabulary/"+tc.file] = &fstest.MapFile{Data: []byte(tc.content)}
			_, err := loadVocabulary(fsys, report.DefaultGazetteer())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The phrases naming a concept the query names are marked, as records are
// tagged: 《条约》 for CTBT, not the Organization's name.
func TestHighlightConcepts(t *testing.T) {
	got := highlightFieldOf("批准《条约》和全面禁止核试验条约组织，全面禁止 核试验条约", marks{concepts: []string{"CTBT"}})
	want := []string{"批准<mark>《条约》</mark>和全面禁止核试验条约组织，<mark>全面禁止 核试验条约</mark>"}
	if !slices.Equal(got, want) {
		t.Errorf("highlight = %q, want %q", got, want)
	}
}

// A resolution symbol finds its records first, then those of the
// same-titled resolutions of other years, the title read from the records.
func TestResolutionSymbolFindsSameTitle(t *testing.T) {
	res, hits := allHits(t, Request{Query: "63/87"})
	title := "题为“全面禁止核试验条约”的决议"
	own, related := 0, 0
	a62, a64 := testReports(t)
	for _, r := range slices.Concat(a62.Records, a64.Records) {
		switch {
		case strings.Contains(r.Activity, "63/87"):
			own++
		case strings.Contains(r.Activity, title+"草案"):
			related++
		}
	}
	if own == 0 || related == 0 || len(hits) != own+related {
		t.Fatalf("%d hits, want %d of 63/87 and %d of the same title", len(hits), own, related)
	}
	for i, h := range hits {
		if cites := strings.Contains(h.Activity, "63/87"); cites != (i < own) {
			t.Errorf("hit %d (%s) cites 63/87: %v; the symbol's own records come first", i, h.ID, cites)
		}
	}
	if len(res.Expansions) != 1 || !slices.Contains(res.Expansions[0].Variants, title) {
		t.Errorf("expansions = %+v, want the title %s", res.Expansions, title)
	}
}

func TestReplaceWord(t *testing.T) {
	for _, tc := range []struct{ name, q, word, cand, want string }{
		{"alone", "附件2国加", "附件2国加", "附件2国家", "附件2国家"},
		{"the word, not a piece of another", "印度尼西亚 印度", "印度", "印第安", "印度尼西亚 印第安"},
		{"inside quotes", `日本 "部长会议"`, "部长会议", "部长级会议", `日本 "部长级会议"`},
		{"after an operator", "条约 -印度", "印度", "印第安", "条约 -印第安"},
		{"only as a piece", "印度尼西亚", "印度", "X", "X尼西亚"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := replaceWord(tc.q, tc.word, tc.cand); got != tc.want {
				t.Errorf("replaceWord(%q, %q, %q) = %q, want %q", tc.q, tc.word, tc.cand, got, tc.want)
			}
		})
	}
}
