package index

import (
	"context"
	"regexp"
	"testing"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestCharQueryMatchesRegexp: a lone character matched through the
// snapshot's list of its terms finds what the regular expression .?X.? on
// the field's terms finds, with the same scores.
func TestCharQueryMatchesRegexp(t *testing.T) {
	ix := openTestIndex(t)
	cases := []struct {
		name  string
		char  rune
		field string
		found bool
	}{
		{"common, inside bigrams", '国', "activity", true},
		{"in comments", '约', "comment", true},
		{"in footnotes", '核', "footnotes", true},
		{"absent", '龘', "activity", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rq := query.NewRegexpQuery(".?" + regexp.QuoteMeta(string(c.char)) + ".?")
			rq.SetField(c.field)
			rq.SetBoost(2)
			cq := &charQuery{char: c.char, field: c.field, boost: 2}
			found := 0
			for i, sh := range ix.shards {
				cols, release, err := sh.snapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				want := runQuery(t, cols.reader, ix, rq, nil)
				got := runQueryIn(withColumns(context.Background(), cols), t, cols.reader, ix, cq, nil)
				release()
				found += len(got)
				if len(got) != len(want) {
					t.Fatalf("shard %d: %d hits, the regular expression %d", i, len(got), len(want))
				}
				for d, s := range want {
					if g, ok := got[d]; !ok || g != s {
						t.Errorf("shard %d doc %d: score %v (found %v), regular expression %v", i, d, g, ok, s)
					}
				}
			}
			if c.found != (found > 0) {
				t.Errorf("%d hits; the fixtures have it: %v", found, c.found)
			}
		})
	}
	// A cancelled request builds no more searchers.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cols, release, err := ix.shards[0].snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := (&charQuery{char: '国', field: "activity", boost: 1}).Searcher(withColumns(ctx, cols), cols.reader, ix.mapping, search.SearcherOptions{}); err == nil {
		t.Error("a searcher was built for a cancelled request")
	}
}
