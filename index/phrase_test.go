package index

import (
	"context"
	"testing"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// TestAdjacentQueryMatchesPhraseQuery: the phrase matcher finds exactly the
// documents Bleve's PhraseQuery finds, with the same scores, and skips to a
// document the same way (Advance), so it can replace it.
func TestAdjacentQueryMatchesPhraseQuery(t *testing.T) {
	ix := openTestIndex(t)
	ctx := context.Background()
	cases := []struct {
		name, text, field string
		found             bool // the fixtures have it
	}{
		{"common bigram chain", "全面禁止核试验条约", "activity", true},
		{"name with digit", "附件2国家", "activity", false},
		{"chain in comments", "全面禁止核试验条约", "comment", false},
		{"footnotes are an array field", "全面禁止核试验条约", "footnotes", true},
		{"chars present, not adjacent", "条约批准", "activity", false},
		{"repeated bigram", "核试验核试验", "activity", false},
		{"latin words", "joint statement", "activity", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			terms, consecutive := ix.analyze(c.text)
			if !consecutive || len(terms) < 2 {
				t.Fatalf("%q analyzes to %q (consecutive %v), want a phrase", c.text, terms, consecutive)
			}
			want := query.NewPhraseQuery(terms, c.field)
			want.SetBoost(3)
			got := newAdjacentQuery(terms, c.field, 3)
			found := 0
			for i, sh := range ix.shards {
				cols, release, err := sh.snapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				wantHits := runQuery(t, cols.reader, ix, want, nil)
				gotHits := runQuery(t, cols.reader, ix, got, nil)
				found += len(gotHits)
				if len(wantHits) != len(gotHits) {
					t.Fatalf("shard %d: %d hits, PhraseQuery finds %d", i, len(gotHits), len(wantHits))
				}
				for d, s := range wantHits {
					if g, ok := gotHits[d]; !ok || g != s {
						t.Errorf("shard %d doc %d: score %v (found %v), PhraseQuery %v", i, d, g, ok, s)
					}
				}
				// Advancing to every third document finds the same ones.
				var targets []uint64
				for d := uint64(0); d < uint64(len(cols.state)); d += 3 {
					targets = append(targets, d)
				}
				wantAdv := runQuery(t, cols.reader, ix, want, targets)
				gotAdv := runQuery(t, cols.reader, ix, got, targets)
				if len(wantAdv) != len(gotAdv) {
					t.Errorf("shard %d: advancing finds %d, PhraseQuery %d", i, len(gotAdv), len(wantAdv))
				}
				release()
			}
			if c.found && found == 0 {
				t.Errorf("%q in %s: no hits; the fixtures have it", c.text, c.field)
			}
		})
	}
}

// runQuery returns doc → score of q's matches: all of them, or, with
// targets, the first match at or after each target.
func runQuery(t *testing.T, r bindex.IndexReader, ix *Index, q query.Query, targets []uint64) map[uint64]float64 {
	return runQueryIn(context.Background(), t, r, ix, q, targets)
}

func runQueryIn(ctx context.Context, t *testing.T, r bindex.IndexReader, ix *Index, q query.Query, targets []uint64) map[uint64]float64 {
	t.Helper()
	s, err := q.Searcher(ctx, r, ix.mapping, search.SearcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	out := map[uint64]float64{}
	next := func(target uint64) *search.DocumentMatch {
		var dm *search.DocumentMatch
		if targets == nil {
			dm, err = s.Next(sctx)
		} else {
			dm, err = s.Advance(sctx, bindex.NewIndexInternalID(nil, target))
		}
		if err != nil {
			t.Fatal(err)
		}
		return dm
	}
	if targets == nil {
		for dm := next(0); dm != nil; dm = next(0) {
			out[dm.IndexInternalID.Value()] = dm.Score
			sctx.DocumentMatchPool.Put(dm)
		}
		return out
	}
	last := int64(-1)
	for _, tg := range targets {
		if int64(tg) <= last {
			continue
		}
		dm := next(tg)
		if dm == nil {
			break
		}
		last = int64(dm.IndexInternalID.Value())
		out[uint64(last)] = dm.Score
		sctx.DocumentMatchPool.Put(dm)
	}
	return out
}
