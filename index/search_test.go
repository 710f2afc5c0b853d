package index

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"ctbtsearch"
	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// parsedTestReports are the sample report (A/62) and the second-year
// fixture (A/64), parsed once per test binary.
var parsedTestReports = sync.OnceValues(func() ([2]*report.Report, error) {
	gz := report.DefaultGazetteer()
	a62, err := report.ParseReport(sampleName, mustReadSample(), gz)
	if err != nil {
		return [2]*report.Report{}, err
	}
	a64, err := report.ParseReportFile("../report/testdata/a64-ctbt-universality.zh.txt", gz)
	return [2]*report.Report{a62, a64}, err
})

// testReports gives the two test reports; they are shared, do not modify.
func testReports(t testing.TB) (a62, a64 *report.Report) {
	t.Helper()
	reps, err := parsedTestReports()
	if err != nil {
		t.Fatal(err)
	}
	return reps[0], reps[1]
}

// testIndex is an in-memory index with the real mapping.json holding the
// sample report and the second-year fixture, built once per test binary.
var testIndex = sync.OnceValues(func() (*Index, error) {
	ix, err := NewMemory()
	if err != nil {
		return nil, err
	}
	reps, err := parsedTestReports()
	if err != nil {
		return nil, err
	}
	a62, a64 := reps[0], reps[1]
	if err := ix.Add(context.Background(), nil, a62, a64); err != nil {
		return nil, err
	}
	return ix, nil
})

// sampleName is the bundled sample report, as embedded.
const sampleName = "data/reports/a62-ctbt-universality.zh.txt"

func mustReadSample() []byte {
	data, err := ctbtsearch.SampleReports.ReadFile(sampleName)
	if err != nil {
		panic(err)
	}
	return data
}

func openTestIndex(t testing.TB) *Index {
	t.Helper()
	ix, err := testIndex()
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func doSearch(t *testing.T, req Request) *Result {
	t.Helper()
	res, err := openTestIndex(t).Search(context.Background(), req)
	if err != nil {
		t.Fatalf("Search(%+v): %v", req, err)
	}
	return res
}

func facetCount(vals []FacetValue, value string) int {
	for _, v := range vals {
		if v.Value == value {
			return v.Count
		}
	}
	return -1
}

// countRecords counts the records of both test reports that satisfy pred,
// so expected totals are computed from the data, not copied from output.
func countRecords(t *testing.T, pred func(report.Record) bool) int {
	t.Helper()
	a62, a64 := testReports(t)
	n := 0
	for _, r := range slices.Concat(a62.Records, a64.Records) {
		if pred(r) {
			n++
		}
	}
	return n
}

// has reports whether a record's text contains s, both in search form.
func has(r report.Record, s string) bool { return strings.Contains(textOf(r), fold.Search(s)) }

// hasAnnex2 reports whether a record names Annex 2 states by themselves,
// not inside 非附件2国家, in its text or its section title.
func hasAnnex2(r report.Record) bool {
	return strings.Contains(strings.ReplaceAll(textOf(r), fold.Search("非附件2国家"), ""), fold.Search("附件2国家"))
}

func textOf(r report.Record) string {
	return fold.Search(r.Activity + "\n" + r.Comment + "\n" + strings.Join(r.Footnotes, "\n") + "\n" + r.SectionTitle)
}

func TestSearchTotals(t *testing.T) {
	contains := func(s string) func(report.Record) bool {
		return func(r report.Record) bool { return has(r, s) }
	}
	cases := []struct {
		name  string
		req   Request
		match func(report.Record) bool // the records that must be found, computed from the data
	}{
		{"empty query lists everything", Request{}, func(report.Record) bool { return true }},
		{"phrase", Request{Query: `"附件2国家"`}, hasAnnex2},
		{"a word inside a longer name is no match", Request{Query: "附件2国家"}, hasAnnex2},
		{"word", Request{Query: "部长级会议"}, contains("部长级会议")},
		{"words must all match", Request{Query: "部长级 会议"}, func(r report.Record) bool {
			return has(r, "部长级") && has(r, "会议")
		}},
		{"spaced words spelling one name are that name", Request{Query: "附件2 国家"}, hasAnnex2},
		{"OR", Request{Query: "日本 OR 澳大利亚"}, func(r report.Record) bool {
			return r.StateCode == "JPN" || r.StateCode == "AUS" || has(r, "日本") || has(r, "澳大利亚")
		}},
		{"| and 或 are OR too", Request{Query: "讲习班|研讨会 或 新闻稿"}, func(r report.Record) bool {
			return has(r, "讲习班") || has(r, "研讨会") || has(r, "新闻稿")
		}},
		{"state name as typed", Request{Query: "委内瑞拉"}, func(r report.Record) bool {
			return r.StateCode == "VEN" || has(r, "委内瑞拉")
		}},
		{"exclusion", Request{Query: "附件2国家 -非附件2"}, func(r report.Record) bool {
			return has(r, "附件2国家") && !has(r, "非附件2")
		}},
		{"filter by section", Request{Section: []string{"1(a)"}}, func(r report.Record) bool { return r.Section == "1(a)" }},
		{"two sections are ORed", Request{Section: []string{"1(a)", "2 (b)"}}, func(r report.Record) bool { return r.Section == "1(a)" || r.Section == "2(b)" }},
		{"filters are ANDed", Request{Section: []string{"2(a)"}, States: []string{"意大利", "英国"}}, func(r report.Record) bool {
			return r.Section == "2(a)" && (r.StateCode == "ITA" || r.StateCode == "GBR")
		}},
		{"month filter on multi-valued months", Request{Months: []string{"2007-03"}}, func(r report.Record) bool {
			return containsString(r.Months, "2007-03")
		}},
		{"report filter", Request{Reports: []string{"a64-ctbt-universality"}, Query: "附件2国家"}, func(r report.Record) bool {
			return r.Report == "a64-ctbt-universality" && hasAnnex2(r)
		}},
		{"field query", Request{Query: "state:英国 section:2(a)"}, func(r report.Record) bool { return r.StateCode == "GBR" && r.Section == "2(a)" }},
		{"comment field", Request{Query: "comment:新闻发布会"}, func(r report.Record) bool { return strings.Contains(fold.Search(r.Comment), "新闻发布会") }},
		{"unknown state in filter", Request{States: []string{"欧洲联盟"}}, func(r report.Record) bool { return r.State == "欧洲联盟" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := countRecords(t, tc.match)
			if want == 0 {
				t.Fatal("the case matches no record; it tests nothing")
			}
			res := doSearch(t, tc.req)
			if int(res.Total) != want {
				t.Errorf("total = %d, want %d", res.Total, want)
			}
		})
	}
}

func TestSearchFacets(t *testing.T) {
	all := doSearch(t, Request{})
	if facetCount(all.Facets.Section, "1(a)") != 28 || facetCount(all.Facets.Section, "2(a)") != 52 {
		t.Errorf("section facet = %+v", all.Facets.Section)
	}
	// The two reports span 2006–2009: too wide for the month facet, which
	// one report (two calendar years) has in full.
	if all.LastYear-all.FirstYear+1 <= MonthFacetMaxYears || len(all.Facets.Month) != 0 {
		t.Errorf("years %d–%d, %d months in the facet; want a wide span and no month facet", all.FirstYear, all.LastYear, len(all.Facets.Month))
	}
	const a62 = "a62-ctbt-universality"
	one := doSearch(t, Request{Reports: []string{a62}})
	months := countRecords(t, func(r report.Record) bool { return r.Report == a62 && containsString(r.Months, "2006-09") })
	if got := facetCount(one.Facets.Month, "2006-09"); got != months {
		t.Errorf("month 2006-09 count = %d, want %d (records touching the month)", got, months)
	}
	if len(one.Facets.Month) < 12 {
		t.Errorf("month facet of one report lists %d values; it must list all of them", len(one.Facets.Month))
	}
	states := map[string]bool{}
	countRecords(t, func(r report.Record) bool { states[r.State] = true; return true })
	if got, want := len(all.Facets.State), len(states); got != want {
		t.Errorf("state facet lists %d values, want every state (%d)", got, want)
	}
	for _, v := range all.Facets.State {
		if v.Value == "大不列颠及北爱尔兰联合王国" && (!v.Annex2 || v.Label == "") {
			t.Errorf("UK facet value = %+v", v)
		}
	}

	t.Run("disjunctive: a facet ignores its own filter", func(t *testing.T) {
		res := doSearch(t, Request{Section: []string{"1(a)"}})
		if res.Total != 28 {
			t.Fatalf("total = %d", res.Total)
		}
		for _, s := range all.Facets.Section {
			if got := facetCount(res.Facets.Section, s.Value); got != s.Count {
				t.Errorf("section %s: %d, want the unfiltered %d", s.Value, got, s.Count)
			}
		}
		for _, v := range res.Facets.Section {
			if v.Selected != (v.Value == "1(a)") {
				t.Errorf("section %s selected = %v", v.Value, v.Selected)
			}
		}
		// Other facets are narrowed by the section filter.
		want := countRecords(t, func(r report.Record) bool { return r.Section == "1(a)" && r.StateCode == "JPN" })
		if got := facetCount(res.Facets.State, "日本"); got != want {
			t.Errorf("state 日本 within 1(a) = %d, want %d", got, want)
		}
	})
	t.Run("disjunctive with a query and two filters", func(t *testing.T) {
		res := doSearch(t, Request{Query: "附件2国家", Section: []string{"1(b)"}, States: []string{"德国"}})
		want := countRecords(t, func(r report.Record) bool {
			return r.StateCode == "DEU" && hasAnnex2(r)
		})
		sum := 0
		for _, v := range res.Facets.Section {
			sum += v.Count
		}
		if sum != want {
			t.Errorf("section counts sum to %d, want %d (Germany's matching records in every section)", sum, want)
		}
		// Every state's count is its 1(b) records naming Annex 2 states by
		// themselves (none of them only inside 非附件2国家).
		for _, v := range res.Facets.State {
			want := countRecords(t, func(r report.Record) bool {
				return r.Section == "1(b)" && r.State == v.Value && hasAnnex2(r)
			})
			if v.Count != want {
				t.Errorf("state %s = %d, want %d", v.Value, v.Count, want)
			}
		}
	})
	t.Run("selected value with no records stays listed", func(t *testing.T) {
		res := doSearch(t, Request{Query: "委内瑞拉", States: []string{"日本"}})
		found := false
		for _, v := range res.Facets.State {
			if v.Value == "日本" {
				found = v.Selected
			}
		}
		if !found {
			t.Errorf("selected state missing from facet: %+v", res.Facets.State)
		}
	})
}

func TestSearchSortAndPaging(t *testing.T) {
	newest := doSearch(t, Request{Size: 100, Sort: SortNewest})
	for i := 1; i < len(newest.Hits); i++ {
		if newest.Hits[i-1].Start < newest.Hits[i].Start {
			t.Fatalf("newest: %s before %s", newest.Hits[i-1].Start, newest.Hits[i].Start)
		}
	}
	oldest := doSearch(t, Request{Size: 5, Sort: SortOldest})
	if oldest.Hits[0].Start != "2006-05-15" {
		t.Errorf("oldest first = %s", oldest.Hits[0].Start)
	}
	if def := doSearch(t, Request{}); def.Sort != SortNewest {
		t.Errorf("empty query sorts by %s, want newest", def.Sort)
	}
	if def := doSearch(t, Request{Query: "条约"}); def.Sort != SortRelevance {
		t.Errorf("query sorts by %s, want relevance", def.Sort)
	}

	seen := map[string]bool{}
	var total uint64
	for page := 1; page <= 7; page++ {
		res := doSearch(t, Request{Query: "条约", Page: page, Size: 10})
		if page == 1 {
			total = res.Total
		} else if res.Total != total {
			t.Fatalf("total changed between pages: %d then %d", total, res.Total)
		}
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Fatalf("page %d repeats %s", page, h.ID)
			}
			seen[h.ID] = true
		}
	}
	if want := min(int(total), 70); len(seen) != want {
		t.Errorf("7 pages of 10 gave %d distinct hits, want %d", len(seen), want)
	}
	beyond := doSearch(t, Request{Query: "条约", Page: 50, Size: 10})
	if len(beyond.Hits) != 0 || beyond.Total != total {
		t.Errorf("page past the end: %d hits, total %d", len(beyond.Hits), beyond.Total)
	}
}

func TestSearchHighlights(t *testing.T) {
	cases := []struct {
		name, query, contains string
	}{
		{"adjacent terms merge into one mark", "附件2 国家", "<mark>附件2国家</mark>"},
		{"quoted phrase", `"附件2国家"`, "<mark>附件2国家</mark>"},
		{"official name for a common name", "委内瑞拉", "<mark>委内瑞拉玻利瓦尔共和国</mark>"},
		{"word", "部长级会议", "<mark>部长级会议</mark>"},
		{"last character of an overlapping match is marked", "联合国", "<mark>联合国</mark>"},
		{"traditional query marks simplified text", "聯合國", "<mark>联合国</mark>"},
		{"ampersand is escaped", "核查", "<mark>核查</mark>&amp;透明"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := doSearch(t, Request{Query: tc.query, Size: 100})
			if res.Total == 0 {
				t.Fatal("no hits")
			}
			for _, h := range res.Hits {
				for _, frags := range h.Highlights {
					for _, f := range frags {
						if strings.Contains(f, tc.contains) {
							return
						}
					}
				}
			}
			t.Errorf("no highlight contains %q", tc.contains)
		})
	}
}

func TestHighlightField(t *testing.T) {
	long := strings.Repeat("这是很长的背景文字。", 40) + "部长级会议" + strings.Repeat("其他内容。", 40) + "部长级会议"
	cases := []struct {
		name  string
		text  string
		terms []string
		want  []string
	}{
		{"escapes everything", `<script>&"附件2国家"`, []string{"附件2国家"}, []string{`&lt;script&gt;&amp;&#34;<mark>附件2国家</mark>&#34;`}},
		{"spaces inside a match", "附件 2 国家", []string{"附件2国家"}, []string{"<mark>附件 2 国家</mark>"}},
		{"punctuation inside a match", "批准《条约》", []string{"批准条约"}, []string{"<mark>批准《条约</mark>》"}},
		{"overlapping terms merge", "部长级会议", []string{"部长级", "级会议"}, []string{"<mark>部长级会议</mark>"}},
		{"a name inside a longer name is not marked", "全面禁止核试验条约组织和全面禁止核试验条约", []string{"全面禁止核试验条约"}, []string{"全面禁止核试验条约组织和<mark>全面禁止核试验条约</mark>"}},
		{"no match", "文字", []string{"附件"}, nil},
		{"full-width digits in the text", "附件２国家", []string{"附件2国家"}, []string{"<mark>附件２国家</mark>"}},
		{"long field gives fragments", long, []string{"部长级会议"}, []string{
			"…" + strings.Repeat("这是很长的背景文字。", 6) + "<mark>部长级会议</mark>" + strings.Repeat("其他内容。", 12) + "…",
			"…" + strings.Repeat("其他内容。", 12) + "<mark>部长级会议</mark>",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			terms := make([]string, len(tc.terms))
			for i, term := range tc.terms {
				terms[i] = fold.Search(term) // as the query compiler gives them
			}
			got := highlightField(tc.text, terms)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") || len(got) != len(tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSearchBadRequests(t *testing.T) {
	cases := []struct {
		name  string
		req   Request
		param string
	}{
		{"negative page", Request{Page: -1}, "page"},
		{"page too deep", Request{Page: MaxPage + 1}, "page"},
		{"size too big", Request{Size: MaxPageSize + 1}, "size"},
		{"negative size", Request{Size: -5}, "size"},
		{"unknown sort", Request{Sort: "random"}, "sort"},
		{"month not YYYY-MM", Request{Months: []string{"2006-13"}}, "month"},
		{"month with slash", Request{Months: []string{"2006/06"}}, "month"},
		{"bad section", Request{Section: []string{"3(z)x"}}, "section"},
		{"query too long", Request{Query: strings.Repeat("核", MaxQueryRunes+1)}, "q"},
		{"invalid UTF-8", Request{Query: "附件\xff"}, "q"},
		{"control character", Request{Query: "附件\x00国家"}, "q"},
		{"unknown field", Request{Query: "colour:红"}, "q"},
		{"field without value", Request{Query: "state: 日本"}, "q"},
		{"bad month in query", Request{Query: "month:2006"}, "q"},
		{"too many filter values", Request{States: make([]string, MaxFilterValues+1)}, "state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openTestIndex(t).Search(context.Background(), tc.req)
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RequestError", err)
			}
			if re.Param != tc.param || re.Msg == "" {
				t.Errorf("err = %+v, want param %s with a message", re, tc.param)
			}
		})
	}
}

// Forgiving input: what a person may type by accident still searches.
func TestSearchForgiving(t *testing.T) {
	cases := []struct {
		name, query string
		min         uint64
	}{
		{"unbalanced quote", `"附件2国家`, 10},
		{"chinese quotes make a phrase", "“附件2国家”", 10},
		{"time-like colon is text", "10:30", 0},
		{"only punctuation", "《》", 0},
		{"wildcard is text", "附件*", 10},
		{"regexp syntax is text", "/附件.*/", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := doSearch(t, Request{Query: tc.query})
			if res.Total < tc.min {
				t.Errorf("total = %d, want ≥ %d", res.Total, tc.min)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	ix := openTestIndex(t)
	r, err := ix.Record(context.Background(), "a62-ctbt-universality-032")
	if err != nil {
		t.Fatal(err)
	}
	if r.State != "乌克兰" || len(r.Footnotes) != 1 {
		t.Errorf("record = %+v", r)
	}
	for _, id := range []string{"nope", "", strings.Repeat("x", 300), "a62-ctbt-universality-999"} {
		if _, err := ix.Record(context.Background(), id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Record(%q) err = %v, want ErrNotFound", id, err)
		}
	}
}

func TestExport(t *testing.T) {
	ix := openTestIndex(t)
	var ids []string
	err := ix.Export(context.Background(), Request{Query: "附件2国家", Sort: SortOldest}, func(r report.Record) error {
		ids = append(ids, r.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res := doSearch(t, Request{Query: "附件2国家"})
	if len(ids) != int(res.Total) {
		t.Errorf("exported %d, total %d", len(ids), res.Total)
	}
}

func TestReplaceReport(t *testing.T) {
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	rep, err := report.ParseReport(sampleName, mustReadSample(), report.DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Add(ctx, nil, rep); err != nil {
		t.Fatal(err)
	}
	smaller := *rep
	smaller.Records = rep.Records[:10]
	if err := ix.Add(ctx, nil, &smaller); err != nil {
		t.Fatal(err)
	}
	if n := ix.DocCount(); n != 10 {
		t.Errorf("after re-indexing a report with 10 records: %d documents", n)
	}
	if infos := ix.Reports(); len(infos) != 1 || infos[0].Records != 10 {
		t.Errorf("reports = %+v", infos)
	}
}

// A sharded index answers exactly like a single one: totals, facet counts
// and the set of hits merge across shards.
func TestShardedIndexAgrees(t *testing.T) {
	one := openTestIndex(t)
	two, err := NewMemoryShards(2)
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	a62, a64 := testReports(t)
	if err := two.Add(context.Background(), nil, a62, a64); err != nil {
		t.Fatal(err)
	}
	if len(two.shards) != 2 || two.DocCount() != one.DocCount() {
		t.Fatalf("shards %d, docs %d vs %d", len(two.shards), two.DocCount(), one.DocCount())
	}
	for _, n := range []uint64{0, 1} {
		if c, _ := two.shards[n].bi.DocCount(); c == 0 {
			t.Fatalf("shard %d is empty: records are not spread", n)
		}
	}
	reqs := []Request{
		{},
		{Query: "附件2 国家", Section: []string{"1(a)"}},
		{Query: "条约", States: []string{"日本", "德国"}, Months: []string{"2007-01", "2008-10"}},
		{Sort: SortOldest, Size: 100},
	}
	for _, req := range reqs {
		a, err := one.Search(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := two.Search(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if a.Total != b.Total {
			t.Errorf("%+v: total %d vs %d", req, a.Total, b.Total)
		}
		for _, f := range []struct{ a, b []FacetValue }{{a.Facets.State, b.Facets.State}, {a.Facets.Section, b.Facets.Section}, {a.Facets.Month, b.Facets.Month}, {a.Facets.Report, b.Facets.Report}} {
			if len(f.a) != len(f.b) {
				t.Errorf("%+v: facet lengths %d vs %d", req, len(f.a), len(f.b))
				continue
			}
			for _, v := range f.a {
				if facetCount(f.b, v.Value) != v.Count {
					t.Errorf("%+v: facet %s: %d vs %d", req, v.Value, v.Count, facetCount(f.b, v.Value))
				}
			}
		}
		if req.Sort == SortOldest {
			for i := range a.Hits {
				if a.Hits[i].Start != b.Hits[i].Start {
					t.Errorf("oldest order differs at %d: %s vs %s", i, a.Hits[i].Start, b.Hits[i].Start)
				}
			}
		}
	}
	// Paging through the merged results visits every hit exactly once.
	for _, sortBy := range []string{SortRelevance, SortNewest, SortOldest} {
		seen := map[string]bool{}
		var total uint64
		for page := 1; ; page++ {
			res, err := two.Search(context.Background(), Request{Query: "条约", Sort: sortBy, Page: page, Size: 7})
			if err != nil {
				t.Fatal(err)
			}
			total = res.Total
			if len(res.Hits) == 0 {
				break
			}
			for _, h := range res.Hits {
				if seen[h.ID] {
					t.Fatalf("%s: page %d repeats %s", sortBy, page, h.ID)
				}
				seen[h.ID] = true
			}
		}
		if uint64(len(seen)) != total || total == 0 {
			t.Errorf("%s: pages gave %d distinct hits, total %d", sortBy, len(seen), total)
		}
	}
	r, err := two.Record(context.Background(), "a64-ctbt-universality-012")
	if err != nil || r.State != "墨西哥" {
		t.Errorf("record from a shard: %+v, %v", r, err)
	}
}

// A one-character word limited to a field finds it in that field only.
func TestSingleCharacterInAField(t *testing.T) {
	res := doSearch(t, Request{Query: "activity:核", Size: 100})
	want := countRecords(t, func(r report.Record) bool { return strings.Contains(fold.Search(r.Activity), "核") })
	if int(res.Total) != want || want == 0 {
		t.Errorf("activity:核 total = %d, want %d", res.Total, want)
	}
	for _, h := range res.Hits {
		if !strings.Contains(h.Activity, "核") {
			t.Errorf("%s has no 核 in its activity", h.ID)
		}
	}
}

// Two builds of the same reports — in another order, over another number of
// shards, so every record gets another document number — list hits in the
// same order in every sort, ties broken by record id. A page fetched after a
// reload then neither repeats nor skips hits.
func TestSortTiesStableAcrossBuilds(t *testing.T) {
	a62, a64 := testReports(t)
	build := func(shards int, reps ...*report.Report) *Index {
		ix, err := NewMemoryShards(shards)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ix.Close() })
		if err := ix.Add(context.Background(), nil, reps...); err != nil {
			t.Fatal(err)
		}
		return ix
	}
	// Relevance scores depend on each shard's term statistics, so only
	// builds with as many shards are compared for relevance.
	first, reversed, sharded := build(1, a62, a64), build(1, a64, a62), build(3, a64, a62)
	ids := func(ix *Index, req Request) []string {
		req.Size = MaxPageSize
		var out []string
		for page := 1; ; page++ {
			req.Page = page
			res, err := ix.Search(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) == 0 {
				return out
			}
			for _, h := range res.Hits {
				out = append(out, h.ID)
			}
		}
	}
	for _, req := range []Request{
		{Sort: SortNewest},
		{Sort: SortOldest},
		{Query: "条约", Sort: SortNewest},
		{Query: "state:日本", Sort: SortRelevance},
	} {
		a := ids(first, req)
		others := []*Index{reversed}
		if req.Sort != SortRelevance {
			others = append(others, sharded)
		}
		for _, other := range others {
			if b := ids(other, req); !slices.Equal(a, b) {
				t.Errorf("%+v: order differs between builds:\n%v\n%v", req, a, b)
			}
		}
		// Within equal periods, hits come in record id order.
		byID := map[string]report.Record{}
		for _, rep := range []*report.Report{a62, a64} {
			for _, r := range rep.Records {
				byID[r.ID] = r
			}
		}
		if req.Sort == SortRelevance {
			continue
		}
		for i := 1; i < len(a); i++ {
			p, c := byID[a[i-1]], byID[a[i]]
			if p.Start == c.Start && p.End == c.End && p.ID > c.ID {
				t.Errorf("%+v: %s before %s with the same period", req, p.ID, c.ID)
			}
		}
	}
}

// highlightField is a field's fragments as a hit shows them (hitTexts, then
// fragments), for the query words terms.
func highlightField(text string, terms []string) []string {
	return highlightFieldOf(text, marks{terms: terms})
}

func highlightFieldOf(text string, m marks) []string {
	return fragments(text, markText(text, m).spans)
}
