package index

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// eachMatch calls fn for every document of the snapshot that matches q (nil:
// every document) and passes every filter. It is the unscored, uncollected
// core of collect, for the aggregations that need each match's columns and
// nothing else (the overview's matrix).
func (ix *Index) eachMatch(ctx context.Context, cols *columns, q query.Query, f filterSets, fn func(doc uint64)) error {
	n := uint64(len(cols.state))
	visit := func(doc uint64) {
		ms := cols.monthsOf(doc)
		ys := cols.yearsOf(doc)
		if inSet(f.state, cols.state[doc]) && inSet(f.section, cols.section[doc]) && inSet(f.report, cols.report[doc]) &&
			anyIn(f.month, ms) && anyIn(f.year, ys) {
			fn(doc)
		}
	}
	if q == nil {
		for doc := uint64(0); doc < n; doc++ {
			if doc%(16*checkEvery) == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if cols.state[doc] != noValue { // a deleted document has no state
				visit(doc)
			}
		}
		return nil
	}
	s, err := q.Searcher(withColumns(ctx, cols), cols.reader, ix.mapping, search.SearcherOptions{Score: "none"})
	if err != nil {
		return fmt.Errorf("searcher: %w", err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	return nextOver(ctx, s, sctx, func(dm *search.DocumentMatch) error {
		if doc := dm.IndexInternalID.Value(); doc < n {
			visit(doc)
		}
		sctx.DocumentMatchPool.Put(dm)
		return nil
	})
}

// pinned is every shard's snapshot and columns, held for one call.
type pinned struct {
	cols    []*columns
	release func()
}

// pinShards pins the current snapshot of every shard.
func (ix *Index) pinShards(ctx context.Context) (*pinned, error) {
	p := &pinned{cols: make([]*columns, len(ix.shards))}
	releases := make([]func(), 0, len(ix.shards))
	p.release = func() {
		for _, r := range releases {
			r()
		}
	}
	for i, sh := range ix.shards {
		cols, release, err := sh.snapshot(ctx)
		if err != nil {
			p.release()
			return nil, err
		}
		p.cols[i] = cols
		releases = append(releases, release)
	}
	return p, nil
}

// eachShard runs fn on every pinned shard side by side and returns the first
// error.
func (p *pinned) eachShard(fn func(shard int, cols *columns) error) error {
	errs := make([]error, len(p.cols))
	sideBySide(len(p.cols), func(i int) {
		// A fault reading a damaged segment must become this shard's
		// error, not kill the process (see guardReads).
		defer guardReads(&errs[i], debug.SetPanicOnFault(true))
		errs[i] = fn(i, p.cols[i])
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
