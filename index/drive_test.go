package index

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
)

// TestFilterDrivenSearchIsExact: a search driven from its filters' documents
// (collect skips the text searcher to them) returns the same total, page,
// scores and disjunctive facet counts as one visiting every match.
func TestFilterDrivenSearchIsExact(t *testing.T) {
	ix := synthIndexShards(t, 3000, 2) // the span of years is the shards' together
	ix.SetMatchCache(0)                // or the second search would read the first's matches
	ctx := context.Background()
	st1, st2, year := filterValues(t, ix)
	months := []string{year + "-03", year + "-06", year + "-09", year + "-12"}
	y, _ := strconv.Atoi(year)
	farApart := []string{year + "-03", strconv.Itoa(y+5) + "-03"} // a span wider than the month facet is shown for
	cases := []struct {
		name string
		req  Request
	}{
		{"word, section and year", Request{Query: "条约", Section: []string{"1(a)"}, Years: []string{year}}},
		{"phrase, section and month", Request{Query: `"全面禁止核试验条约"`, Section: []string{"1(a)", "2(a)"}, Months: months}},
		{"word, two states and a section, page 2", Request{Query: "会议", States: []string{st1, st2}, Section: []string{"1(b)", "2(a)"}, Page: 2, Size: 5}},
		{"three filters, newest first", Request{Query: "批准", States: []string{st1}, Section: []string{"1(a)"}, Years: []string{year}, Sort: SortNewest}},
		{"section-only ranking", Request{Query: "附件2国家", Section: []string{"1(a)"}, Years: []string{year}}},
		{"one state", Request{Query: "条约", States: []string{st2}}},
		{"one year, relevance ties", Request{Query: "合作", Years: []string{year}, Size: 50}},
		{"nothing passes", Request{Query: "条约", States: []string{st1}, Years: []string{"1900"}}},
		// Ranked by should clauses, which Bleve's BooleanSearcher moved
		// back when advanced (forward.go).
		{"lone character, two states and sections", Request{Query: "核", States: []string{st1, st2}, Section: []string{"1(a)", "2(a)"}}},
		{"two words, a state and a section", Request{Query: "会议 核试验", States: []string{st1}, Section: []string{"1(b)"}}},
		{"browse: a section and months", Request{Section: []string{"1(a)"}, Months: months}},
		{"months years apart", Request{Query: "条约", Months: farApart}},
		{"a state and months years apart", Request{Query: "会议", States: []string{st1}, Months: farApart}},
		{"browse: a section and months years apart", Request{Section: []string{"2(a)"}, Months: farApart}},
		{"browse: a state, a section and a year", Request{States: []string{st1}, Section: []string{"2(a)"}, Years: []string{year}}},
		{"browse: one month", Request{Months: months[1:2]}},
		{"browse: one state, newest first", Request{States: []string{st2}, Sort: SortNewest}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := undriven(ix, c.req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.Search(ctx, c.req)
			if err != nil {
				t.Fatal(err)
			}
			sameResult(t, got, want)
			t.Logf("total %d", got.Total)
		})
	}
}

// TestFilterDrivenMonthFacetAcrossShards checks the month facet of driven
// searches whose span of years one shard's passing documents do not cover
// (collectMonthRest): a state and a month leave a few records, often all in
// one shard, and a record of a period counts in two years; months years
// apart leave passing records over more years than the facet shows. With and without
// text: browsing by filters alone walks their documents too.
func TestFilterDrivenMonthFacetAcrossShards(t *testing.T) {
	ix := synthIndexShards(t, 3000, 2)
	ix.SetMatchCache(0)
	ctx := context.Background()
	all, err := ix.Search(ctx, Request{Query: "条约"})
	if err != nil {
		t.Fatal(err)
	}
	year := all.Facets.Year[len(all.Facets.Year)/2].Value
	y, _ := strconv.Atoi(year)
	before, wideBefore := restFallbacks.Load(), wideRestFallbacks.Load()
	for _, st := range all.Facets.State[:min(6, len(all.Facets.State))] {
		for _, months := range [][]string{{year + "-01"}, {year + "-04"}, {year + "-07"}, {year + "-10"}, {year + "-12"},
			// Years apart: the passing records span more years than the
			// month facet shows, the text's matches may not.
			{year + "-03", strconv.Itoa(y+4) + "-03"}, {strconv.Itoa(y-3) + "-07", year + "-07"}} {
			for _, q := range []string{"条约", "会议", "批准", ""} {
				req := Request{Query: q, States: []string{st.Value}, Months: months}
				want, err := undriven(ix, req)
				if err != nil {
					t.Fatal(err)
				}
				got, err := ix.Search(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				t.Run(fmt.Sprintf("%s %s %v", q, st.Value, req.Months), func(t *testing.T) { sameResult(t, got, want) })
			}
		}
	}
	if restFallbacks.Load() == before {
		t.Error("no search needed collectMonthRest: the test no longer covers it")
	}
	if wideRestFallbacks.Load() == wideBefore {
		t.Error("no search needed collectMonthRest after passing records of distant years: the test no longer covers it")
	}
}

// undriven searches ix visiting every match of the text, as searches did
// before they were driven by their filters.
func undriven(ix *Index, req Request) (*Result, error) {
	driveByFilters = false
	defer func() { driveByFilters = true }()
	return ix.Search(context.Background(), req)
}

// sameResult fails t unless got has want's total, page (ids and scores, in
// order, and which are section-only) and facets.
func sameResult(t *testing.T, got, want *Result) {
	t.Helper()
	if got.Total != want.Total {
		t.Fatalf("total %d, want %d", got.Total, want.Total)
	}
	if len(got.Hits) != len(want.Hits) {
		t.Fatalf("%d hits, want %d", len(got.Hits), len(want.Hits))
	}
	for i := range got.Hits {
		g, w := got.Hits[i], want.Hits[i]
		if g.Record.ID != w.Record.ID || g.Score != w.Score || g.SectionOnly != w.SectionOnly {
			t.Errorf("hit %d: %s %v section-only %v, want %s %v section-only %v", i, g.Record.ID, g.Score, g.SectionOnly, w.Record.ID, w.Score, w.SectionOnly)
		}
	}
	if !reflect.DeepEqual(got.Facets, want.Facets) {
		t.Errorf("facets differ:\n got %+v\nwant %+v", got.Facets, want.Facets)
	}
	if got.FirstYear != want.FirstYear || got.LastYear != want.LastYear {
		t.Errorf("span %d-%d, want %d-%d", got.FirstYear, got.LastYear, want.FirstYear, want.LastYear)
	}
}

// filterValues are values to filter ix's records by: its two states with
// the most records of 条约, and a year in the middle of its span.
func filterValues(t *testing.T, ix *Index) (st1, st2, year string) {
	t.Helper()
	all, err := ix.Search(context.Background(), Request{Query: "条约"})
	if err != nil {
		t.Fatal(err)
	}
	return all.Facets.State[0].Value, all.Facets.State[1].Value, all.Facets.Year[len(all.Facets.Year)/2].Value
}
