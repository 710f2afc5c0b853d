package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"ctbtsearch/index"
)

// SearchConfig configures Search.
type SearchConfig struct {
	Index      string // index location
	N          int    // queries measured
	Warmup     int    // queries run first and not measured
	Facets     bool   // add the filtered classes to the mix
	Mix        string // MixScale (default) or MixProduct
	Seed       uint64 // of the query mix
	CPUProfile string // write a CPU profile of the measured queries here
	// MatchCache is the match cache in MiB (index.SetMatchCache); negative:
	// the index's default. 0 measures the engine cold, every search
	// walking its matches, as plain Bleve does.
	MatchCache int
}

// outcome is what one search gave, for the sanity counts.
type outcome struct {
	total       uint64
	hits        int // returned on the page
	highlighted int // of them, with at least one highlighted fragment
}

// searchFunc runs one query of the mix on some engine.
type searchFunc func(ctx context.Context, q Query) (outcome, error)

// runMix runs queries one after another, the first warmup of them
// unmeasured, and records the latency of each by class.
func runMix(ctx context.Context, queries []Query, warmup int, profile string, run searchFunc, res *Result) error {
	for _, q := range queries[:warmup] {
		if _, err := run(ctx, q); err != nil {
			return fmt.Errorf("warm-up query %q: %w", q.QueryString(), err)
		}
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rec := NewRecorder()
	res.ZeroByClass = map[string]int{}
	hits, highlighted := 0, 0
	var firstErr error
	for _, q := range queries[warmup:] {
		if err := ctx.Err(); err != nil {
			return err
		}
		t0 := time.Now()
		o, err := run(ctx, q)
		rec.Add(q.Class, time.Since(t0))
		res.Queries++
		switch {
		case err != nil:
			res.Errors++
			if firstErr == nil {
				firstErr = fmt.Errorf("query %q: %w", q.QueryString(), err)
			}
		case o.total == 0:
			res.ZeroHits++
			res.ZeroByClass[q.Class]++
		}
		if q.Text != "" {
			hits += o.hits
			highlighted += o.highlighted
		}
	}
	classes, overall := rec.Summaries()
	res.Classes, res.Overall = classes, &overall
	if hits > 0 {
		res.Highlighted = float64(highlighted) / float64(hits)
	}
	if firstErr != nil {
		res.Note = strings.TrimPrefix(res.Note+"; first error: "+firstErr.Error(), "; ")
	}
	return nil
}

// Search opens the index in service at cfg.Index read-only, as the server
// does, and runs the query mix through index.Index.Search in this process,
// one query at a time.
func Search(ctx context.Context, cfg SearchConfig, out io.Writer) (*Result, error) {
	began := time.Now()
	ix, path, err := index.OpenCurrent(cfg.Index)
	if err != nil {
		return nil, err
	}
	defer ix.Close()
	opened := time.Since(began)
	res := newResult(ToolOurs, PhaseSearch, int(ix.DocCount()))
	res.MatchCache = CacheOn
	if cfg.MatchCache >= 0 {
		ix.SetMatchCache(int64(cfg.MatchCache) << 20)
		if cfg.MatchCache == 0 {
			res.MatchCache = CacheOff
		}
	}
	res.OpenSec = opened.Seconds()
	res.Facets = cfg.Facets
	res.Note = "generation " + path

	// The filter values come from the index's own facets. This first
	// search is timed apart: whatever an engine builds lazily lands here.
	t0 := time.Now()
	all, err := ix.Search(ctx, index.Request{Size: 1})
	if err != nil {
		return nil, fmt.Errorf("facets for the query mix: %w", err)
	}
	res.FirstSec = time.Since(t0).Seconds()
	queries, err := MixQueries(cfg.Mix, cfg.Warmup+cfg.N, cfg.Seed, cfg.Facets, VocabFromFacets(all.Facets))
	if err != nil {
		return nil, err
	}
	res.Mix = cfg.Mix
	err = runMix(ctx, queries, cfg.Warmup, cfg.CPUProfile, func(ctx context.Context, q Query) (outcome, error) {
		r, err := ix.Search(ctx, q.Request())
		if err != nil {
			return outcome{}, err
		}
		o := outcome{total: r.Total, hits: len(r.Hits)}
		for _, h := range r.Hits {
			if len(h.Highlights) > 0 {
				o.highlighted++
			}
		}
		return o, nil
	}, res)
	if err != nil {
		return nil, err
	}
	res.notePeak()
	PrintTable(out, res)
	return res, nil
}
