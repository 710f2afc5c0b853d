package bench

import (
	"context"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"ctbtsearch/index"
	"ctbtsearch/web"
)

// TestEndToEnd runs the study's steps on a tiny corpus: generate, index,
// search in process, load over HTTP (with the floor), plain Bleve, chart.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	corpus, loc, results := filepath.Join(tmp, "corpus"), filepath.Join(tmp, "index"), filepath.Join(tmp, "results.jsonl")
	var out strings.Builder

	gen, err := Gen(GenConfig{Records: 500, Out: corpus, Seed: 1}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if gen.Records != 500 || gen.Files != 5 {
		t.Fatalf("gen: %d records in %d files", gen.Records, gen.Files)
	}

	ires, err := Index(ctx, IndexConfig{Index: loc, Paths: []string{corpus}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if ires.Records != 500 || ires.RecordsPerSec <= 0 || ires.SizeBytes <= 0 || ires.PeakRSS <= 0 {
		t.Errorf("index result: %+v", ires)
	}

	sres, err := Search(ctx, SearchConfig{Index: loc, N: 150, Warmup: 5, Facets: true, Seed: 1}, &out)
	if err != nil {
		t.Fatal(err)
	}
	checkSearch(t, "ours", sres)

	// The server as cmd/search serves it, on loopback.
	ix, _, err := index.OpenCurrent(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	srv := httptest.NewServer(web.New(ix, web.Options{}))
	defer srv.Close()
	lres, err := Load(ctx, LoadConfig{URL: srv.URL, Clients: 2, Duration: 20 * time.Second, MaxRequests: 60, Facets: true, Floor: true, Seed: 1}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(lres) != 2 || lres[0].Tool != ToolOurs || lres[1].Tool != ToolFloor {
		t.Fatalf("load results: %+v", lres)
	}
	for _, r := range lres {
		if r.Requests != 60 || r.Errors != 0 || r.RPS <= 0 || r.Statuses["200"] != 60 || r.Records != 500 {
			t.Errorf("%s load: %d requests, %d errors, %.0f req/s, statuses %v, %d records (%s)",
				r.Tool, r.Requests, r.Errors, r.RPS, r.Statuses, r.Records, r.Note)
		}
	}

	bres, err := Baseline(ctx, BaselineConfig{Dir: corpus, Work: filepath.Join(tmp, "baseline"), N: 150, Warmup: 5, Facets: true, Seed: 1}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(bres) != 3 || bres[0].Phase != PhaseIndex || bres[0].Records != 500 || bres[0].SizeBytes <= 0 ||
		bres[2].Tool != ToolBleveSameFacets {
		t.Fatalf("baseline results: %+v", bres)
	}
	checkSearch(t, "plain Bleve", bres[1])
	if same := bres[2]; same.Errors != 0 || same.Queries < 40 || same.Classes[ClassWord2].N != 0 || same.Classes[ClassFilter3].N == 0 {
		t.Errorf("plain Bleve with our facets: %d queries, %d errors, classes %v", same.Queries, same.Errors, same.Classes)
	} else {
		for _, c := range []string{ClassFilter1, ClassFilter2, ClassFilter3} {
			if same.Classes[c].N != bres[1].Classes[c].N {
				t.Errorf("%s: %d queries with our facets, %d stock: not the same sample", c, same.Classes[c].N, bres[1].Classes[c].N)
			}
		}
	}
	// Again on the index just built: searched, not rebuilt.
	again, err := Baseline(ctx, BaselineConfig{Dir: corpus, Work: filepath.Join(tmp, "baseline"), N: 20, Warmup: 2, Facets: true, Seed: 1, Reuse: true}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 2 || again[0].Phase != PhaseSearch || again[1].Tool != ToolBleveSameFacets {
		t.Fatalf("baseline results reusing the index: %+v", again)
	}
	if _, err := Baseline(ctx, BaselineConfig{Dir: corpus, Work: filepath.Join(tmp, "nothing-built"), N: 20, Reuse: true}, &out); err == nil {
		t.Error("reusing a plain Bleve index that is not there is not an error")
	}
	// The same mix on the same corpus: totals agree where the engines agree
	// on what matches, so the share of empty results is close.
	if d := sres.ZeroHits - bres[1].ZeroHits; d > 15 || d < -15 {
		t.Errorf("queries without a hit: ours %d, plain Bleve %d", sres.ZeroHits, bres[1].ZeroHits)
	}

	all := append([]*Result{gen, ires, sres}, lres...)
	if err := AppendJSON(results, append(all, bres...)...); err != nil {
		t.Fatal(err)
	}
	svg := filepath.Join(tmp, "docs", "perf.svg")
	if err := Chart(results, svg); err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Log("\n" + out.String())
	}
}

func checkSearch(t *testing.T, name string, r *Result) {
	t.Helper()
	if r.Queries != 150 || r.Errors != 0 || r.Overall == nil || r.Overall.N != 150 {
		t.Fatalf("%s search: %d queries, %d errors (%s)", name, r.Queries, r.Errors, r.Note)
	}
	// Filters of state, section and month together often leave nothing in
	// 500 records; plain words rarely do.
	words := 0
	for _, c := range []string{ClassWord2, ClassWord3, ClassWord4, ClassPhrase} {
		words += r.ZeroByClass[c]
	}
	if words > 25 || r.ZeroHits > 75 {
		t.Errorf("%s search: %d queries found nothing, %d of them unfiltered: %v", name, r.ZeroHits, words, r.ZeroByClass)
	}
	if r.Highlighted < 0.9 {
		t.Errorf("%s search: only %.0f%% of hits highlighted", name, 100*r.Highlighted)
	}
	if r.Records != 500 {
		t.Errorf("%s search: %d records", name, r.Records)
	}
}

// The load generator must refuse anything but loopback before sending.
func TestLoadRefusesRemote(t *testing.T) {
	_, err := Load(context.Background(), LoadConfig{URL: "http://192.0.2.1:80", Clients: 1, Duration: time.Second}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("err = %v", err)
	}
}

// TestIndexerTimesTheBinary: `ctbtbench indexer` runs the real cmd/indexer
// and reads its summary line, which scripts/perf.sh depends on.
func TestIndexerTimesTheBinary(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build cmd/indexer with")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "indexer")
	if out, err := exec.Command(gobin, "build", "-o", bin, "ctbtsearch/cmd/indexer").CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/indexer: %v\n%s", err, out)
	}
	corpus := filepath.Join(tmp, "corpus")
	var out strings.Builder
	if _, err := Gen(GenConfig{Records: 300, Out: corpus, Seed: 2}, &out); err != nil {
		t.Fatal(err)
	}
	r, err := Indexer(context.Background(), IndexerConfig{Bin: bin, Index: filepath.Join(tmp, "index"), Paths: []string{corpus}, Runs: 3}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Phase != PhaseIndexer || r.Records != 300 || r.RecordsPerSec <= 0 || r.SizeBytes <= 0 || r.PeakRSS <= 0 {
		t.Errorf("indexer result: %+v", r)
	}
	if !strings.HasPrefix(r.Note, "median of 3 runs (") {
		t.Errorf("note %q does not tell the runs", r.Note)
	}
	if _, err := Indexer(context.Background(), IndexerConfig{Bin: bin, Index: filepath.Join(tmp, "index2"), Paths: []string{filepath.Join(tmp, "missing")}}, &out); err == nil {
		t.Error("an indexer run that fails gives no error")
	}
}

// TestBaselineSameFacets checks that the plain Bleve requests standing for
// our facets count disjunctively: a filtered field's facet counts the
// matches of the other filters, each value as many as a search for it finds.
func TestBaselineSameFacets(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	corpus := filepath.Join(tmp, "corpus")
	var out strings.Builder
	if _, err := Gen(GenConfig{Records: 400, Out: corpus, Seed: 3}, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := Baseline(ctx, BaselineConfig{Dir: corpus, Work: tmp, N: 5, Warmup: 1, Seed: 1}, &out); err != nil {
		t.Fatal(err)
	}
	bi, err := bleve.OpenUsing(filepath.Join(tmp, "bleve-index"), map[string]any{"read_only": true})
	if err != nil {
		t.Fatal(err)
	}
	defer bi.Close()
	total := func(q Query) uint64 {
		t.Helper()
		r, err := bi.SearchInContext(ctx, BaselineRequest(q))
		if err != nil {
			t.Fatal(err)
		}
		return r.Total
	}
	q := Query{Text: "条约", Sections: []string{"1(a)"}, States: []string{"日本"}, Page: 1}
	reqs := BaselineSameFacetsRequests(q)
	if len(reqs) != 3 {
		t.Fatalf("%d requests for two filters, want 3", len(reqs))
	}
	if f := reqs[0].Facets; len(f) != 1 || f["months"] == nil {
		t.Errorf("the page's request counts facets %v, want only the unfiltered months", f)
	}
	checked := 0
	for _, req := range reqs[1:] {
		r, err := bi.SearchInContext(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Hits) != 0 || len(r.Facets) != 1 {
			t.Fatalf("a facet request returned %d hits and %d facets", len(r.Hits), len(r.Facets))
		}
		for field, f := range r.Facets {
			if f.Terms == nil || len(f.Terms.Terms()) < 2 {
				t.Fatalf("facet %s lists %v: the filter of its field was not dropped", field, f.Terms)
			}
			for _, tf := range f.Terms.Terms() {
				one := q
				switch field {
				case "state":
					one.States = []string{tf.Term}
				case "section":
					one.Sections = []string{tf.Term}
				}
				if got := total(one); got != uint64(tf.Count) {
					t.Errorf("facet %s: %s counted %d, a search finds %d", field, tf.Term, tf.Count, got)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no facet value checked")
	}
}
