package index

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/report"
)

// snapshot pins the shard's current snapshot and its columns for one search.
func (sh *shard) snapshot(ctx context.Context) (*columns, func(), error) {
	adv, err := sh.bi.Advanced()
	if err != nil {
		return nil, nil, fmt.Errorf("index snapshot: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, nil, fmt.Errorf("index snapshot: %w", err)
	}
	sh.colMu.Lock()
	defer sh.colMu.Unlock()
	if sh.cols != nil && sameSnapshot(sh.cols.reader, r) {
		r.Close()
		sh.colUsers.Add(1)
		return sh.cols, sh.colUsers.Done, nil
	}
	cols, err := buildColumns(ctx, r)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	cols.matches.Store(newMatchCache(sh.matchBudget.Load()))
	cols.records = sh.records
	old := sh.cols
	oldUsers := sh.colUsers
	sh.cols = cols
	sh.colUsers = new(sync.WaitGroup)
	if old != nil {
		go func() { oldUsers.Wait(); old.reader.Close() }()
	}
	sh.colUsers.Add(1)
	return cols, sh.colUsers.Done, nil
}

func sameSnapshot(a, b bindex.IndexReader) bool {
	sa, ok1 := a.(*scorch.IndexSnapshot)
	sb, ok2 := b.(*scorch.IndexSnapshot)
	return ok1 && ok2 && sa == sb
}

// candidate is a hit before its record is loaded.
type candidate struct {
	shard int
	doc   uint64
	id    bindex.IndexInternalID
	score float64
	start int32
	end   int32
	// report and seq order candidates as record ids do, when all else ties
	report string
	seq    int32
	// sectionOnly: matched through the section alone; such candidates
	// rank after every record matched by its own text.
	sectionOnly bool
}

// less orders candidates best first for a sort order.
func less(sortBy string) func(a, b *candidate) bool {
	switch sortBy {
	case SortNewest:
		return func(a, b *candidate) bool {
			if a.start != b.start {
				return a.start > b.start
			}
			if a.end != b.end {
				return a.end > b.end
			}
			return byID(a, b)
		}
	case SortOldest:
		return func(a, b *candidate) bool {
			if a.start != b.start {
				return a.start < b.start
			}
			if a.end != b.end {
				return a.end < b.end
			}
			return byID(a, b)
		}
	}
	return func(a, b *candidate) bool {
		if a.sectionOnly != b.sectionOnly {
			return !a.sectionOnly
		}
		if a.score != b.score {
			return a.score > b.score
		}
		if a.start != b.start {
			return a.start > b.start // newer periods break ties
		}
		return byID(a, b)
	}
}

// byID orders candidates by record id: report id, then position in the
// report. Document numbers would differ between two builds of the same
// reports, and a page fetched after a reload would then repeat or skip hits.
func byID(a, b *candidate) bool {
	if a.report != b.report {
		return a.report < b.report
	}
	return a.seq < b.seq
}

// topK keeps the k best candidates: a heap whose root is the worst kept.
type topK struct {
	k     int
	items []*candidate
	less  func(a, b *candidate) bool
	// probe holds the candidate offered while it is compared: less takes
	// pointers, and a pointer to offer's argument moved every offered
	// candidate to the heap, one allocation per match (17% of the CPU of a
	// common word's search at 1M, 条约: 799,276 matches).
	probe candidate
	// byScore: the relevance order, where most matches of a common word
	// lose on their score alone (beaten).
	byScore bool
}

func (t *topK) Len() int           { return len(t.items) }
func (t *topK) Less(i, j int) bool { return t.less(t.items[j], t.items[i]) }
func (t *topK) Swap(i, j int)      { t.items[i], t.items[j] = t.items[j], t.items[i] }
func (t *topK) Push(x any)         { t.items = append(t.items, x.(*candidate)) }
func (t *topK) Pop() any {
	x := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	return x
}

func (t *topK) offer(c candidate) {
	if t.k == 0 {
		return
	}
	if len(t.items) < t.k {
		cc := c
		cc.id = append(bindex.IndexInternalID(nil), c.id...)
		heap.Push(t, &cc)
		return
	}
	t.probe = c
	if t.less(&t.probe, t.items[0]) {
		worst := t.items[0]
		id := append(worst.id[:0], c.id...)
		*worst = c
		worst.id = id
		heap.Fix(t, 0)
	}
}

// beaten reports whether, in the relevance order, a match with this score
// is worse than every kept candidate, so that its candidate need not be
// built (four column reads and a copy, for most matches of a common word).
// It errs towards false: ties go to offer.
func (t *topK) beaten(score float64, sectionOnly bool) bool {
	if !t.byScore || len(t.items) == 0 || len(t.items) < t.k {
		return false
	}
	worst := t.items[0]
	if sectionOnly != worst.sectionOnly {
		return sectionOnly
	}
	return score < worst.score
}

// sorted returns the kept candidates best first.
func (t *topK) sorted() []*candidate {
	out := make([]*candidate, len(t.items))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(t).(*candidate)
	}
	return out
}

// collection is what one pass over the matches yields.
type collection struct {
	total uint64
	top   []*candidate
	// Facet counts per ordinal. A facet counts the documents that pass
	// every filter but its own: that is what makes the counts disjunctive.
	stateCount, sectionCount, monthCount, reportCount, yearCount []int
	// firstYear and lastYear are the ordinals of the earliest and latest
	// year the matches touch, -1 without matches: they tell how wide a
	// time chart the result needs.
	firstYear, lastYear int
	// rest: a search driven by its filters with a month filter; its walk
	// counted the documents failing only the month filter that touch the
	// years restLo to restHi (lo > hi: none), and collectMonthRest counts
	// those of the result's span outside them.
	rest           bool
	restLo, restHi int
	restWide       bool // the passing records touched more years than that
}

// filterSets are the active filters as ordinal sets of the columns.
type filterSets struct {
	state, section, month, report, year []bool
}

// anyIn reports whether a multi-valued document passes a filter: it has one
// of the selected values, or the filter is not set.
func anyIn(set []bool, ords []uint16) bool {
	if set == nil {
		return true
	}
	for _, o := range ords {
		if set[o] {
			return true
		}
	}
	return false
}

// checkEvery is how many matches pass between looks at the context, so a
// cancelled or timed-out request stops within microseconds.
const checkEvery = 1024

// collect runs q (nil: every document) over the snapshot and gathers the top
// k candidates, the total and the facet counts in one pass. own, if not nil,
// is q without its section matches: it walks alongside q (both visit
// documents in order), asked only about documents of ownSections, the
// sections q can match through, and the matches it lacks are marked
// section-only.
//
// key names q's matches in the snapshot's match cache ("": not cached):
// when they are there, no searcher is built; when they are not and every
// match is walked, they are stored.
func (ix *Index) collect(ctx context.Context, shardNum int, cols *columns, q, own query.Query, key string, ownSections []bool, f filterSets, sortBy string, k int, wantFacets bool) (*collection, error) {
	out, top, tally := newTally(shardNum, cols, f, sortBy, k, wantFacets)
	n := uint64(len(cols.state))

	if q == nil {
		// Every record matches: walk the columns instead of a searcher,
		// only the filters' documents when they are few.
		var id bindex.IndexInternalID
		if d := f.drive(cols, n/driveFactor, wantFacets); d != nil && driveByFilters {
			for i, doc := range d.docs {
				if i%(16*checkEvery) == 0 {
					if err := ctx.Err(); err != nil {
						return nil, err
					}
				}
				id = bindex.NewIndexInternalID(id[:0], uint64(doc))
				tally(uint64(doc), id, 0, false)
			}
			return out.drivenBy(d, top, wantFacets && f.month != nil), nil
		}
		// A document number without a state is a deleted document.
		for doc := uint64(0); doc < n; doc++ {
			if doc%(16*checkEvery) == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			if cols.state[doc] == noValue {
				continue
			}
			id = bindex.NewIndexInternalID(id[:0], doc)
			tally(doc, id, 0, false)
		}
		out.top = top.sorted()
		return out, nil
	}

	scored := sortBy == SortRelevance
	if ml := cols.matches.Load().get(key, scored); ml != nil {
		if memoServes(scored, f, k) && ml.n >= memoMinMatches {
			// The first pages of a common query, unfiltered: its facets and
			// best hits were counted once for the list.
			m, err := ml.unfiltered(func() (*collection, error) {
				out, top, tally := newTally(shardNum, cols, filterSets{}, SortRelevance, memoTop, true)
				if err := tallyList(ctx, ml, true, tally); err != nil {
					return nil, err
				}
				out.top = top.sorted()
				return out, nil
			})
			if err != nil {
				return nil, err
			}
			return m.firstOf(k), nil
		}
		if err := tallyList(ctx, ml, scored, tally); err != nil {
			return nil, err
		}
		out.top = top.sorted()
		return out, nil
	}

	opts := search.SearcherOptions{}
	if !scored {
		opts.Score = "none"
	}
	// Bleve's own search passes the mapping's scoring model this way; a
	// searcher built directly must do the same or fall back to TF-IDF.
	model := ix.scoringModel()
	ctx = context.WithValue(ctx, search.GetScoringModelCallbackKey, search.GetScoringModelCallbackFn(func() string { return model }))
	ctx = withColumns(ctx, cols)
	s, err := q.Searcher(ctx, cols.reader, ix.mapping, opts)
	if err != nil {
		return nil, fmt.Errorf("searcher: %w", err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	var ownAt func(doc uint64) (bool, error) // reports whether own matches doc
	if own != nil {
		ownSearcher, err := own.Searcher(ctx, cols.reader, ix.mapping, search.SearcherOptions{Score: "none"})
		if err != nil {
			return nil, fmt.Errorf("searcher: %w", err)
		}
		defer ownSearcher.Close()
		octx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(ownSearcher.DocumentMatchPoolSize(), 0)}
		next, started, done := uint64(0), false, false
		ownAt = func(doc uint64) (bool, error) {
			if done {
				return false, nil
			}
			if !started || next < doc {
				started = true
				// A fresh ID each time: the searcher may keep it.
				dm, err := ownSearcher.Advance(octx, bindex.NewIndexInternalID(nil, doc))
				if err != nil {
					return false, err
				}
				if dm == nil {
					done = true
					return false, nil
				}
				next = dm.IndexInternalID.Value()
				octx.DocumentMatchPool.Put(dm)
			}
			return next == doc, nil
		}
	}
	var rec *matchRecorder // set when every match is walked
	visit := func(dm *search.DocumentMatch) error {
		// A document added after the columns were read cannot be counted;
		// it cannot happen on a snapshot, which never changes.
		if doc := dm.IndexInternalID.Value(); doc < n {
			sectionOnly := false
			if ownAt != nil && inSet(ownSections, cols.section[doc]) {
				in, err := ownAt(doc)
				if err != nil {
					return fmt.Errorf("searcher: %w", err)
				}
				sectionOnly = !in
			}
			rec.add(doc, dm.Score, scored, sectionOnly)
			tally(doc, dm.IndexInternalID, dm.Score, sectionOnly)
		}
		sctx.DocumentMatchPool.Put(dm)
		return nil
	}
	if d := f.drive(cols, s.Count()/driveFactor, wantFacets); d != nil && driveByFilters {
		// The filters leave few documents: skip the text's searcher from one
		// to the next (Advance) instead of visiting every match of the text.
		// The documents passing every filter make the total and the page,
		// those failing one filter its disjunctive count, in the same walk
		// (the month filter's, outside the years the passing documents
		// touch, in collectMonthRest).
		if err := advanceOver(ctx, s, sctx, d.docs, visit); err != nil {
			return nil, err
		}
		return out.drivenBy(d, top, wantFacets && f.month != nil), nil
	}
	cache := cols.matches.Load()
	rec = cache.recorder(key)
	// Walking an unfiltered query by relevance makes its memo on the way
	// (matchList.memo): the best memoTop hits instead of k.
	memo := rec != nil && wantFacets && memoServes(scored, f, k)
	if memo {
		top.k = memoTop
	}
	if err := nextOver(ctx, s, sctx, visit); err != nil {
		return nil, err
	}
	out.top = top.sorted()
	if !memo {
		cache.put(key, scored, rec, nil)
		return out, nil
	}
	cache.put(key, scored, rec, out)
	return out.firstOf(k), nil
}

// drivenBy completes a collection walked over d's documents: its page from
// top, and whether collectMonthRest has month counts to add (rest).
func (c *collection) drivenBy(d *driven, top *topK, rest bool) *collection {
	c.top = top.sorted()
	c.rest, c.restLo, c.restHi, c.restWide = rest, d.lo, d.hi, d.wide
	return c
}

// memoServes reports whether a request's page can come from a match list's
// memo (matchList.memo): unfiltered, by relevance, within its best hits.
func memoServes(scored bool, f filterSets, k int) bool {
	return scored && f.active() == 0 && k <= memoTop
}

// firstOf is c with only its best k hits, sharing c's counts: c is a memo,
// only read once made.
func (c *collection) firstOf(k int) *collection {
	res := *c
	res.top = c.top[:min(k, len(c.top))]
	return &res
}

// tallyFunc counts one match: the total and the page when it passes every
// filter, each facet when it passes every filter but the facet's own (which
// makes the counts disjunctive).
type tallyFunc func(doc uint64, id bindex.IndexInternalID, score float64, sectionOnly bool)

// newTally returns an empty collection, the top-k heap it fills and the
// function that counts each match into both.
func newTally(shardNum int, cols *columns, f filterSets, sortBy string, k int, wantFacets bool) (*collection, *topK, tallyFunc) {
	out := &collection{firstYear: -1, lastYear: -1}
	if wantFacets {
		out.yearCount = make([]int, len(cols.years))
		out.stateCount = make([]int, len(cols.states))
		out.sectionCount = make([]int, len(cols.sections))
		out.monthCount = make([]int, len(cols.months))
		out.reportCount = make([]int, len(cols.reports))
	}
	top := &topK{k: k, less: less(sortBy), byScore: sortBy != SortNewest && sortBy != SortOldest}
	tally := func(doc uint64, id bindex.IndexInternalID, score float64, sectionOnly bool) {
		st, se, re := cols.state[doc], cols.section[doc], cols.report[doc]
		ms := cols.monthsOf(doc)
		ys := cols.yearsOf(doc)
		ps, pc, pr := inSet(f.state, st), inSet(f.section, se), inSet(f.report, re)
		pm, py := anyIn(f.month, ms), anyIn(f.year, ys)
		if wantFacets {
			if pc && pm && pr && py && st >= 0 {
				out.stateCount[st]++
			}
			if ps && pm && pr && py && se >= 0 {
				out.sectionCount[se]++
			}
			if ps && pc && pr && py {
				for _, m := range ms {
					out.monthCount[m]++
				}
			}
			if ps && pc && pm && py && re >= 0 {
				out.reportCount[re]++
			}
			if ps && pc && pm && pr {
				for _, y := range ys {
					out.yearCount[y]++
				}
			}
		}
		if ps && pc && pm && pr && py {
			out.total++
			if len(ys) > 0 {
				if out.firstYear < 0 || int(ys[0]) < out.firstYear {
					out.firstYear = int(ys[0])
				}
				out.lastYear = max(out.lastYear, int(ys[len(ys)-1]))
			}
			if top.beaten(score, sectionOnly) {
				return
			}
			top.offer(candidate{shard: shardNum, doc: doc, id: id, score: score, start: cols.start[doc], end: cols.end[doc],
				report: cols.reportName(doc), seq: cols.seq[doc], sectionOnly: sectionOnly})
		}
	}
	return out, top, tally
}

// tallyList counts the matches of a cached list; scores only when scored.
func tallyList(ctx context.Context, ml *matchList, scored bool, tally tallyFunc) error {
	var id bindex.IndexInternalID
	return ml.each(func(i int, doc uint64) error {
		if i%(16*checkEvery) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		score := 0.0
		if scored {
			score = ml.score(i)
		}
		id = bindex.NewIndexInternalID(id[:0], doc)
		tally(doc, id, score, ml.isSectionOnly(i))
		return nil
	})
}

// nextOver calls visit for every match of s, in document order, checking
// for cancellation every checkEvery matches.
func nextOver(ctx context.Context, s search.Searcher, sctx *search.SearchContext, visit func(*search.DocumentMatch) error) error {
	for i := 0; ; i++ {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		dm, err := s.Next(sctx)
		if err != nil {
			return fmt.Errorf("searcher: %w", err)
		}
		if dm == nil {
			return nil
		}
		if err := visit(dm); err != nil {
			return err
		}
	}
}

// advanceOver calls visit for each of docs (ascending) that s matches,
// skipping s ahead to each of them.
func advanceOver(ctx context.Context, s search.Searcher, sctx *search.SearchContext, docs []uint32, visit func(*search.DocumentMatch) error) error {
	for i, n := 0, 0; i < len(docs); n++ {
		if n%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		// A fresh ID each time: the searcher may keep it.
		dm, err := s.Advance(sctx, bindex.NewIndexInternalID(nil, uint64(docs[i])))
		if err != nil {
			return fmt.Errorf("searcher: %w", err)
		}
		if dm == nil {
			return nil
		}
		doc := dm.IndexInternalID.Value()
		j := i + sort.Search(len(docs)-i, func(k int) bool { return uint64(docs[i+k]) >= doc })
		if j < len(docs) && uint64(docs[j]) == doc {
			if err := visit(dm); err != nil {
				return err
			}
			j++
		} else {
			sctx.DocumentMatchPool.Put(dm)
		}
		i = j
	}
	return nil
}

// collectMonthRest completes the month facet of a search driven by its
// filters (collection.rest) once the span of the result's years is known
// across shards: its walk visited the documents failing only the month
// filter that touch the years its own passing documents touch, and the
// facet lists the months of the result's span (first to last). The
// documents touching the span but not those years are counted here: none
// when the shard's passing documents cover the span, as they mostly do.
func (ix *Index) collectMonthRest(ctx context.Context, cols *columns, q query.Query, f filterSets, first, last int, out *collection) error {
	if !out.rest || first <= 0 || last-first+1 > MonthFacetMaxYears || out.restLo <= first && last <= out.restHi {
		return nil
	}
	inSpan, visited := yearsBetween(cols, first, last), yearsBetween(cols, out.restLo, out.restHi)
	others, _ := f.driver(cols, fieldMonth)
	var docs []uint32
	for i, doc := range monthCandidates(cols, others, inSpan) {
		if i%(16*checkEvery) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ys := cols.yearsOf(uint64(doc))
		if bits, n := f.failed(cols, doc); n == 1 && bits == 1<<fieldMonth && !touches(visited, ys) {
			docs = append(docs, doc)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	restFallbacks.Add(1)
	if out.restWide {
		wideRestFallbacks.Add(1)
	}
	if q == nil { // every record matches
		for _, doc := range docs {
			for _, m := range cols.monthsOf(uint64(doc)) {
				out.monthCount[m]++
			}
		}
		return nil
	}
	// Whether a document matches is all that counts here: no scores.
	s, err := q.Searcher(withColumns(ctx, cols), cols.reader, ix.mapping, search.SearcherOptions{Score: "none"})
	if err != nil {
		return fmt.Errorf("searcher: %w", err)
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	return advanceOver(ctx, s, sctx, docs, func(dm *search.DocumentMatch) error {
		doc := dm.IndexInternalID.Value()
		for _, m := range cols.monthsOf(doc) {
			out.monthCount[m]++
		}
		sctx.DocumentMatchPool.Put(dm)
		return nil
	})
}

// restFallbacks counts the searches collectMonthRest had to walk again, so
// tests can tell that they cover that path; wideRestFallbacks those of them
// whose passing records touched more years than the month facet shows.
var restFallbacks, wideRestFallbacks atomic.Int64

// yearsBetween marks the ordinals of the years first to last (numbers); nil
// when first > last.
func yearsBetween(cols *columns, first, last int) []bool {
	if first > last {
		return nil
	}
	set := make([]bool, len(cols.years))
	for i, y := range cols.years {
		v, _ := strconv.Atoi(y)
		set[i] = v >= first && v <= last
	}
	return set
}

// touches reports whether a document of years ys has one in the set; never
// without a set.
func touches(set []bool, ys []uint16) bool {
	return set != nil && anyIn(set, ys)
}

// driveByFilters turns driving by the filters on; tests turn it off to
// compare with visiting every match.
var driveByFilters = true

// driveFactor: the filters drive a search when they leave fewer documents
// than the text searcher's estimate of its matches by this much. Skipping
// to a document (Advance) costs a seek in every term's postings, a few
// times a plain step to the next match.
const driveFactor = 4

func (f filterSets) active() int {
	n := 0
	for _, set := range f.byField() {
		if set != nil {
			n++
		}
	}
	return n
}

// Filter fields, as byField orders them.
const (
	fieldState = iota
	fieldSection
	fieldMonth
	fieldReport
	fieldYear
	numFilterFields
)

func (f filterSets) byField() [numFilterFields][]bool {
	return [numFilterFields][]bool{f.state, f.section, f.month, f.report, f.year}
}

// failed returns the filters doc fails as a bit set (1<<field), and how
// many, stopping at two.
func (f filterSets) failed(cols *columns, doc uint32) (bits, n int) {
	if !inSet(f.state, cols.state[doc]) {
		bits, n = bits|1<<fieldState, n+1
	}
	if !inSet(f.section, cols.section[doc]) {
		bits, n = bits|1<<fieldSection, n+1
	}
	if n < 2 && !inSet(f.report, cols.report[doc]) {
		bits, n = bits|1<<fieldReport, n+1
	}
	if n < 2 && !anyIn(f.month, cols.monthsOf(uint64(doc))) {
		bits, n = bits|1<<fieldMonth, n+1
	}
	if n < 2 && !anyIn(f.year, cols.yearsOf(uint64(doc))) {
		bits, n = bits|1<<fieldYear, n+1
	}
	return bits, n
}

// driver returns, ascending, the documents having a selected value of the
// most selective active filter other than except (-1: any), read from the
// columns' per-value document lists: every document passing that filter,
// so a superset of those passing them all (not nil, even when none). ok
// is false when no other filter is active.
func (f filterSets) driver(cols *columns, except int) (docs []uint32, ok bool) {
	best, bestLen := -1, 0
	sets := f.byField()
	for field, set := range sets {
		if set == nil || field == except {
			continue
		}
		lists := cols.valueDocs(field)
		n := 0
		for o, sel := range set {
			if sel {
				n += len(lists[o])
			}
		}
		if best < 0 || n < bestLen {
			best, bestLen = field, n
		}
	}
	if best < 0 {
		return nil, false
	}
	docs = unionDocs(cols.valueDocs(best), sets[best])
	if docs == nil {
		docs = []uint32{} // a filter with no documents here is still a filter
	}
	return docs, true
}

// unionDocs merges the document lists of the selected values, ascending,
// without duplicates (a record has several months and years).
func unionDocs(lists [][]uint32, sel []bool) []uint32 {
	var out []uint32
	n := 0
	for o, s := range sel {
		if s {
			out = append(out, lists[o]...)
			n++
		}
	}
	if n > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}

// driven is the walk of a search driven by its filters (filterSets.drive).
type driven struct {
	// docs, ascending: the live documents passing every filter, and those
	// failing exactly one, the month filter only when touching the years lo
	// to hi (numbers; lo > hi: none): the years the passing ones touch, when
	// they are at most MonthFacetMaxYears.
	docs   []uint32
	lo, hi int
	wide   bool // the passing ones touch more than MonthFacetMaxYears years
}

// drive lists the documents a search visits when its filters drive it, or
// returns nil when they are more than limit or cannot be listed from the
// filters' documents (a lone filter other than the month: every other
// document fails it alone). Those failing one filter make the disjunctive
// counts (withFailing); when they are many, one pass over every match of the
// text is cheaper. (A lone state filter with a common word: the state facet
// still counts every match; BenchmarkSearchClasses/word+state was 20%
// slower driven.) Documents are found from the per-value lists of the most
// selective filter, so the cost follows the filters' documents, not the
// index.
//
// The month facet lists only the months of the result's span of years,
// known once every shard has walked: the documents failing only the month
// filter are visited when they touch the years of the passing documents
// (they mostly cover the span) and those are at most MonthFacetMaxYears
// (else the result's span is seldom narrow enough), and collectMonthRest
// counts any others.
func (f filterSets) drive(cols *columns, limit uint64, withFailing bool) *driven {
	if f.active() == 0 {
		return nil
	}
	sets := f.byField()
	var others [numFilterFields][]uint32 // field → documents passing the most selective other filter
	if withFailing {
		var bound uint64 // on the documents failing one filter, the month aside
		for field, set := range sets {
			if set == nil {
				continue
			}
			d, ok := f.driver(cols, field)
			if !ok && field != fieldMonth {
				return nil
			}
			others[field] = d
			if field != fieldMonth {
				if bound += uint64(len(d)); bound > limit {
					return nil
				}
			}
		}
	}
	cand, _ := f.driver(cols, -1)
	d := &driven{docs: []uint32{}, lo: 1, hi: 0} // no years yet
	loOrd, hiOrd := len(cols.years), -1
	for _, doc := range cand {
		if _, n := f.failed(cols, doc); n == 0 {
			if uint64(len(d.docs)) >= limit {
				return nil
			}
			d.docs = append(d.docs, doc)
			if ys := cols.yearsOf(uint64(doc)); len(ys) > 0 {
				loOrd, hiOrd = min(loOrd, int(ys[0])), max(hiOrd, int(ys[len(ys)-1]))
			}
		}
	}
	if !withFailing {
		return d
	}
	var inSpan []bool
	if f.month != nil && loOrd <= hiOrd {
		lo, _ := strconv.Atoi(cols.years[loOrd])
		hi, _ := strconv.Atoi(cols.years[hiOrd])
		// Wider than the month facet is ever shown for, the years say
		// nothing about the result's span: leave the month-only failures
		// to collectMonthRest, which runs only if that span is narrow.
		if hi-lo+1 <= MonthFacetMaxYears {
			d.lo, d.hi = lo, hi
			inSpan = yearsBetween(cols, lo, hi)
		} else {
			d.wide = true
		}
	}
	passing := len(d.docs)
	for field, set := range sets {
		if set == nil || field == fieldMonth && inSpan == nil {
			continue
		}
		cand := others[field]
		if field == fieldMonth {
			cand = monthCandidates(cols, cand, inSpan)
		}
		for _, doc := range cand {
			bits, n := f.failed(cols, doc)
			if n != 1 || bits != 1<<field {
				continue
			}
			if field == fieldMonth && !touches(inSpan, cols.yearsOf(uint64(doc))) {
				continue
			}
			if uint64(len(d.docs)) >= limit {
				return nil
			}
			d.docs = append(d.docs, doc)
		}
	}
	if len(d.docs) > passing {
		slices.Sort(d.docs)
	}
	return d
}

// monthCandidates are the documents to test for failing only the month
// filter within the years inSpan: those of the most selective other filter
// (others; nil without one, empty when it has no documents) or those of the
// span's years, whichever are fewer, counted before the years' lists are
// merged.
func monthCandidates(cols *columns, others []uint32, inSpan []bool) []uint32 {
	byYear := cols.valueDocs(fieldYear)
	n := 0
	for o, in := range inSpan {
		if in {
			n += len(byYear[o])
		}
	}
	if others != nil && len(others) <= n {
		return others
	}
	return unionDocs(byYear, inSpan)
}

// scoringModel is the mapping's scoring model. TF-IDF, the default, ranks
// the judged query set better here than BM25 (mean nDCG@10 0.962 against
// 0.947; see docs/QUALITY.md), but the choice belongs to mapping.json.
func (ix *Index) scoringModel() string {
	if ix.mapping.ScoringModel != "" {
		return ix.mapping.ScoringModel
	}
	return bindex.DefaultScoringModel
}

// loadRecord reads the record of a document: from the shard's record files
// (recordstore.go), by the report and position the columns give, or from
// Bleve's stored field in a generation built before them.
func loadRecord(cols *columns, id bindex.IndexInternalID) (report.Record, error) {
	if cols.records == nil {
		ext, err := cols.reader.ExternalID(id)
		if err != nil {
			return report.Record{}, err
		}
		return loadStoredRecord(cols.reader, ext)
	}
	doc := id.Value()
	if doc >= uint64(len(cols.report)) || cols.report[doc] == noValue {
		return report.Record{}, ErrNotFound // deleted, or added after the snapshot
	}
	rec, err := cols.records.record(cols.reports[cols.report[doc]], int(cols.seq[doc]))
	if err != nil || !cols.records.mutable {
		return rec, err
	}
	// An index still being added to may have indexed the report again
	// since this snapshot, its rows in another order: the row at the
	// document's place must still be the document's.
	ext, err := cols.reader.ExternalID(id)
	if err != nil {
		return report.Record{}, err
	}
	if ext != rec.ID {
		return report.Record{}, fmt.Errorf("record %s: its report was indexed again while the search ran; search again", ext)
	}
	return rec, nil
}

// loadRecordByID reads the record of the document with id ext.
func loadRecordByID(cols *columns, ext string) (report.Record, error) {
	if cols.records == nil {
		return loadStoredRecord(cols.reader, ext)
	}
	id, err := cols.reader.InternalID(ext)
	if err != nil {
		return report.Record{}, err
	}
	if id == nil {
		return report.Record{}, ErrNotFound
	}
	rec, err := loadRecord(cols, id)
	if err == nil && rec.ID != ext {
		return report.Record{}, &ReadError{Value: fmt.Sprintf("record %s: the record files hold %s in its place", ext, rec.ID)}
	}
	return rec, err
}

// loadStoredRecord reads a record stored in Bleve (recordsVersion 0).
func loadStoredRecord(r bindex.IndexReader, ext string) (report.Record, error) {
	doc, err := r.Document(ext)
	if err != nil {
		return report.Record{}, err
	}
	if doc == nil {
		return report.Record{}, ErrNotFound
	}
	var (
		rec   report.Record
		found bool
	)
	doc.VisitFields(func(f bindex.Field) {
		if f.Name() == "record" && !found {
			found = true
			rec, err = decodeRecord(f.Value())
		}
	})
	if !found {
		return report.Record{}, &ReadError{Value: "document " + ext + " has no stored record"}
	}
	return rec, err
}
