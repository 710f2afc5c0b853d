package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// An index of fewer than mergeBelow records is published as one segment a
// shard. Bleve leaves the segments its background merging has reached when
// the build ends: four for 10k records, eight and thirteen in the two
// shards of 100k. Every term a search reads is looked up in each segment's
// dictionary, and on a small index those lookups are much of a search.
// Cold, in process, alternating (ctbtbench search; docs/PERFORMANCE.md):
// at 10k one segment instead of four made searches narrowed by three
// filters 15% faster and quoted phrases 12–18%, for 0.1 s more to build;
// at 100k searches were 7–10% faster, for 0.3–0.4 s a shard. At 1M a merge
// took 12 s a shard and mapped every input segment, 1.5 GiB at its peak
// with both shards at once: large indexes keep their segments.
const mergeBelow = 200_000

// mergePasses bounds the merges of a shard: Bleve merges at most ten
// segments into one at a time, so a shard of more than ten takes two.
const mergePasses = 4

// mergeIdle bounds the wait for Bleve's background work after the merge:
// the merged segment is recorded on disk by its persister, asynchronously,
// and a shard closed before that keeps its segments as they were.
const mergeIdle = 30 * time.Second

// mergeSegments merges a shard being built into one segment and waits until
// the result is recorded on disk.
func mergeSegments(ctx context.Context, bi bleve.Index) error {
	adv, err := bi.Advanced()
	if err != nil {
		return fmt.Errorf("merge segments: %w", err)
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil // not Bleve's scorch: nothing to merge
	}
	for range mergePasses {
		before, err := segmentCount(sc)
		if err != nil || before <= 1 {
			return err
		}
		if err := forceMerge(ctx, sc); err != nil {
			return err
		}
		if after, err := segmentCount(sc); err != nil || after >= before {
			return err // no further to go
		}
	}
	return nil
}

// forceMerge runs one of Bleve's forced merges and waits until its result
// is recorded on disk.
func forceMerge(ctx context.Context, sc *scorch.Scorch) error {
	// Bleve's ForceMerge waits for the merge without heeding ctx, and a
	// merge that fails (a full disk) it tries again and again, holding
	// ForceMerge until the index is closed, which the caller does when this
	// returns an error. Its failures are only counted in its statistics.
	failed := mergeFailures(sc)
	done := make(chan error, 1)
	go func() { done <- sc.ForceMerge(ctx, nil) }()
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("merge segments: %w", err)
			}
			waiting = false
		case <-ctx.Done():
			return fmt.Errorf("merge segments: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
			if mergeFailures(sc) > failed {
				return errors.New("merge segments: Bleve could not write the merged segment (is the disk full?)")
			}
		}
	}
	deadline := time.Now().Add(mergeIdle)
	for {
		if active, _ := sc.StatsMap()["index_bgthreads_active"].(bool); !active {
			return nil
		}
		if time.Now().After(deadline) {
			// The shard is whole either way: what is on disk is the
			// segments before the merge or the merged one.
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("merge segments: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// mergeFailures is how many merges Bleve has seen fail in a shard.
func mergeFailures(sc *scorch.Scorch) uint64 {
	n, _ := sc.StatsMap()["TotFileMergeLoopErr"].(uint64)
	return n
}

// segmentCount is the number of segments of a shard's current snapshot.
func segmentCount(sc *scorch.Scorch) (int, error) {
	r, err := sc.Reader()
	if err != nil {
		return 0, fmt.Errorf("merge segments: %w", err)
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, nil
	}
	return len(snap.Segments()), nil
}

// removeUnusedSegments deletes the segment files of a closed shard that its
// last snapshot on disk does not use: the inputs of a merge, which Bleve
// deletes in the background, if at all before it is closed. They would be
// published, and copied and checked with the generation, for nothing.
func removeUnusedSegments(dir string) error {
	used, err := segmentFiles(dir)
	if err != nil {
		return fmt.Errorf("remove unused segments: %w", err)
	}
	if len(used) == 0 {
		return nil // not Bleve's scorch, or no segment at all: leave it as it is
	}
	store := filepath.Join(dir, "store")
	entries, err := os.ReadDir(store)
	if err != nil {
		return fmt.Errorf("remove unused segments: %w", err)
	}
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".zap") && !used[name] {
			if err := os.Remove(filepath.Join(store, name)); err != nil {
				return fmt.Errorf("remove unused segments: %w", err)
			}
		}
	}
	return nil
}

// segmentFiles are the names of the files of the segments a shard's last
// snapshot on disk uses, read as a server reads it.
func segmentFiles(dir string) (_ map[string]bool, err error) {
	bi, err := bleve.OpenUsing(dir, map[string]any{"read_only": true})
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := bi.Close(); err == nil {
			err = cerr
		}
	}()
	adv, err := bi.Advanced()
	if err != nil {
		return nil, err
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil, nil
	}
	r, err := sc.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, nil
	}
	files := map[string]bool{}
	for _, s := range snap.Segments() {
		p, ok := s.Segment().(segment.PersistedSegment)
		if !ok {
			return nil, fmt.Errorf("a segment of %s is not on disk", dir)
		}
		files[filepath.Base(p.Path())] = true
	}
	return files, nil
}
