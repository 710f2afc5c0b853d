package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/report"
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

// TestAdjacentQueryAgreesOnRandomTexts: over texts of a five-character
// alphabet, where the terms of a phrase meet often and in every
// arrangement (repeated, overlapping, split by punctuation or a Latin word,
// in different footnotes), the phrase matcher finds what Bleve's
// PhraseQuery finds, with the same scores and explanations: alone and
// inside a disjunction, scored (TF-IDF and BM25) and unscored, driven by
// any mix of Next and Advance (to targets behind it too), over an index of
// several segments with deleted documents.
func TestAdjacentQueryAgreesOnRandomTexts(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	alphabet := []rune("核试验条约")
	text := func() string {
		var b strings.Builder
		for range 4 + rng.IntN(40) {
			switch r := rng.IntN(20); {
			case r == 0:
				b.WriteString("，")
			case r == 1:
				b.WriteString(" ab ")
			default:
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
		}
		return b.String()
	}
	randomReport := func(n int) *report.Report {
		id := fmt.Sprintf("a%d-random", 60+n)
		rep := &report.Report{ID: id, File: id + ".txt", Session: 60 + n, Year: 2005 + n}
		for i := range 80 {
			rep.Records = append(rep.Records, report.Record{
				ID: fmt.Sprintf("%s-%d", id, i+1), Report: id, Session: 60 + n, Section: "2(a)",
				State: "中国", Period: "2015年3月", Start: "2015-03-01", End: "2015-03-31", Months: []string{"2015-03"},
				Activity: text(), Comment: text(), Footnotes: []string{text(), text()},
				Source: fmt.Sprintf("%s.txt:%d", id, i+1),
			})
		}
		return rep
	}
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	// One Add a report makes a segment each; adding the second report
	// again replaces its records, leaving deleted documents behind.
	for _, n := range []int{0, 1, 2, 3, 4, 1} {
		if err := ix.Add(ctx, nil, randomReport(n)); err != nil {
			t.Fatal(err)
		}
	}
	cols, release, err := ix.shards[0].snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if ss, ok := cols.reader.(*scorch.IndexSnapshot); !ok || len(ss.Segments()) < 2 {
		t.Fatalf("want an index of several segments to walk across")
	}
	if n, _ := cols.reader.DocCount(); n != 400 {
		t.Fatalf("%d live documents, want 400", n)
	}
	docs := uint64(len(cols.state))
	// Each live document's footnotes as analysed, for the one case where
	// Bleve is no oracle (below).
	footnoteTokens := map[uint64][][]posTerm{}
	for d := range docs {
		if cols.state[d] == noValue {
			continue // deleted
		}
		rec, err := loadRecord(cols.reader, bindex.NewIndexInternalID(nil, d))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range rec.Footnotes {
			footnoteTokens[d] = append(footnoteTokens[d], ix.tokens(f))
		}
	}
	bm25 := context.WithValue(ctx, search.GetScoringModelCallbackKey,
		search.GetScoringModelCallbackFn(func() string { return bindex.BM25Scoring }))
	modes := []struct {
		name string
		ctx  context.Context
		opts search.SearcherOptions
	}{
		{"scored", ctx, search.SearcherOptions{}},
		{"unscored", ctx, search.SearcherOptions{Score: "none"}},
		{"explained", ctx, search.SearcherOptions{Explain: true}},
		{"BM25", bm25, search.SearcherOptions{}},
	}
	found := 0
	for n := range 300 {
		var p []rune
		for range 3 + rng.IntN(4) {
			p = append(p, alphabet[rng.IntN(len(alphabet))])
		}
		terms, consecutive := ix.analyze(string(p))
		if !consecutive || len(terms) < 2 {
			t.Fatalf("%q analyzes to %q (consecutive %v), want a phrase", string(p), terms, consecutive)
		}
		field := []string{"activity", "comment", "footnotes"}[n%3]
		// With a term repeated (验验验: 验验 twice), Bleve's PhraseQuery
		// sometimes matches the term's places in two different footnotes,
		// depending on the segment layout (a60-random-34, whose footnotes
		// have no 验验验, was returned). There its hits are held to the
		// footnotes' own analysis first, and walked whole only: a hit it
		// should not have shifts what an Advance returns.
		bleveOvermatches := field == "footnotes" && len(slices.Compact(slices.Sorted(slices.Values(terms)))) < len(terms)
		want := query.Query(query.NewPhraseQuery(terms, field))
		want.(*query.PhraseQuery).SetBoost(2)
		got := query.Query(newAdjacentQuery(terms, field, 2))
		if n%2 == 1 && !bleveOvermatches { // there the oracle knows the phrase alone
			other := termQuery("activity", terms[0], 1)
			want = query.NewDisjunctionQuery([]query.Query{want, other})
			got = query.NewDisjunctionQuery([]query.Query{got, other})
		}
		// A walk: Next (0) or Advance to a random document, behind the
		// last match too.
		var steps []uint64
		for range 60 {
			if rng.IntN(3) == 0 {
				steps = append(steps, 0)
			} else {
				steps = append(steps, 1+uint64(rng.IntN(int(docs))))
			}
		}
		walks := [][]uint64{nil, steps}
		if bleveOvermatches {
			walks = walks[:1]
		}
		for _, m := range modes {
			for _, walk := range walks {
				wantHits := walkQuery(m.ctx, t, cols.reader, ix, want, m.opts, walk)
				if bleveOvermatches {
					wantHits = slices.DeleteFunc(wantHits, func(h walkedHit) bool {
						return !slices.ContainsFunc(footnoteTokens[h.doc], func(f []posTerm) bool { return hasPhrase(f, ix.tokens(string(p))) })
					})
				}
				gotHits := walkQuery(m.ctx, t, cols.reader, ix, got, m.opts, walk)
				if !slices.Equal(wantHits, gotHits) {
					t.Fatalf("%q in %s, %s, walk %v:\n got %v\nwant %v", string(p), field, m.name, walk, gotHits, wantHits)
				}
				found += len(gotHits)
			}
		}
	}
	if found == 0 {
		t.Fatal("no phrase found anywhere: the test tests nothing")
	}
}

// walkedHit is a match as a walk returns it.
type walkedHit struct {
	doc         uint64
	score, expl float64
}

// walkQuery walks q's searcher: every match with a nil walk, else one call
// per step, Next for 0 and Advance to step-1 otherwise.
func walkQuery(ctx context.Context, t *testing.T, r bindex.IndexReader, ix *Index, q query.Query, opts search.SearcherOptions, walk []uint64) []walkedHit {
	t.Helper()
	s, err := q.Searcher(ctx, r, ix.mapping, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	var out []walkedHit
	take := func(dm *search.DocumentMatch) {
		h := walkedHit{doc: dm.IndexInternalID.Value(), score: dm.Score}
		if dm.Expl != nil {
			h.expl = dm.Expl.Value
		}
		out = append(out, h)
		sctx.DocumentMatchPool.Put(dm)
	}
	if walk == nil {
		for {
			dm, err := s.Next(sctx)
			if err != nil {
				t.Fatal(err)
			}
			if dm == nil {
				return out
			}
			take(dm)
		}
	}
	for _, step := range walk {
		var dm *search.DocumentMatch
		if step == 0 {
			dm, err = s.Next(sctx)
		} else {
			dm, err = s.Advance(sctx, bindex.NewIndexInternalID(nil, step-1))
		}
		if err != nil {
			t.Fatal(err)
		}
		if dm == nil {
			out = append(out, walkedHit{doc: math.MaxUint64})
			continue
		}
		take(dm)
	}
	return out
}

// TestAdjacentQueryOfNoTerms: a phrase of no terms matches nothing, walked
// or skipped to, instead of reading a term that is not there.
func TestAdjacentQueryOfNoTerms(t *testing.T) {
	ix := openTestIndex(t)
	cols, release, err := ix.shards[0].snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, walk := range [][]uint64{nil, {0, 1, 5}} {
		if hits := walkQuery(context.Background(), t, cols.reader, ix, newAdjacentQuery(nil, "activity", 1), search.SearcherOptions{}, walk); len(hits) != len(walk) || slices.ContainsFunc(hits, func(h walkedHit) bool { return h.doc != math.MaxUint64 }) {
			t.Errorf("walk %v: %v, want no match", walk, hits)
		}
	}
}
