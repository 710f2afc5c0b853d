package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
)

// TestMatchCacheIsExact: searches answered from the match cache — by the
// same request again, or by one narrowing, paging or sorting the same text
// differently — return what searching without the cache returns: totals,
// pages with scores and section-only flags, every facet and the span.
func TestMatchCacheIsExact(t *testing.T) {
	ix := synthIndexShards(t, 3000, 2)
	ctx := context.Background()
	st1, st2, year := filterValues(t, ix)
	var err error
	texts := []string{"条约", `"全面禁止核试验条约"`, "附件2国家", "附件2 国家", "核试验 OR 讲习班", "条约 -批准", "核", "CTBT", "部长级会议"}
	narrowings := []struct {
		name string
		req  Request
	}{
		{"as typed", Request{}},
		{"page 2", Request{Page: 2, Size: 7}},
		{"newest", Request{Sort: SortNewest}},
		{"oldest, page 3", Request{Sort: SortOldest, Page: 3, Size: 5}},
		{"state", Request{States: []string{st1}}},
		{"two states and a section", Request{States: []string{st1, st2}, Section: []string{"1(a)", "2(a)"}}},
		{"section and year", Request{Section: []string{"1(a)"}, Years: []string{year}}},
		{"section and months", Request{Section: []string{"1(a)", "1(b)"}, Months: []string{year + "-03", year + "-09"}}},
		{"nothing passes", Request{States: []string{st1}, Years: []string{"1900"}}},
	}
	var reqs []Request
	for _, text := range texts {
		for _, n := range narrowings {
			r := n.req
			r.Query = text
			reqs = append(reqs, r)
		}
	}
	ix.SetMatchCache(0)
	want := make([]*Result, len(reqs))
	for i, r := range reqs {
		if want[i], err = ix.Search(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// memoMinMatches 1: every list keeps its unfiltered counts and best
	// hits (matchList.memo), which the synthetic lists are too short for.
	for _, minMatches := range []int{memoMinMatches, 1} {
		defer func(m int) { memoMinMatches = m }(memoMinMatches)
		memoMinMatches = minMatches
		ix.SetMatchCache(DefaultMatchCacheBytes)
		// Twice over: the first round fills the cache with whichever
		// request of a text comes first, the second answers every request
		// from it.
		for round := 1; round <= 2; round++ {
			for i, r := range reqs {
				t.Run(fmt.Sprintf("memo from %d/round %d/%s/%s", minMatches, round, r.Query, narrowings[i%len(narrowings)].name), func(t *testing.T) {
					got, err := ix.Search(ctx, r)
					if err != nil {
						t.Fatal(err)
					}
					sameResult(t, got, want[i])
				})
			}
		}
		cached, memos := 0, 0
		for _, sh := range ix.shards {
			c := sh.cols.matches.Load()
			c.mu.Lock()
			cached += len(c.entries)
			for _, e := range c.entries {
				if l := e.Value.(*matchEntry).list; l.memo != nil {
					memos++
				}
			}
			c.mu.Unlock()
		}
		// One list per text and shard: "as typed" comes first, and its
		// scored list serves the requests sorted by date too.
		if want := len(texts) * len(ix.shards); cached != want {
			t.Errorf("memo from %d: %d lists cached, want %d (one per text and shard)", minMatches, cached, want)
		}
		if minMatches == 1 && memos == 0 {
			t.Error("no list made its memo, so the memo path went untested")
		}
	}
}

// TestMatchCacheKeepsNothingOfACancelledWalk: a search stopped by its
// context leaves no partial list behind for the next one to read.
func TestMatchCacheKeepsNothingOfACancelledWalk(t *testing.T) {
	ix := synthIndexShards(t, 500, 1)
	if _, err := ix.Search(context.Background(), Request{Query: "会议"}); err != nil {
		t.Fatal(err)
	}
	ix.SetMatchCache(DefaultMatchCacheBytes)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Request{Query: "条约"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled search: error %v, want context.Canceled", err)
	}
	if l := ix.shards[0].cols.matches.Load().get("条约", true); l != nil {
		t.Errorf("a cancelled walk left %d matches in the cache", l.n)
	}
}

func TestMatchCacheLRU(t *testing.T) {
	list := func(n int, scored bool) *matchRecorder {
		r := &matchRecorder{limit: 1 << 30}
		for i := range n {
			r.add(uint64(i), float64(i), scored, i%3 == 0)
		}
		return r
	}
	size := compact(&list(100, true).raw).bytes()
	c := newMatchCache(4*size + size/2) // room for four lists of 100
	for _, k := range []string{"a", "b", "c", "d"} {
		c.put(k, true, list(100, true), nil)
	}
	if c.get("a", true) == nil { // a is now the most recently used
		t.Fatal("a: not cached")
	}
	c.put("e", true, list(100, true), nil) // evicts b, the least recently used
	if c.get("b", true) != nil {
		t.Error("b: still cached after e was put; the least recently used should go")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if c.get(k, true) == nil {
			t.Errorf("%s: evicted, though b was older", k)
		}
	}
	if c.used > c.budget {
		t.Errorf("%d bytes used, budget %d", c.used, c.budget)
	}

	l := c.get("e", false)
	if l == nil {
		t.Fatal("an unscored request is not served by the scored list")
	}
	if !l.isSectionOnly(0) || l.isSectionOnly(1) || !l.isSectionOnly(99) || l.score(42) != 42 {
		t.Errorf("list read back wrong: section-only %v %v %v, score %v", l.isSectionOnly(0), l.isSectionOnly(1), l.isSectionOnly(99), l.score(42))
	}
	c.put("u", false, list(100, false), nil)
	if c.get("u", true) != nil {
		t.Error("a scored request was served by an unscored list")
	}

	c.put("big", true, list(300, true), nil) // more than a quarter of the budget
	if c.get("big", true) != nil {
		t.Error("a list larger than an entry's share was cached")
	}
	r := &matchRecorder{limit: 2 * size}
	for i := range 10000 {
		r.add(uint64(i), 1, true, false)
	}
	if !r.over || r.raw.docs != nil {
		t.Errorf("recorder past its limit kept %d matches", len(r.raw.docs))
	}
	var off *matchCache // SetMatchCache(0)
	if off.get("a", true) != nil || off.recorder("a") != nil {
		t.Error("a cache turned off answers")
	}
	off.put("a", true, list(1, true), nil)
}

// TestCompactMatchList: a list reads back the documents, scores and
// section-only flags it was made from, with few or many distinct scores
// and with gaps of every size.
func TestCompactMatchList(t *testing.T) {
	cases := []struct {
		name        string
		n           int
		doc         func(i int) uint32
		score       func(i int) float64 // nil: unscored
		nearly      int64               // at most this many bytes a match, before the fixed costs
		sectionOnly func(i int) bool    // nil: every fifth
	}{
		// The bit set ends with the last section-only match; the matches
		// after it are read as not section-only (an out-of-range read once
		// turned them into a 500 under load).
		{"section-only only at the start", 200, func(i int) uint32 { return uint32(i) }, nil, 64, func(i int) bool { return i < 3 }},
		{"dense, few scores", 5000, func(i int) uint32 { return uint32(2 * i) }, func(i int) float64 { return float64(i%37) / 7 }, 3, nil},
		{"sparse, unscored", 3000, func(i int) uint32 { return uint32(i) * 100003 }, nil, 3, nil},
		{"more scores than a uint16 tells apart", 70000, func(i int) uint32 { return uint32(i) }, func(i int) float64 { return float64(i) / 3 }, 9, nil},
		{"the last document number", 2, func(i int) uint32 { return uint32(i) * math.MaxUint32 }, func(int) float64 { return 0 }, 64, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sectionOnly := c.sectionOnly
			if sectionOnly == nil {
				sectionOnly = func(i int) bool { return i%5 == 0 }
			}
			r := &matchRecorder{limit: 1 << 40}
			for i := range c.n {
				s := 0.0
				if c.score != nil {
					s = c.score(i)
				}
				r.add(uint64(c.doc(i)), s, c.score != nil, sectionOnly(i))
			}
			l := compact(&r.raw)
			if l.n != c.n {
				t.Fatalf("%d matches, want %d", l.n, c.n)
			}
			err := l.each(func(i int, doc uint64) error {
				if doc != uint64(c.doc(i)) {
					return fmt.Errorf("match %d: document %d, want %d", i, doc, c.doc(i))
				}
				if c.score != nil && l.score(i) != c.score(i) {
					return fmt.Errorf("match %d: score %v, want %v", i, l.score(i), c.score(i))
				}
				if l.isSectionOnly(i) != sectionOnly(i) {
					return fmt.Errorf("match %d: section-only %v", i, l.isSectionOnly(i))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if per := (l.bytes() - 128 - memoBytes) / int64(c.n); c.n >= memoMinMatches && per > c.nearly {
				t.Errorf("%d bytes a match, want at most %d", per, c.nearly)
			}
		})
	}
}
