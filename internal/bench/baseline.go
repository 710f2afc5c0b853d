package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"ctbtsearch/internal/synth"
	"ctbtsearch/report"
)

// BaselineConfig configures Baseline.
type BaselineConfig struct {
	Records    int      // generate a corpus of this many records into Work/corpus …
	Dir        string   // … or use the reports under Dir
	CorpusSeed uint64   // seed of a generated corpus
	Work       string   // the plain Bleve index goes to Work/bleve-index
	N          int      // queries measured
	Warmup     int      // queries run first and not measured
	Facets     bool     // add the filtered classes to the mix
	Mixes      []string // query mixes to run, one search result each; none: MixScale
	Seed       uint64   // of the query mix
	CPUProfile string   // of the measured queries
}

// baselineBatch is the batch size of the plain Bleve indexing: the usual
// advice, and what the product uses too.
const baselineBatch = 1000

// baselineDoc is a record as a plain Bleve application would index it: a
// struct with every field, mapped dynamically.
type baselineDoc struct {
	Report       string    `json:"report"`
	Session      int       `json:"session"`
	Section      string    `json:"section"`
	SectionTitle string    `json:"section_title"`
	State        string    `json:"state"`
	StateCode    string    `json:"state_code"`
	Annex2       bool      `json:"annex2"`
	Period       string    `json:"period"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Months       []string  `json:"months"`
	Activity     string    `json:"activity"`
	Comment      string    `json:"comment"`
	Footnotes    []string  `json:"footnotes"`
}

// BaselineMapping is plain Bleve done reasonably: the default mapping
// (every field indexed dynamically, stored, with term vectors and in _all)
// with the cjk analyzer as the default analyzer, and keyword fields for
// the values that facets count and filters match, which would otherwise be
// cut into bigrams.
func BaselineMapping() *mapping.IndexMappingImpl {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = cjk.AnalyzerName
	for _, f := range []string{"state", "state_code", "section", "months", "report"} {
		m.DefaultMapping.AddFieldMappingsAt(f, bleve.NewKeywordFieldMapping())
	}
	return m
}

// Baseline indexes the same corpus with plain Bleve and runs the same query
// mix on it: MatchQuery (operator AND) for words and MatchPhraseQuery for
// phrases, both on _all; filters as term disjunctions in a conjunction;
// stock facets of size 10 on state, section and months in the same request;
// the stock html highlighter; all stored fields loaded.
func Baseline(ctx context.Context, cfg BaselineConfig, out io.Writer) ([]*Result, error) {
	if (cfg.Records > 0) == (cfg.Dir != "") {
		return nil, errors.New("baseline: give either -records or -dir")
	}
	if cfg.Work == "" {
		return nil, errors.New("baseline: -work is required")
	}
	dir := cfg.Dir
	if dir == "" {
		dir = filepath.Join(cfg.Work, "corpus")
		if _, err := synth.Write(dir, synth.Options{Records: cfg.Records, Seed: cfg.CorpusSeed}); err != nil {
			return nil, err
		}
	}
	reports, ires, parsed, err := parseCorpus(ctx, []string{dir}, ToolBleve, out)
	if err != nil {
		return nil, err
	}
	records := ires.Records

	path := filepath.Join(cfg.Work, "bleve-index")
	if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err == nil {
		if err := os.RemoveAll(path); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(cfg.Work, 0o755); err != nil {
		return nil, err
	}
	bi, err := bleve.New(path, BaselineMapping())
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	if err := baselineIndex(ctx, bi, reports, records, out, parsed); err != nil {
		bi.Close()
		return nil, err
	}
	if err := bi.Close(); err != nil {
		return nil, fmt.Errorf("baseline: close: %w", err)
	}
	done := time.Now()
	ires.IndexSec = done.Sub(parsed).Seconds()
	ires.TotalSec = ires.ParseSec + ires.IndexSec
	ires.RecordsPerSec = float64(records) / ires.TotalSec
	if ires.SizeBytes, err = DiskUsage(path); err != nil {
		return nil, err
	}
	ires.notePeak()
	ires.Note = "index " + path

	// Search phase, with its own peak memory.
	vocab := VocabFromReports(reports)
	reports = nil
	runtime.GC()
	debug.FreeOSMemory()
	ResetPeakRSS()
	t0 := time.Now()
	bi, err = bleve.OpenUsing(path, map[string]any{"read_only": true})
	if err != nil {
		return nil, fmt.Errorf("baseline: open: %w", err)
	}
	defer bi.Close()
	mixes := cfg.Mixes
	if len(mixes) == 0 {
		mixes = []string{""}
	}
	opened := time.Since(t0)
	results := []*Result{ires}
	for i, mix := range mixes {
		if i > 0 {
			ResetPeakRSS()
		}
		sres, err := baselineSearch(ctx, bi, cfg, mix, records, vocab, opened)
		if err != nil {
			return nil, err
		}
		results = append(results, sres)
	}
	PrintTable(out, results...)
	return results, nil
}

// baselineSearch runs one query mix on the open plain Bleve index.
func baselineSearch(ctx context.Context, bi bleve.Index, cfg BaselineConfig, mix string, records int, vocab Vocab, opened time.Duration) (*Result, error) {
	sres := newResult(ToolBleve, PhaseSearch, records)
	sres.OpenSec = opened.Seconds()
	sres.Mix = mix
	sres.Facets = cfg.Facets
	t0 := time.Now()
	first := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	for _, f := range []string{"state", "section", "months"} {
		first.AddFacet(f, bleve.NewFacetRequest(f, 10))
	}
	if _, err := bi.SearchInContext(ctx, first); err != nil {
		return nil, fmt.Errorf("baseline: first query: %w", err)
	}
	sres.FirstSec = time.Since(t0).Seconds()
	queries, err := MixQueries(mix, cfg.Warmup+cfg.N, cfg.Seed, cfg.Facets, vocab)
	if err != nil {
		return nil, err
	}
	err = runMix(ctx, queries, cfg.Warmup, cfg.CPUProfile, func(ctx context.Context, q Query) (outcome, error) {
		r, err := bi.SearchInContext(ctx, BaselineRequest(q))
		if err != nil {
			return outcome{}, err
		}
		o := outcome{total: r.Total, hits: len(r.Hits)}
		for _, h := range r.Hits {
			if len(h.Fragments) > 0 {
				o.highlighted++
			}
		}
		return o, nil
	}, sres)
	if err != nil {
		return nil, err
	}
	sres.notePeak()
	return sres, nil
}

func baselineIndex(ctx context.Context, bi bleve.Index, reports []*report.Report, records int, out io.Writer, began time.Time) error {
	b := bi.NewBatch()
	done, step, next := 0, max(records/10, 1), 0
	flush := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := bi.Batch(b); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		done += b.Size()
		b.Reset()
		if done >= next {
			fmt.Fprintf(out, "  %3d%%  %d records  %.1f s\n", 100*done/max(records, 1), done, time.Since(began).Seconds())
			next = done + step
		}
		return nil
	}
	for _, rep := range reports {
		for i := range rep.Records {
			r := &rep.Records[i]
			start, _ := time.Parse("2006-01-02", r.Start)
			end, _ := time.Parse("2006-01-02", r.End)
			doc := baselineDoc{Report: r.Report, Session: r.Session, Section: r.Section, SectionTitle: r.SectionTitle,
				State: r.State, StateCode: r.StateCode, Annex2: r.Annex2, Period: r.Period, Start: start, End: end,
				Months: r.Months, Activity: r.Activity, Comment: r.Comment, Footnotes: r.Footnotes}
			if err := b.Index(r.ID, doc); err != nil {
				return fmt.Errorf("baseline: %s: %w", r.Source, err)
			}
			if b.Size() >= baselineBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if b.Size() > 0 {
		return flush()
	}
	return nil
}

// BaselineRequest is the plain Bleve search request for a query of the mix.
func BaselineRequest(q Query) *bleve.SearchRequest {
	var main query.Query
	switch {
	case q.Text == "":
		main = bleve.NewMatchAllQuery()
	case q.Phrase:
		main = bleve.NewMatchPhraseQuery(q.Text)
	default:
		mq := bleve.NewMatchQuery(q.Text)
		mq.SetOperator(query.MatchQueryOperatorAnd)
		main = mq
	}
	conj := []query.Query{main}
	for _, f := range []struct {
		field  string
		values []string
	}{{"state", q.States}, {"section", q.Sections}, {"months", q.Months}} {
		if len(f.values) == 0 {
			continue
		}
		var alts []query.Query
		for _, v := range f.values {
			tq := bleve.NewTermQuery(v)
			tq.SetField(f.field)
			alts = append(alts, tq)
		}
		conj = append(conj, bleve.NewDisjunctionQuery(alts...))
	}
	if len(conj) > 1 {
		main = bleve.NewConjunctionQuery(conj...)
	}
	req := bleve.NewSearchRequestOptions(main, PageSize, (q.Page-1)*PageSize, false)
	req.Fields = []string{"*"}
	req.Highlight = bleve.NewHighlightWithStyle("html")
	for _, f := range []string{"state", "section", "months"} {
		req.AddFacet(f, bleve.NewFacetRequest(f, 10))
	}
	return req
}
