package index

import (
	"slices"
	"testing"

	"ctbtsearch/report"
)

// recordYears are the calendar years a record's period touches, from its
// months: the definition the year facet and filter implement.
func recordYears(r report.Record) []string {
	var ys []string
	for _, m := range r.Months {
		if !slices.Contains(ys, m[:4]) {
			ys = append(ys, m[:4])
		}
	}
	return ys
}

func TestYearFacetAndFilter(t *testing.T) {
	spanning := countRecords(t, func(r report.Record) bool { return len(recordYears(r)) > 1 })
	if spanning == 0 {
		t.Fatal("no test record spans two years; the test needs some")
	}
	all := doSearch(t, Request{})
	years := map[string]int{}
	countRecords(t, func(r report.Record) bool {
		for _, y := range recordYears(r) {
			years[y]++
		}
		return true
	})
	if len(all.Facets.Year) != len(years) {
		t.Errorf("year facet has %d values, the records touch %d years", len(all.Facets.Year), len(years))
	}
	for y, n := range years {
		if got := facetCount(all.Facets.Year, y); got != n {
			t.Errorf("year %s: facet counts %d, %d records touch it", y, got, n)
		}
	}

	cases := []struct {
		name string
		req  Request
		want func(report.Record) bool
	}{
		{"one year", Request{Years: []string{"2007"}}, func(r report.Record) bool { return slices.Contains(recordYears(r), "2007") }},
		{"two years are ORed", Request{Years: []string{"2006", "2009"}}, func(r report.Record) bool {
			ys := recordYears(r)
			return slices.Contains(ys, "2006") || slices.Contains(ys, "2009")
		}},
		{"year and section are ANDed", Request{Years: []string{"2008"}, Section: []string{"1(a)"}}, func(r report.Record) bool {
			return slices.Contains(recordYears(r), "2008") && r.Section == "1(a)"
		}},
		{"year and a query", Request{Years: []string{"2006"}, Query: `"部长级会议"`}, func(r report.Record) bool {
			return slices.Contains(recordYears(r), "2006") && has(r, "部长级会议")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := countRecords(t, tc.want)
			if want == 0 {
				t.Fatal("the case matches no record; it tests nothing")
			}
			res := doSearch(t, tc.req)
			if int(res.Total) != want {
				t.Errorf("total = %d, want %d", res.Total, want)
			}
			// Disjunctive: the year facet ignores the year filter but
			// honours the others.
			for y := range years {
				n := countRecords(t, func(r report.Record) bool {
					probe := tc.req
					probe.Years = nil
					return slices.Contains(recordYears(r), y) && matchesOthers(r, probe)
				})
				if tc.req.Query != "" {
					continue // the text match is the index's to judge
				}
				if got := max(facetCount(res.Facets.Year, y), 0); got != n {
					t.Errorf("year facet %s = %d, want %d", y, got, n)
				}
			}
			for _, y := range tc.req.Years {
				found := false
				for _, v := range res.Facets.Year {
					found = found || v.Value == y && v.Selected
				}
				if !found {
					t.Errorf("selected year %s is not marked in the facet", y)
				}
			}
		})
	}

	if _, err := openTestIndex(t).Search(t.Context(), Request{Years: []string{"07"}}); err == nil {
		t.Error("year 07 accepted")
	}
}

// matchesOthers applies a request's section filter, the only other filter
// the cases above use.
func matchesOthers(r report.Record, req Request) bool {
	return len(req.Section) == 0 || slices.Contains(req.Section, r.Section)
}

func TestReportLabel(t *testing.T) {
	cases := []struct {
		name string
		info ReportInfo
		want string
	}{
		{"symbol", ReportInfo{ID: "x", Session: 62, Symbol: "A/62/137", Year: 2007, Period: "2006年6月至2007年5月"}, "A/62/137 · 2007 · 2006年6月至2007年5月"},
		{"no symbol", ReportInfo{ID: "x", Session: 62, Year: 2007, Period: "2006年6月至2007年5月"}, "第62届会议 · 2007 · 2006年6月至2007年5月"},
		{"nothing known", ReportInfo{ID: "x"}, "x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.info.Label(); got != tc.want {
				t.Errorf("Label() = %q, want %q", got, tc.want)
			}
		})
	}
}
