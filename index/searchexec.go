package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// validate checks a request against the limits and fills in defaults.
func validate(req *Request) error {
	if !utf8.ValidString(req.Query) {
		return &RequestError{Param: "q", Msg: "the query is not valid UTF-8 text"}
	}
	if strings.ContainsFunc(req.Query, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) {
		return &RequestError{Param: "q", Msg: "the query contains control characters"}
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
	}{{"state", req.States}, {"section", req.Section}, {"month", req.Months}, {"report", req.Reports}, {"year", req.Years}} {
		if len(f.values) > MaxFilterValues {
			return &RequestError{Param: f.param, Msg: fmt.Sprintf("at most %d %s values can be selected at once", MaxFilterValues, f.param)}
		}
		for _, v := range f.values {
			if !utf8.ValidString(v) || len(v) > maxFilterValueBytes || strings.TrimSpace(v) == "" {
				return &RequestError{Param: f.param, Msg: fmt.Sprintf("%s value %q is not valid", f.param, v)}
			}
		}
	}
	// Normalise a copy: req shares its slices with the caller, who may be
	// searching with the same Request in other goroutines.
	req.Section = slices.Clone(req.Section)
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
	for _, y := range req.Years {
		if !ValidYear(y) {
			return &RequestError{Param: "year", Msg: fmt.Sprintf("year %q is not a year written YYYY, such as 2007", y)}
		}
	}
	return nil
}

// Search runs a request. On each shard, one pass over the matches of the
// query yields the shard's best hits, its total and the counts of every
// facet; a facet with an active filter is counted over the documents that
// pass every other filter, which makes its counts disjunctive. The shards
// run side by side and their results are merged.
func (ix *Index) Search(ctx context.Context, req Request) (_ *Result, err error) {
	defer guardReads(&err, debug.SetPanicOnFault(true))
	began := time.Now()
	if err := validate(&req); err != nil {
		return nil, err
	}
	p, err := ix.compile(ctx, &req)
	if err != nil {
		return nil, err
	}
	from := (req.Page - 1) * req.Size
	m, err := ix.runShards(ctx, p, &req, from+req.Size, true)
	if err != nil {
		// The query is left out of errors: they are logged, and what people
		// search for is not the operator's business (see web's request log).
		return nil, fmt.Errorf("search: %w", err)
	}
	defer m.release()
	out := &Result{
		Request:    req,
		Query:      req.Query,
		Total:      m.total,
		Page:       req.Page,
		Size:       req.Size,
		Sort:       req.Sort,
		Hits:       []Hit{},
		Expansions: p.expansions,
	}
	hm := marks{terms: dedupe(p.highlight), concepts: p.conceptMarks}
	if from < len(m.top) {
		for _, c := range m.top[from:] {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("search: %w", err) // marking a page of long hits for a long query takes a while
			}
			rec, err := loadRecordGuarded(m.runs[c.shard].cols, c.id)
			if err != nil {
				return nil, fmt.Errorf("search: document %d/%d: %w", c.shard, c.doc, err)
			}
			texts := hitTexts(&rec, hm)
			h := Hit{Record: rec, Score: c.score, SectionOnly: c.sectionOnly, Highlights: highlights(texts), FootnotesMarked: markedFootnotes(texts)}
			h.Reasons = p.reasons(&h, texts)
			out.Hits = append(out.Hits, h)
		}
	}
	if out.Total <= suggestBelow {
		out.Suggestions = ix.suggest(ctx, req, out.Total)
	}
	out.FirstYear, out.LastYear = m.firstYear, m.lastYear
	out.Facets = ix.facets(m.counts, &req, m.firstYear, m.lastYear)
	out.Took = time.Since(began)
	return out, nil
}

// sideBySide runs fn for each of n shards, each on a goroutine of its own
// when there are several. One shard runs on the caller's: starting a
// goroutine and waking the caller when it is done cost more than a small
// search (futex was 10% of the CPU of filtered searches on a one-shard
// index of 10k records).
func sideBySide(n int, fn func(shard int)) {
	if n == 1 {
		fn(0)
		return
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i) })
	}
	wg.Wait()
}

// merged is the combined result of a query over every shard. It pins the
// shards' snapshots until release.
type merged struct {
	runs   []shardRun
	total  uint64
	top    []*candidate              // best first, at most k
	counts map[string]map[string]int // facet → value → records

	firstYear, lastYear int // of the matches; 0 when none
}

type shardRun struct {
	cols    *columns
	release func()
	col     *collection
	err     error
}

func (m *merged) release() {
	for _, r := range m.runs {
		if r.release != nil {
			r.release()
		}
	}
}

// runShards runs q with the request's filters on every shard at once and
// merges the results: totals and facet counts add up, the best k hits of
// all shards are kept.
func (ix *Index) runShards(ctx context.Context, p *plan, req *Request, k int, wantFacets bool) (*merged, error) {
	m := &merged{runs: make([]shardRun, len(ix.shards))}
	sideBySide(len(ix.shards), func(i int) {
		r := &m.runs[i]
		defer guardReads(&r.err, debug.SetPanicOnFault(true))
		r.cols, r.release, r.err = ix.shards[i].snapshot(ctx)
		if r.err != nil {
			return
		}
		r.col, r.err = ix.collect(ctx, i, r.cols, p.query, p.own, p.key, valueSet(r.cols.sections, p.ownSections), ix.filterSets(r.cols, req), req.Sort, k, wantFacets)
	})
	for _, r := range m.runs {
		if r.err != nil {
			m.release()
			return nil, r.err
		}
	}
	for _, r := range m.runs {
		m.total += r.col.total
		m.top = append(m.top, r.col.top...)
		if r.col.firstYear >= 0 {
			first, _ := strconv.Atoi(r.cols.years[r.col.firstYear])
			last, _ := strconv.Atoi(r.cols.years[r.col.lastYear])
			if m.firstYear == 0 || first < m.firstYear {
				m.firstYear = first
			}
			m.lastYear = max(m.lastYear, last)
		}
	}
	// Shards driven by their filters may still miss month counts of the
	// result's span, known only now (collectMonthRest).
	sideBySide(len(m.runs), func(i int) {
		r := &m.runs[i]
		if !r.col.rest {
			return
		}
		defer guardReads(&r.err, debug.SetPanicOnFault(true))
		r.err = ix.collectMonthRest(ctx, r.cols, p.query, ix.filterSets(r.cols, req), m.firstYear, m.lastYear, r.col)
	})
	for _, r := range m.runs {
		if r.err != nil {
			m.release()
			return nil, r.err
		}
	}
	better := less(req.Sort)
	sort.Slice(m.top, func(i, j int) bool { return better(m.top[i], m.top[j]) })
	if len(m.top) > k {
		m.top = m.top[:k]
	}
	if wantFacets {
		m.counts = map[string]map[string]int{"state": {}, "section": {}, "month": {}, "report": {}, "year": {}}
		for _, r := range m.runs {
			add := func(name string, vals []string, counts []int) {
				for i, n := range counts {
					if n > 0 {
						m.counts[name][vals[i]] += n
					}
				}
			}
			add("state", r.cols.states, r.col.stateCount)
			add("section", r.cols.sections, r.col.sectionCount)
			add("month", r.cols.months, r.col.monthCount)
			add("report", r.cols.reports, r.col.reportCount)
			add("year", r.cols.years, r.col.yearCount)
		}
	}
	return m, nil
}

// filterSets turns the request's filters (canonical, see compile) into
// ordinal sets of the columns.
func (ix *Index) filterSets(cols *columns, req *Request) filterSets {
	return filterSets{
		state:   valueSet(cols.states, req.States),
		section: valueSet(cols.sections, req.Section),
		month:   valueSet(cols.months, req.Months),
		report:  valueSet(cols.reports, req.Reports),
		year:    valueSet(cols.years, req.Years),
	}
}

// canonicalState accepts a state as people write it and returns the name
// records carry.
func (ix *Index) canonicalState(s string) string {
	if st, ok := ix.gz.Lookup(s); ok {
		return st.Name
	}
	return fold.RemoveSpaces(s)
}

// hitTexts folds a hit's texts once: activity, comment, then footnotes.
func hitTexts(r *report.Record, m marks) []markedText {
	out := make([]markedText, 0, 2+len(r.Footnotes))
	out = append(out, markText(r.Activity, m), markText(r.Comment, m))
	for _, f := range r.Footnotes {
		out = append(out, markText(f, m))
	}
	return out
}

// highlights are the fragments of a hit's texts (hitTexts) with matches.
func highlights(texts []markedText) map[string][]string {
	out := map[string][]string{}
	if h := fragments(texts[0].text, texts[0].spans); h != nil {
		out["activity"] = h
	}
	if h := fragments(texts[1].text, texts[1].spans); h != nil {
		out["comment"] = h
	}
	var fn []string
	for _, f := range texts[2:] {
		fn = append(fn, fragments(f.text, f.spans)...)
	}
	if fn != nil {
		out["footnotes"] = fn
	}
	return out
}

// markedFootnotes is every footnote whole (texts[2:] of hitTexts), escaped,
// with matches marked, when any footnote matches: pages show footnotes
// whole, and a match there must be seen (CTBT is often only in a footnote).
func markedFootnotes(texts []markedText) []string {
	var out []string
	any := false
	for _, f := range texts[2:] {
		any = any || len(f.spans) > 0
		out = append(out, renderMarked(f.text, 0, len(f.text), f.spans))
	}
	if !any {
		return nil
	}
	return out
}

// facets turns the counts into sorted, labelled values. Selected values are
// listed even when no record has them any more, so the user can always see
// and remove a filter.
func (ix *Index) facets(counts map[string]map[string]int, req *Request, firstYear, lastYear int) Facets {
	withMonths := firstYear > 0 && lastYear-firstYear+1 <= MonthFacetMaxYears
	build := func(name string, selected []string) []FacetValue {
		out := []FacetValue{}
		seen := map[string]bool{}
		sel := map[string]bool{}
		for _, s := range selected {
			sel[s] = true
		}
		for v, n := range counts[name] {
			out = append(out, FacetValue{Value: v, Count: n})
			seen[v] = true
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
				v.Label, v.Annex2 = ix.stateLabel(v.Value)
			case "section":
				v.Label = SectionTitles[v.Value]
			case "month":
				v.Label = monthLabel(v.Value)
			case "year":
				v.Label = v.Value + "年"
			}
		}
		switch name {
		case "state":
			slices.SortFunc(out, func(a, b FacetValue) int {
				return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
			})
		default:
			slices.SortFunc(out, func(a, b FacetValue) int { return strings.Compare(a.Value, b.Value) })
		}
		return out
	}
	// The months of the years the matches span, and the selected ones so
	// they can always be seen and removed.
	months := map[string]int{}
	for m, n := range counts["month"] {
		if y, err := strconv.Atoi(m[:min(4, len(m))]); err == nil && withMonths && y >= firstYear && y <= lastYear || slices.Contains(req.Months, m) {
			months[m] = n
		}
	}
	counts["month"] = months
	return Facets{
		State:   build("state", req.States),
		Section: build("section", req.Section),
		Month:   build("month", req.Months),
		Report:  ix.reportFacet(counts["report"], req.Reports),
		Year:    build("year", req.Years),
	}
}

// reportFacet lists the reports of the matches and the selected ones,
// newest first (by session, then symbol), capped at MaxReportFacetValues
// but keeping every selected one. A collection of many years has thousands
// of reports (10,000 in the 1M study): only those listed are sorted and
// labelled. Sorting and labelling every one was a tenth of the CPU of
// searches over 1M records.
func (ix *Index) reportFacet(counts map[string]int, selected []string) []FacetValue {
	type listed struct {
		FacetValue
		session int
	}
	newer := func(a, b listed) int {
		return cmp.Or(cmp.Compare(b.session, a.session), strings.Compare(b.Value, a.Value))
	}
	sel := make(map[string]bool, len(selected))
	for _, s := range selected {
		sel[s] = true
	}
	// newest holds the MaxReportFacetValues newest reports seen, newest
	// first: in the order counts come (a map's), few displace one.
	newest := make([]listed, 0, MaxReportFacetValues)
	var beyond []listed // the selected ones older than those
	consider := func(r listed) {
		if len(newest) == MaxReportFacetValues && newer(r, newest[len(newest)-1]) > 0 {
			if r.Selected {
				beyond = append(beyond, r)
			}
			return
		}
		at, _ := slices.BinarySearchFunc(newest, r, newer)
		if len(newest) == MaxReportFacetValues {
			if last := newest[len(newest)-1]; last.Selected {
				beyond = append(beyond, last)
			}
			newest = newest[:len(newest)-1]
		}
		newest = slices.Insert(newest, at, r)
	}
	ix.mu.RLock()
	for id, n := range counts {
		consider(listed{FacetValue{Value: id, Count: n, Selected: sel[id]}, ix.reports[id].Session})
	}
	for id := range sel {
		if _, counted := counts[id]; !counted {
			consider(listed{FacetValue{Value: id, Selected: true}, ix.reports[id].Session})
		}
	}
	slices.SortFunc(beyond, newer)
	out := make([]FacetValue, 0, len(newest)+len(beyond))
	for _, r := range append(newest, beyond...) {
		if info, ok := ix.reports[r.Value]; ok {
			r.Label = info.label
		}
		out = append(out, r.FacetValue)
	}
	ix.mu.RUnlock()
	return out
}

// ValidYear reports whether s is a calendar year written YYYY, as the year
// facet and filter spell it.
func ValidYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// stateLabel is the English name and Annex 2 flag of a state facet value,
// remembered: facets list every state on every search, and a gazetteer
// lookup normalises the name each time.
func (ix *Index) stateLabel(name string) (string, bool) {
	if v, ok := ix.stateLabels.Load(name); ok {
		l := v.(stateLabel)
		return l.english, l.annex2
	}
	var l stateLabel
	if st, ok := ix.gz.Lookup(name); ok {
		l = stateLabel{st.English, st.Annex2}
	}
	ix.stateLabels.Store(name, l)
	return l.english, l.annex2
}

type stateLabel struct {
	english string
	annex2  bool
}

func monthLabel(m string) string {
	if len(m) != 7 {
		return m
	}
	return m[:4] + "年" + strings.TrimPrefix(m[5:], "0") + "月"
}

// Record returns one record by id.
func (ix *Index) Record(ctx context.Context, id string) (_ report.Record, err error) {
	if id == "" || len(id) > report.MaxRecordIDBytes || !utf8.ValidString(id) {
		return report.Record{}, ErrNotFound
	}
	defer guardReads(&err, debug.SetPanicOnFault(true))
	cols, release, err := ix.shards[ix.shardIndex(id)].snapshot(ctx)
	if err != nil {
		return report.Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	defer release()
	rec, err := loadRecordByID(cols, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return report.Record{}, fmt.Errorf("record %s: %w", id, err)
	}
	return rec, err
}

// Export calls fn for every record matching req (ignoring its page and size),
// in the request's sort order, at most MaxExportRows of them.
func (ix *Index) Export(ctx context.Context, req Request, fn func(report.Record) error) (err error) {
	defer guardReads(&err, debug.SetPanicOnFault(true))
	req.Page, req.Size = 1, MaxPageSize
	if err := validate(&req); err != nil {
		return err
	}
	p, err := ix.compile(ctx, &req)
	if err != nil {
		return err
	}
	m, err := ix.runShards(ctx, p, &req, MaxExportRows, false)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer m.release()
	for _, c := range m.top {
		rec, err := loadRecordGuarded(m.runs[c.shard].cols, c.id)
		if err != nil {
			return fmt.Errorf("export: document %d/%d: %w", c.shard, c.doc, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// maxFilterValueBytes bounds one filter value: the longest is a report id,
// a file name up to its first dot, at most 255 bytes on common file systems.
const maxFilterValueBytes = 256

// loadRecordGuarded is loadRecord with read faults and panics turned into
// errors (see guardReads). Export calls its callback between loads, outside
// the guard, so a panic of the caller's is not taken for a damaged index.
//
// The document is one a search has just found, so it must exist: if it
// cannot be found, the index contradicts itself, which is damage, not an
// unknown record (before, it surfaced as a 404 of the search page).
func loadRecordGuarded(cols *columns, id bindex.IndexInternalID) (_ report.Record, err error) {
	defer guardReads(&err, debug.SetPanicOnFault(true))
	rec, err := loadRecord(cols, id)
	if errors.Is(err, ErrNotFound) {
		return report.Record{}, &ReadError{Value: "a document found by the search has no stored record"}
	}
	return rec, err
}
