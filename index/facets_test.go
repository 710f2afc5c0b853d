package index

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestReportFacetIsSortedAndCapped: the report facet is what sorting every
// report newest first (session, then symbol) and keeping the first
// MaxReportFacetValues and every selected one gives, for collections of few
// and of thousands of reports, sessions shared by many, selected reports
// with and without matches, among the newest and far beyond them, and
// reports the index does not know.
func TestReportFacetIsSortedAndCapped(t *testing.T) {
	rng := rand.New(rand.NewPCG(30, 11))
	for n, reports := range []int{0, 1, 59, 60, 61, 200, 3000} {
		ix := newIndex(nil, true)
		ids := make([]string, reports)
		for i := range ids {
			ids[i] = fmt.Sprintf("a%d-%04d", 50+rng.IntN(30), i)
			ix.reports[ids[i]] = reportEntry{ReportInfo: ReportInfo{ID: ids[i], Session: 50 + rng.IntN(30)}, label: "label of " + ids[i]}
		}
		for trial := range 20 {
			counts := map[string]int{}
			for _, id := range ids {
				if rng.IntN(3) > 0 {
					counts[id] = 1 + rng.IntN(50)
				}
			}
			var selected []string
			for range rng.IntN(6) {
				if len(ids) > 0 && rng.IntN(4) > 0 {
					selected = append(selected, ids[rng.IntN(len(ids))]) // with matches or not; may repeat
				} else {
					selected = append(selected, fmt.Sprintf("unknown-%d", rng.IntN(3)))
				}
			}
			if rng.IntN(3) == 0 {
				counts["unknown-9"] = 1 // counted but not known: session 0, no label
			}
			got := ix.reportFacet(counts, selected)
			want := sortAllReports(ix, counts, selected)
			if !slices.Equal(got, want) {
				t.Fatalf("%d reports, trial %d, selected %q:\n got %v\nwant %v", reports, trial, selected, got, want)
			}
			if n > 4 && len(got) < MaxReportFacetValues {
				t.Fatalf("%d reports: %d listed, want at least %d", reports, len(got), MaxReportFacetValues)
			}
		}
	}
}

// sortAllReports is the report facet made the simple way: every report
// labelled and sorted, then capped.
func sortAllReports(ix *Index, counts map[string]int, selected []string) []FacetValue {
	out := []FacetValue{}
	for id, n := range counts {
		out = append(out, FacetValue{Value: id, Count: n, Selected: slices.Contains(selected, id)})
	}
	for _, id := range selected {
		if _, ok := counts[id]; !ok && !slices.ContainsFunc(out, func(v FacetValue) bool { return v.Value == id }) {
			out = append(out, FacetValue{Value: id, Selected: true})
		}
	}
	for i := range out {
		if info, ok := ix.reports[out[i].Value]; ok {
			out[i].Label = info.label
		}
	}
	slices.SortFunc(out, func(a, b FacetValue) int {
		return cmp.Or(cmp.Compare(ix.reports[b.Value].Session, ix.reports[a.Value].Session), strings.Compare(b.Value, a.Value))
	})
	if len(out) <= MaxReportFacetValues {
		return out
	}
	capped := out[:MaxReportFacetValues:MaxReportFacetValues]
	for _, v := range out[MaxReportFacetValues:] {
		if v.Selected {
			capped = append(capped, v)
		}
	}
	return capped
}
