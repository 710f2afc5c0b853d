package index

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Facet fields and how many values each may list. Month and state lists are
// shown in full (a century of reports has 1,200 months, the UN under 250
// states); the limits only guard against a corrupt index.
var facetFields = []struct {
	name, field string
	size        int
}{
	{"state", "state", 1000},
	{"section", "section", 50},
	{"month", "months", 5000},
	{"report", "report", 1000},
}

// validate checks a request against the limits and fills in defaults.
func validate(req *Request) error {
	if !utf8.ValidString(req.Query) {
		return &RequestError{Param: "q", Msg: "the query is not valid UTF-8 text"}
	}
	if n := utf8.RuneCountInString(req.Query); n > MaxQueryRunes {
		return &RequestError{Param: "q", Msg: fmt.Sprintf("the query is %d characters long; at most %d are allowed", n, MaxQueryRunes)}
	}
	switch {
	case req.Page == 0:
		req.Page = 1
	case req.Page < 0:
		return &RequestError{Param: "page", Msg: "page must be 1 or more"}
	case req.Page > MaxPage:
		return &RequestError{Param: "page", Msg: fmt.Sprintf("page must be at most %d; narrow the search instead", MaxPage)}
	}
	switch {
	case req.Size == 0:
		req.Size = DefaultPageSize
	case req.Size < 0 || req.Size > MaxPageSize:
		return &RequestError{Param: "size", Msg: fmt.Sprintf("size must be between 1 and %d", MaxPageSize)}
	}
	switch req.Sort {
	case "":
		req.Sort = SortRelevance
		if strings.TrimSpace(req.Query) == "" {
			req.Sort = SortNewest
		}
	case SortRelevance, SortNewest, SortOldest:
	default:
		return &RequestError{Param: "sort", Msg: fmt.Sprintf("sort %q is unknown; use relevance, newest or oldest", req.Sort)}
	}
	for _, f := range []struct {
		param  string
		values []string
	}{{"state", req.States}, {"section", req.Section}, {"month", req.Months}, {"report", req.Reports}} {
		if len(f.values) > MaxFilterValues {
			return &RequestError{Param: f.param, Msg: fmt.Sprintf("at most %d %s values can be selected at once", MaxFilterValues, f.param)}
		}
		for _, v := range f.values {
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > 100 || strings.TrimSpace(v) == "" {
				return &RequestError{Param: f.param, Msg: fmt.Sprintf("%s value %q is not valid", f.param, v)}
			}
		}
	}
	for i, s := range req.Section {
		n, err := normalizeSection(s)
		if err != nil {
			return &RequestError{Param: "section", Msg: err.Error()}
		}
		req.Section[i] = n
	}
	for _, m := range req.Months {
		if err := validateMonth(m); err != nil {
			return &RequestError{Param: "month", Msg: err.Error()}
		}
	}
	return nil
}

// filters builds one disjunction per active filter, keyed by facet name.
func (ix *Index) filters(req *Request) map[string]query.Query {
	out := map[string]query.Query{}
	add := func(name, field string, values []string, canon func(string) string) {
		if len(values) == 0 {
			return
		}
		var qs []query.Query
		for _, v := range values {
			qs = append(qs, termQuery(field, canon(v), 1))
		}
		out[name] = query.NewDisjunctionQuery(qs)
	}
	same := func(s string) string { return s }
	add("state", "state", req.States, func(s string) string {
		if st, ok := ix.gz.Lookup(s); ok {
			return st.Name
		}
		return removeSpaces(s)
	})
	add("section", "section", req.Section, same)
	add("month", "months", req.Months, same)
	add("report", "report", req.Reports, same)
	return out
}

// withFilters combines the main query with every filter but the excluded
// one. Filters go into one non-scoring conjunction: a filter must not change
// the ranking, and Bleve keeps only the last of several AddFilter calls.
func withFilters(main query.Query, filters map[string]query.Query, exclude string) query.Query {
	var fs []query.Query
	for _, name := range []string{"state", "section", "month", "report"} {
		if f, ok := filters[name]; ok && name != exclude {
			fs = append(fs, f)
		}
	}
	if main == nil {
		main = query.NewMatchAllQuery()
	}
	if len(fs) == 0 {
		return main
	}
	bq := query.NewBooleanQuery([]query.Query{main}, nil, nil)
	bq.AddFilter(query.NewConjunctionQuery(fs))
	return bq
}

func sortOrder(s string) []string {
	switch s {
	case SortNewest:
		return []string{"-start", "-end", "_id"}
	case SortOldest:
		return []string{"start", "end", "_id"}
	}
	return []string{"-_score", "-start", "_id"}
}

// Search runs a request: one search for the page of hits and the counts of
// the facets without an active filter, plus one count-only search per active
// filter for that facet's disjunctive counts.
func (ix *Index) Search(ctx context.Context, req Request) (*Result, error) {
	began := time.Now()
	if err := validate(&req); err != nil {
		return nil, err
	}
	comp, err := ix.compileQuery(req.Query)
	if err != nil {
		return nil, err
	}
	filters := ix.filters(&req)

	main := bleve.NewSearchRequestOptions(withFilters(comp.query, filters, ""), req.Size, (req.Page-1)*req.Size, false)
	main.Fields = []string{"record"}
	main.SortBy(sortOrder(req.Sort))
	if req.Sort != SortRelevance {
		main.Score = "none"
	}
	for _, f := range facetFields {
		if _, active := filters[f.name]; !active {
			main.AddFacet(f.name, bleve.NewFacetRequest(f.field, f.size))
		}
	}

	type facetRun struct {
		name string
		res  *bleve.SearchResult
		err  error
	}
	var wg sync.WaitGroup
	runs := make([]facetRun, 0, len(filters))
	for _, f := range facetFields {
		if _, active := filters[f.name]; active {
			runs = append(runs, facetRun{name: f.name})
		}
	}
	for i := range runs {
		f := facetByName(runs[i].name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bleve.NewSearchRequestOptions(withFilters(comp.query, filters, f.name), 0, 0, false)
			r.Score = "none"
			r.AddFacet(f.name, bleve.NewFacetRequest(f.field, f.size))
			runs[i].res, runs[i].err = ix.bi.SearchInContext(ctx, r)
		}()
	}
	res, err := ix.bi.SearchInContext(ctx, main)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	facetResults := search.FacetResults{}
	for name, fr := range res.Facets {
		facetResults[name] = fr
	}
	for _, r := range runs {
		if r.err != nil {
			return nil, fmt.Errorf("search %q: facet %s: %w", req.Query, r.name, r.err)
		}
		facetResults[r.name] = r.res.Facets[r.name]
	}

	out := &Result{
		Query:      req.Query,
		Total:      res.Total,
		Page:       req.Page,
		Size:       req.Size,
		Sort:       req.Sort,
		Hits:       make([]Hit, 0, len(res.Hits)),
		Expansions: comp.expansions,
	}
	terms := dedupe(comp.highlight)
	for _, h := range res.Hits {
		rec, err := decodeRecord(h.Fields)
		if err != nil {
			return nil, fmt.Errorf("search %q: hit %s: %w", req.Query, h.ID, err)
		}
		out.Hits = append(out.Hits, Hit{Record: rec, Score: h.Score, Highlights: highlights(rec, terms)})
	}
	out.Facets = ix.facets(facetResults, &req)
	out.Took = time.Since(began)
	return out, nil
}

func facetByName(name string) struct {
	name, field string
	size        int
} {
	for _, f := range facetFields {
		if f.name == name {
			return f
		}
	}
	panic("index: unknown facet " + name)
}

func highlights(r Record, terms []string) map[string][]string {
	out := map[string][]string{}
	if len(terms) == 0 {
		return out
	}
	if h := highlightField(r.Activity, terms); h != nil {
		out["activity"] = h
	}
	if h := highlightField(r.Comment, terms); h != nil {
		out["comment"] = h
	}
	var fn []string
	for _, f := range r.Footnotes {
		fn = append(fn, highlightField(f, terms)...)
	}
	if fn != nil {
		out["footnotes"] = fn
	}
	return out
}

// facets turns Bleve's facet results into sorted, labelled values. Selected
// values are listed even when no record has them any more, so the user can
// always see and remove a filter.
func (ix *Index) facets(frs search.FacetResults, req *Request) Facets {
	selected := map[string][]string{"state": req.States, "section": req.Section, "month": req.Months, "report": req.Reports}
	build := func(name string) []FacetValue {
		var vals []FacetValue
		seen := map[string]bool{}
		if fr := frs[name]; fr != nil {
			for _, t := range fr.Terms.Terms() {
				if t.Term == "" {
					continue
				}
				vals = append(vals, FacetValue{Value: t.Term, Count: t.Count})
				seen[t.Term] = true
			}
		}
		for _, s := range selected[name] {
			if name == "state" {
				if st, ok := ix.gz.Lookup(s); ok {
					s = st.Name
				}
			}
			if !seen[s] {
				vals = append(vals, FacetValue{Value: s})
				seen[s] = true
			}
		}
		sel := map[string]bool{}
		for _, s := range selected[name] {
			sel[s] = true
			if name == "state" {
				if st, ok := ix.gz.Lookup(s); ok {
					sel[st.Name] = true
				}
			}
		}
		for i := range vals {
			v := &vals[i]
			v.Selected = sel[v.Value]
			switch name {
			case "state":
				if st, ok := ix.gz.Lookup(v.Value); ok {
					v.Label, v.Annex2 = st.English, st.Annex2
				}
			case "section":
				v.Label = SectionTitles[v.Value]
			case "month":
				v.Label = monthLabel(v.Value)
			case "report":
				ix.mu.RLock()
				if info, ok := ix.reports[v.Value]; ok {
					v.Label = fmt.Sprintf("第%d届会议 %s", info.Session, info.Symbol)
				}
				ix.mu.RUnlock()
			}
		}
		switch name {
		case "state":
			sort.SliceStable(vals, func(i, j int) bool {
				if vals[i].Count != vals[j].Count {
					return vals[i].Count > vals[j].Count
				}
				return vals[i].Value < vals[j].Value
			})
		case "report":
			sort.Slice(vals, func(i, j int) bool { return vals[i].Value > vals[j].Value })
		default:
			sort.Slice(vals, func(i, j int) bool { return vals[i].Value < vals[j].Value })
		}
		return vals
	}
	return Facets{State: build("state"), Section: build("section"), Month: build("month"), Report: build("report")}
}

func monthLabel(m string) string {
	if len(m) != 7 {
		return m
	}
	return m[:4] + "年" + strings.TrimPrefix(m[5:], "0") + "月"
}

// Record returns one record by id.
func (ix *Index) Record(ctx context.Context, id string) (Record, error) {
	if id == "" || len(id) > 200 || !utf8.ValidString(id) {
		return Record{}, ErrNotFound
	}
	req := bleve.NewSearchRequest(query.NewDocIDQuery([]string{id}))
	req.Fields = []string{"record"}
	req.Score = "none"
	res, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return Record{}, ErrNotFound
	}
	return decodeRecord(res.Hits[0].Fields)
}

// Export calls fn for every record matching req (ignoring its page and size),
// in the request's sort order, at most MaxExportRows of them.
func (ix *Index) Export(ctx context.Context, req Request, fn func(Record) error) error {
	req.Page, req.Size = 1, MaxPageSize
	if err := validate(&req); err != nil {
		return err
	}
	comp, err := ix.compileQuery(req.Query)
	if err != nil {
		return err
	}
	q := withFilters(comp.query, ix.filters(&req), "")
	const pageSize = 1000
	for from := 0; from < MaxExportRows; from += pageSize {
		r := bleve.NewSearchRequestOptions(q, min(pageSize, MaxExportRows-from), from, false)
		r.Fields = []string{"record"}
		r.SortBy(sortOrder(req.Sort))
		res, err := ix.bi.SearchInContext(ctx, r)
		if err != nil {
			return fmt.Errorf("export %q: %w", req.Query, err)
		}
		for _, h := range res.Hits {
			rec, err := decodeRecord(h.Fields)
			if err != nil {
				return fmt.Errorf("export %q: hit %s: %w", req.Query, h.ID, err)
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(res.Hits) < pageSize {
			return nil
		}
	}
	return nil
}
