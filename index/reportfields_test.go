package index

import (
	"slices"
	"testing"

	"ctbtsearch/report"
)

func TestHasPhrase(t *testing.T) {
	ix := openTestIndex(t)
	for _, tc := range []struct {
		name, text, q string
		want          bool
	}{
		{"symbol", reportMetaText(62, "A/62/173"), "a/62/173", true},
		{"session series", reportMetaText(62, "A/62/173"), "a/62", true},
		{"other session", reportMetaText(62, "A/62/173"), "a/63", false},
		{"number is a whole token", reportMetaText(62, "A/62/173"), "a/62/17", false},
		{"symbol out of order", reportMetaText(62, "A/62/173"), "a/173/62", false},
		{"no symbol", reportMetaText(64, ""), "a/64", true},
		{"chinese phrase", "与非附件2国家有关的活动", "附件2国家", true},
		{"characters apart", "与附件2国家有关的活动", "附件有关", false},
		{"empty query", "全球", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasPhrase(ix.tokens(tc.text), ix.tokens(tc.q)); got != tc.want {
				t.Errorf("hasPhrase(%q, %q) = %v, want %v", tc.text, tc.q, got, tc.want)
			}
		})
	}
}

// Report symbols and section titles are matched once per report; the
// records found are exactly those of the reports and sections that have
// them, including a report that titles a section its own way and one that
// leaves a section untitled, in memory and in an index saved and reopened.
func TestReportSymbolAndSectionTitleSearches(t *testing.T) {
	a62, a64 := testReports(t)
	own := copies(a64, 1)[0]
	own.Session, own.Symbol = 70, "A/70/999"
	for i := range own.Records {
		r := &own.Records[i]
		r.Session = 70
		switch r.Section {
		case "2(a)":
			r.SectionTitle = ""
		case "2(b)":
			r.SectionTitle = "区域一级的活动"
		}
	}
	reports := []*report.Report{a62, a64, own}
	all := slices.Concat(a62.Records, a64.Records, own.Records)
	count := func(pred func(r report.Record) bool) int {
		n := 0
		for _, r := range all {
			if pred(r) {
				n++
			}
		}
		return n
	}
	inReport := func(id string) func(report.Record) bool {
		return func(r report.Record) bool { return r.Report == id }
	}
	titled := func(code string) func(report.Record) bool {
		return func(r report.Record) bool { return r.Section == code && r.SectionTitle != "" }
	}
	cases := []struct {
		query    string
		want     int
		wantNone bool
	}{
		{query: "A/62", want: count(inReport(a62.ID))},
		{query: "a/64", want: count(inReport(a64.ID))},
		{query: "A/70/999", want: count(inReport(own.ID))},
		{query: "A/70/99", wantNone: true},
		{query: "A/", want: len(all)},
		{query: "A/70/999 批准", want: count(func(r report.Record) bool { return r.Report == own.ID && has(r, "批准") })},
		{query: "section_title:全球", want: count(titled("2(a)"))},
		{query: "section_title:全", want: count(titled("2(a)"))},
		{query: "section_title:附件2国家", want: count(titled("1(a)")) + count(titled("1(b)"))},
		{query: "section_title:非附件2国家", want: count(titled("1(b)"))},
		{query: "section_title:区域", want: count(titled("2(b)"))},
		{query: "section_title:区", want: count(titled("2(b)"))},
		{query: "section_title:区域一级", want: count(func(r report.Record) bool { return r.Report == own.ID && r.Section == "2(b)" })},
		{query: "section_title:联合国", wantNone: true},
	}
	mem, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if err := mem.Add(t.Context(), nil, reports...); err != nil {
		t.Fatal(err)
	}
	loc := t.TempDir()
	if _, err := Publish(t.Context(), loc, reports, nil); err != nil {
		t.Fatal(err)
	}
	saved, _, err := OpenCurrent(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer saved.Close()
	for name, ix := range map[string]*Index{"in memory": mem, "reopened": saved} {
		for _, tc := range cases {
			t.Run(name+"/"+tc.query, func(t *testing.T) {
				if tc.want == 0 && !tc.wantNone {
					t.Fatal("the fixtures have no record for this case")
				}
				res, err := ix.Search(t.Context(), Request{Query: tc.query, Size: 1})
				if err != nil {
					t.Fatal(err)
				}
				if res.Total != uint64(tc.want) {
					t.Errorf("%s: %d records, want %d", tc.query, res.Total, tc.want)
				}
			})
		}
	}
}

// An index built before kept no section titles per report: the titles every
// report has stand in for them.
func TestReportEntryWithoutSectionTitles(t *testing.T) {
	ix := openTestIndex(t)
	e := ix.newReportEntry(ReportInfo{ID: "old", Session: 62})
	if len(e.titles) != len(SectionTitles) {
		t.Fatalf("%d section titles, want the %d standard ones", len(e.titles), len(SectionTitles))
	}
	if !hasPhrase(e.titles["2(a)"], ix.tokens("全球")) {
		t.Error("section 2(a) of an old report is not titled 全球")
	}
}
