package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// TestPublishMergesSmallIndex: a small index is published as one segment,
// with no file of the segments merged into it left behind, and it finds
// what an index of the same reports built in memory, in several segments,
// finds, in the same order with the same scores and counts.
func TestPublishMergesSmallIndex(t *testing.T) {
	one, _ := reportSets(t)
	reports := copies(one[0], 40) // 3,520 records: four batches, four segments as built
	loc := t.TempDir()
	gen, err := Publish(t.Context(), loc, reports, nil)
	if err != nil {
		t.Fatal(err)
	}
	if segments := segmentFileNames(t, shardDir(gen, 0)); len(segments) != 1 {
		t.Errorf("published with segment files %q, want one", segments)
	}
	if err := VerifyGeneration(gen, true); err != nil {
		t.Errorf("the published generation does not verify: %v", err)
	}
	// Two shards, as an index of 50,000 records and more has, each merged.
	two := publishShards(t, t.TempDir(), 2, reports...)
	for i := range 2 {
		if segments := segmentFileNames(t, shardDir(two, i)); len(segments) != 1 {
			t.Errorf("shard %d of two published with segment files %q, want one", i, segments)
		}
	}

	published, _, err := OpenCurrent(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer published.Close()
	built, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer built.Close()
	if err := built.Add(t.Context(), nil, reports...); err != nil {
		t.Fatal(err)
	}
	cols, release, err := built.shards[0].snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	n := len(cols.reader.(interface {
		Segments() []*scorch.SegmentSnapshot
	}).Segments())
	release()
	if n < 2 {
		t.Fatalf("the index built in memory has %d segment(s): nothing to compare a merge with", n)
	}
	for _, req := range []Request{
		{Query: "条约"},
		{Query: `"全面禁止核试验条约"`},
		{Query: "附件2 国家", Section: []string{"1(a)"}},
		{Query: "核", Size: 50},
		{Query: "批准 -日本", Page: 2},
		{States: []string{"日本"}},
	} {
		want, err := built.Search(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := published.Search(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		type hit struct {
			id    string
			score float64
		}
		hits := func(r *Result) []hit {
			var out []hit
			for _, h := range r.Hits {
				out = append(out, hit{h.Record.ID, h.Score})
			}
			return out
		}
		if got.Total != want.Total || !slices.Equal(hits(got), hits(want)) {
			t.Errorf("%+v: published finds %d %v, want %d %v", req, got.Total, hits(got), want.Total, hits(want))
		}
		if !slices.Equal(got.Facets.State, want.Facets.State) {
			t.Errorf("%+v: state facet %v, want %v", req, got.Facets.State, want.Facets.State)
		}
	}
}

// TestRemoveUnusedSegments: segment files the shard's snapshot on disk does
// not use (a merge's inputs Bleve had not deleted yet) are removed; those it
// uses and its other files stay, and the shard still opens.
func TestRemoveUnusedSegments(t *testing.T) {
	one, _ := reportSets(t)
	dir := filepath.Join(t.TempDir(), "index")
	ix, err := Create(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Add(t.Context(), nil, one...); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(shardDir(dir, 0), "store")
	kept := fileNames(t, store)
	stale := filepath.Join(store, "0000000000ff.zap")
	if err := os.WriteFile(stale, []byte("a merged segment's input"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := removeUnusedSegments(shardDir(dir, 0)); err != nil {
		t.Fatal(err)
	}
	if left := fileNames(t, store); !slices.Equal(left, kept) {
		t.Errorf("store holds %q, want %q", left, kept)
	}
	reopened, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if n := searchTotal(t, reopened); n != oneReportTotal {
		t.Errorf("%d records after the removal, want %d", n, oneReportTotal)
	}
}

// fileNames are the names of the entries of dir, sorted.
func fileNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// segmentFileNames are the names of a shard's segment files.
func segmentFileNames(t *testing.T, shard string) []string {
	t.Helper()
	return slices.DeleteFunc(fileNames(t, filepath.Join(shard, "store")), func(name string) bool {
		return !strings.HasSuffix(name, ".zap")
	})
}
