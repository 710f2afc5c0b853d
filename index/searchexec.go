package index

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

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

// Search runs a request. One pass over the matches of the query yields the
// page of hits, the total and the counts of every facet; a facet with an
// active filter is counted over the documents that pass every other filter,
// which makes its counts disjunctive.
func (ix *Index) Search(ctx context.Context, req Request) (*Result, error) {
	began := time.Now()
	if err := validate(&req); err != nil {
		return nil, err
	}
	comp, err := ix.compileQuery(req.Query)
	if err != nil {
		return nil, err
	}
	cols, release, err := ix.snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	defer release()
	from := (req.Page - 1) * req.Size
	col, err := ix.collect(ctx, cols, comp.query, ix.filterSets(cols, &req), req.Sort, from+req.Size, true)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", req.Query, err)
	}
	out := &Result{
		Query:      req.Query,
		Total:      col.total,
		Page:       req.Page,
		Size:       req.Size,
		Sort:       req.Sort,
		Hits:       []Hit{},
		Expansions: comp.expansions,
	}
	terms := dedupe(comp.highlight)
	if from < len(col.top) {
		for _, c := range col.top[from:] {
			rec, err := loadRecord(cols.reader, c.id)
			if err != nil {
				return nil, fmt.Errorf("search %q: document %d: %w", req.Query, c.doc, err)
			}
			out.Hits = append(out.Hits, Hit{Record: rec, Score: c.score, Highlights: highlights(rec, terms)})
		}
	}
	out.Facets = ix.facets(cols, col, &req)
	out.Took = time.Since(began)
	return out, nil
}

// filterSets turns the request's filters into ordinal sets of the columns.
func (ix *Index) filterSets(cols *columns, req *Request) filterSets {
	states := make([]string, len(req.States))
	for i, s := range req.States {
		states[i] = ix.canonicalState(s)
	}
	return filterSets{
		state:   valueSet(cols.states, states),
		section: valueSet(cols.sections, req.Section),
		month:   valueSet(cols.months, req.Months),
		report:  valueSet(cols.reports, req.Reports),
	}
}

// canonicalState accepts a state as people write it and returns the name
// records carry.
func (ix *Index) canonicalState(s string) string {
	if st, ok := ix.gz.Lookup(s); ok {
		return st.Name
	}
	return removeSpaces(s)
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

// facets turns the counts into sorted, labelled values. Selected values are
// listed even when no record has them any more, so the user can always see
// and remove a filter.
func (ix *Index) facets(cols *columns, col *collection, req *Request) Facets {
	build := func(name string, vals []string, counts []int, selected []string) []FacetValue {
		out := []FacetValue{}
		seen := map[string]bool{}
		sel := map[string]bool{}
		for _, s := range selected {
			sel[s] = true
		}
		for i, v := range vals {
			if counts[i] > 0 || sel[v] {
				out = append(out, FacetValue{Value: v, Count: counts[i]})
				seen[v] = true
			}
		}
		for _, s := range selected {
			if !seen[s] {
				out = append(out, FacetValue{Value: s})
				seen[s] = true
			}
		}
		for i := range out {
			v := &out[i]
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
			sort.SliceStable(out, func(i, j int) bool {
				if out[i].Count != out[j].Count {
					return out[i].Count > out[j].Count
				}
				return out[i].Value < out[j].Value
			})
		case "report":
			sort.Slice(out, func(i, j int) bool { return out[i].Value > out[j].Value })
		default:
			sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
		}
		return out
	}
	states := make([]string, len(req.States))
	for i, s := range req.States {
		states[i] = ix.canonicalState(s)
	}
	return Facets{
		State:   build("state", cols.states, col.stateCount, states),
		Section: build("section", cols.sections, col.sectionCount, req.Section),
		Month:   build("month", cols.months, col.monthCount, req.Months),
		Report:  build("report", cols.reports, col.reportCount, req.Reports),
	}
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
	cols, release, err := ix.snapshot(ctx)
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	defer release()
	rec, err := loadRecordByID(cols.reader, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	return rec, err
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
	cols, release, err := ix.snapshot(ctx)
	if err != nil {
		return fmt.Errorf("export %q: %w", req.Query, err)
	}
	defer release()
	col, err := ix.collect(ctx, cols, comp.query, ix.filterSets(cols, &req), req.Sort, MaxExportRows, false)
	if err != nil {
		return fmt.Errorf("export %q: %w", req.Query, err)
	}
	for _, c := range col.top {
		rec, err := loadRecord(cols.reader, c.id)
		if err != nil {
			return fmt.Errorf("export %q: document %d: %w", req.Query, c.doc, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}
