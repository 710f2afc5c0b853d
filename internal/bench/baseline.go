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
	// Reuse searches the plain Bleve index already at Work/bleve-index,
	// built by an earlier run of the same corpus, instead of building it.
	Reuse bool
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
	results := []*Result{ires}
	if cfg.Reuse {
		if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err != nil {
			return nil, fmt.Errorf("baseline: no plain Bleve index to reuse at %s", path)
		}
		fmt.Fprintf(out, "  reusing the plain Bleve index at %s\n", path)
		results = nil
	} else if err := buildBaseline(ctx, path, cfg.Work, reports, ires, parsed, out); err != nil {
		return nil, err
	}

	// Search phase, with its own peak memory.
	vocab := VocabFromReports(reports)
	reports = nil
	runtime.GC()
	debug.FreeOSMemory()
	ResetPeakRSS()
	t0 := time.Now()
	bi, err := bleve.OpenUsing(path, map[string]any{"read_only": true})
	if err != nil {
		return nil, fmt.Errorf("baseline: open: %w", err)
	}
	defer bi.Close()
	opened := time.Since(t0)
	n, err := bi.DocCount()
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	if n != uint64(records) {
		return nil, fmt.Errorf("baseline: the index at %s holds %d records, the corpus %d", path, n, records)
	}
	mixes := cfg.Mixes
	if len(mixes) == 0 {
		mixes = []string{""}
	}
	for i, mix := range mixes {
		if i > 0 {
			ResetPeakRSS()
		}
		queries, err := MixQueries(mix, cfg.Warmup+cfg.N, cfg.Seed, cfg.Facets, vocab)
		if err != nil {
			return nil, err
		}
		sres, err := baselineSearch(ctx, bi, cfg, mix, queries, records, opened)
		if err != nil {
			return nil, err
		}
		results = append(results, sres)
		if mix != "" && mix != MixScale {
			continue // the tables compare the scale mix's filtered classes
		}
		if same, err := baselineSameFacets(ctx, bi, cfg, mix, queries, records); err != nil {
			return nil, err
		} else if same != nil {
			results = append(results, same)
		}
	}
	PrintTable(out, results...)
	return results, nil
}

// buildBaseline indexes reports with plain Bleve at path, timing it into
// ires.
func buildBaseline(ctx context.Context, path, work string, reports []*report.Report, ires *Result, parsed time.Time, out io.Writer) error {
	if _, err := os.Stat(filepath.Join(path, "index_meta.json")); err == nil {
		if err := os.RemoveAll(path); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	bi, err := bleve.New(path, BaselineMapping())
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if err := baselineIndex(ctx, bi, reports, ires.Records, out, parsed); err != nil {
		bi.Close()
		return err
	}
	if err := bi.Close(); err != nil {
		return fmt.Errorf("baseline: close: %w", err)
	}
	ires.IndexSec = time.Since(parsed).Seconds()
	ires.TotalSec = ires.ParseSec + ires.IndexSec
	ires.RecordsPerSec = float64(ires.Records) / ires.TotalSec
	if ires.SizeBytes, err = DiskUsage(path); err != nil {
		return err
	}
	ires.notePeak()
	ires.Note = "index " + path
	return nil
}

// baselineSearch runs the queries of one mix on the open plain Bleve index.
func baselineSearch(ctx context.Context, bi bleve.Index, cfg BaselineConfig, mix string, queries []Query, records int, opened time.Duration) (*Result, error) {
	sres := newResult(ToolBleve, PhaseSearch, records)
	sres.OpenSec = opened.Seconds()
	sres.Mix = mix
	sres.Facets = cfg.Facets
	t0 := time.Now()
	first := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
	for _, f := range baselineFacetFields {
		first.AddFacet(f, bleve.NewFacetRequest(f, 10))
	}
	if _, err := bi.SearchInContext(ctx, first); err != nil {
		return nil, fmt.Errorf("baseline: first query: %w", err)
	}
	sres.FirstSec = time.Since(t0).Seconds()
	err := runMix(ctx, queries, cfg.Warmup, cfg.CPUProfile, func(ctx context.Context, q Query) (outcome, error) {
		r, err := bi.SearchInContext(ctx, BaselineRequest(q))
		if err != nil {
			return outcome{}, err
		}
		return bleveOutcome(r), nil
	}, sres)
	if err != nil {
		return nil, err
	}
	sres.notePeak()
	return sres, nil
}

// baselineSameFacets runs the queries of a mix (all) that have filters on the
// open plain Bleve index as an application showing our facets would
// (BaselineSameFacetsRequests), or returns nil when the mix has none.
func baselineSameFacets(ctx context.Context, bi bleve.Index, cfg BaselineConfig, mix string, all []Query, records int) (*Result, error) {
	// The filtered queries of the stock run, warmed up and measured alike.
	var queries []Query
	warmup := 0
	for i, q := range all {
		if q.filters() > 0 {
			queries = append(queries, q)
			if i < cfg.Warmup {
				warmup++
			}
		}
	}
	if len(queries) == warmup {
		return nil, nil
	}
	res := newResult(ToolBleveSameFacets, PhaseSearch, records)
	res.Mix = mix
	res.Facets = cfg.Facets
	err := runMix(ctx, queries, warmup, "", func(ctx context.Context, q Query) (outcome, error) {
		var o outcome
		for i, req := range BaselineSameFacetsRequests(q) {
			r, err := bi.SearchInContext(ctx, req)
			if err != nil {
				return outcome{}, err
			}
			if i == 0 { // the page; the others only count
				o = bleveOutcome(r)
			}
		}
		return o, nil
	}, res)
	if err != nil {
		return nil, err
	}
	res.notePeak()
	return res, nil
}

// bleveOutcome is what a plain Bleve search gave, for the sanity counts.
func bleveOutcome(r *bleve.SearchResult) outcome {
	o := outcome{total: r.Total, hits: len(r.Hits)}
	for _, h := range r.Hits {
		if len(h.Fragments) > 0 {
			o.highlighted++
		}
	}
	return o
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
	return baselineRequest(q, false)
}

// baselineRequest is BaselineRequest, with facets only on the fields q does
// not filter when onlyUnfiltered.
func baselineRequest(q Query, onlyUnfiltered bool) *bleve.SearchRequest {
	req := bleve.NewSearchRequestOptions(baselineQuery(q, ""), PageSize, (q.Page-1)*PageSize, false)
	req.Fields = []string{"*"}
	req.Highlight = bleve.NewHighlightWithStyle("html")
	for _, f := range baselineFacetFields {
		if onlyUnfiltered && len(q.filterValues(f)) > 0 {
			continue
		}
		req.AddFacet(f, bleve.NewFacetRequest(f, 10))
	}
	return req
}

// BaselineSameFacetsRequests are the plain Bleve requests that show what
// ours shows for a query: the page with the facets of unfiltered fields,
// which stock facets count right, then for each filtered field the query
// without that field's filter, no hits, faceted on that field alone. (Stock
// facets count within the filters, so a selected state's facet would list
// only that state.)
func BaselineSameFacetsRequests(q Query) []*bleve.SearchRequest {
	reqs := []*bleve.SearchRequest{baselineRequest(q, true)}
	for _, f := range baselineFacetFields {
		if len(q.filterValues(f)) == 0 {
			continue
		}
		req := bleve.NewSearchRequestOptions(baselineQuery(q, f), 0, 0, false)
		req.AddFacet(f, bleve.NewFacetRequest(f, 10))
		reqs = append(reqs, req)
	}
	return reqs
}

// baselineFacetFields are the plain Bleve fields the mix's filters select
// and its facets count.
var baselineFacetFields = []string{"state", "section", "months"}

// filterValues are the values q selects of a plain Bleve facet field.
func (q Query) filterValues(field string) []string {
	switch field {
	case "state":
		return q.States
	case "section":
		return q.Sections
	case "months":
		return q.Months
	}
	return nil
}

// filters is how many fields q filters by.
func (q Query) filters() int {
	n := 0
	for _, f := range baselineFacetFields {
		if len(q.filterValues(f)) > 0 {
			n++
		}
	}
	return n
}

// baselineQuery is q as a plain Bleve query: the text (match, operator AND,
// or phrase, on _all) in a conjunction with each filter as a disjunction of
// terms, except the filter of field without.
func baselineQuery(q Query, without string) query.Query {
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
	for _, f := range baselineFacetFields {
		values := q.filterValues(f)
		if len(values) == 0 || f == without {
			continue
		}
		var alts []query.Query
		for _, v := range values {
			tq := bleve.NewTermQuery(v)
			tq.SetField(f)
			alts = append(alts, tq)
		}
		conj = append(conj, bleve.NewDisjunctionQuery(alts...))
	}
	if len(conj) > 1 {
		return bleve.NewConjunctionQuery(conj...)
	}
	return main
}
