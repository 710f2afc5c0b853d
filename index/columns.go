package index

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2/numeric"
	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/report"
)

// columns hold, for every document number of one index snapshot, the values
// that filters, facets and date sorting need, as small integers in memory.
//
// Why: Bleve counts a terms facet by visiting each hit's doc values, which is
// what makes a faceted search over many hits slow (the notes measured 20 ms
// for a common word at 1M records, 255 ms with three facets). With the values
// in arrays, one pass over the matches of the text query yields the page of
// hits, the total and every facet's disjunctive counts at once, for a few
// nanoseconds per hit.
type columns struct {
	reader bindex.IndexReader // the snapshot the columns describe

	states, sections, months, reports []string // value of each ordinal, sorted
	years                             []string // "YYYY", sorted: every calendar year a record's period touches

	state, section, report []int32  // per document: ordinal, -1 when absent
	monthOff               []uint32 // months of doc d: monthOrd[monthOff[d]:monthOff[d+1]]
	monthOrd               []uint16
	start, end             []int32  // days since 1970-01-01
	seq                    []int32  // position of the record in its report (the tie-breaker, see seqTerm)
	yearOff                []uint32 // years of doc d: yearOrd[yearOff[d]:yearOff[d+1]], ascending
	yearOrd                []uint16

	docsOnce [numFilterFields]sync.Once
	docs     [numFilterFields][][]uint32 // filter field → value ordinal → its documents, ascending (valueDocs)

	charMu sync.Mutex
	chars  map[string]*charTermIndex // text field → its characters' terms, built on first use (chars.go)

	matches atomic.Pointer[matchCache] // queries' matches on this snapshot (matchcache.go); nil: none kept

	records *recordStore // the shard's records; nil when Bleve stores them (loadRecord)
}

const noValue = -1

// buildColumns reads the keyword fields' postings: a few seconds at a
// million records, paid once per snapshot (once per served index).
func buildColumns(ctx context.Context, r bindex.IndexReader) (*columns, error) {
	n, err := maxDocNum(ctx, r)
	if err != nil {
		return nil, err
	}
	c := &columns{reader: r}
	single := func(field string) ([]string, []int32, error) {
		col := make([]int32, n)
		for i := range col {
			col[i] = noValue
		}
		var vals []string
		err := eachPosting(ctx, r, field, func(term string) { vals = append(vals, term) }, func(doc uint64) {
			if doc < uint64(n) {
				col[doc] = int32(len(vals) - 1)
			}
		})
		return vals, col, err
	}
	if c.states, c.state, err = single("state"); err != nil {
		return nil, err
	}
	if c.sections, c.section, err = single("section"); err != nil {
		return nil, err
	}
	if c.reports, c.report, err = single("report"); err != nil {
		return nil, err
	}

	// Months are multi-valued: gather (doc, month) pairs, then lay them out
	// per document with a counting sort.
	var pairs [][2]uint32
	err = eachPosting(ctx, r, "months", func(term string) { c.months = append(c.months, term) }, func(doc uint64) {
		if doc < uint64(n) {
			pairs = append(pairs, [2]uint32{uint32(doc), uint32(len(c.months) - 1)})
		}
	})
	if err != nil {
		return nil, err
	}
	if len(c.months) > 1<<16 {
		return nil, fmt.Errorf("index columns: %d distinct months", len(c.months))
	}
	c.monthOff = make([]uint32, n+1)
	for _, p := range pairs {
		c.monthOff[p[0]+1]++
	}
	for i := 1; i <= n; i++ {
		c.monthOff[i] += c.monthOff[i-1]
	}
	c.monthOrd = make([]uint16, len(pairs))
	fill := make([]uint32, n)
	for _, p := range pairs {
		c.monthOrd[c.monthOff[p[0]]+fill[p[0]]] = uint16(p[1])
		fill[p[0]]++
	}

	if c.seq, err = seqColumn(ctx, r, n); err != nil {
		return nil, err
	}
	if c.start, err = dateColumn(ctx, r, "start", n); err != nil {
		return nil, err
	}
	if c.end, err = dateColumn(ctx, r, "end", n); err != nil {
		return nil, err
	}
	c.buildYears(n)
	return c, nil
}

// buildYears derives each document's calendar years from its months, or
// from its start and end dates when it has none, so that a record whose
// period runs from 2006 into 2007 counts in both years. Deriving them here
// costs one pass over the month column and needs no field in the index, so
// indexes built before the year facet existed get it too.
func (c *columns) buildYears(n int) {
	var years []int
	monthYear := make([]int, len(c.months)) // month ordinal → year
	for i, m := range c.months {
		y, err := strconv.Atoi(m[:min(4, len(m))])
		if err != nil {
			y = -1
		}
		monthYear[i] = y
		years = append(years, y)
	}
	for d := range n {
		if c.monthOff[d] == c.monthOff[d+1] && c.state[d] != noValue && (c.start[d] != 0 || c.end[d] != 0) {
			for y := dayYear(c.start[d]); y <= dayYear(c.end[d]) && y < dayYear(c.start[d])+maxRecordYears; y++ {
				years = append(years, y)
			}
		}
	}
	slices.Sort(years)
	years = slices.Compact(years)
	years = slices.DeleteFunc(years, func(y int) bool { return y < 0 })
	ord := make(map[int]uint16, len(years))
	c.years = make([]string, len(years))
	for i, y := range years {
		c.years[i] = fmt.Sprintf("%04d", y)
		ord[y] = uint16(i)
	}
	c.yearOff = make([]uint32, n+1)
	c.yearOrd = make([]uint16, 0, n)
	for d := range n {
		c.yearOff[d] = uint32(len(c.yearOrd))
		first := len(c.yearOrd)
		add := func(y int) {
			if o, ok := ord[y]; ok && (len(c.yearOrd) == first || c.yearOrd[len(c.yearOrd)-1] != o) {
				c.yearOrd = append(c.yearOrd, o)
			}
		}
		ms := c.monthOrd[c.monthOff[d]:c.monthOff[d+1]]
		if len(ms) > 0 {
			for _, m := range ms { // ascending, so equal years are adjacent
				add(monthYear[m])
			}
		} else if c.state[d] != noValue && (c.start[d] != 0 || c.end[d] != 0) {
			for y := dayYear(c.start[d]); y <= dayYear(c.end[d]) && y < dayYear(c.start[d])+maxRecordYears; y++ {
				add(y)
			}
		}
	}
	c.yearOff[n] = uint32(len(c.yearOrd))
}

// maxRecordYears bounds the years one record counts in when they come from
// its dates: a period is a year or two, and a typo in a date must not make
// one record span millennia.
const maxRecordYears = 50

// dayYear is the calendar year of a day counted from 1970-01-01.
func dayYear(days int32) int {
	return time.Unix(int64(days)*secondsPerDay, 0).UTC().Year()
}

// maxDocNum is one more than the highest document number in the snapshot.
func maxDocNum(ctx context.Context, r bindex.IndexReader) (int, error) {
	dr, err := r.DocIDReaderAll()
	if err != nil {
		return 0, fmt.Errorf("index columns: %w", err)
	}
	defer dr.Close()
	max := 0
	for {
		id, err := dr.Next()
		if err != nil {
			return 0, fmt.Errorf("index columns: %w", err)
		}
		if id == nil {
			return max, nil
		}
		if v := int(id.Value()) + 1; v > max {
			max = v
		}
	}
}

// eachPosting calls term for each term of field in order, then doc for each
// document that has it.
func eachPosting(ctx context.Context, r bindex.IndexReader, field string, term func(string), doc func(uint64)) error {
	dict, err := r.FieldDict(field)
	if err != nil {
		return fmt.Errorf("index columns: %s: %w", field, err)
	}
	defer dict.Close() // an unclosed dictionary blocks Close of the index
	for {
		e, err := dict.Next()
		if err != nil {
			return fmt.Errorf("index columns: %s: %w", field, err)
		}
		if e == nil {
			return nil
		}
		if !acceptTerm(field, e.Term) {
			continue
		}
		term(e.Term)
		tfr, err := r.TermFieldReader(ctx, []byte(e.Term), field, false, false, false)
		if err != nil {
			return fmt.Errorf("index columns: %s: %w", field, err)
		}
		for {
			d, err := tfr.Next(nil)
			if err != nil {
				tfr.Close()
				return fmt.Errorf("index columns: %s: %w", field, err)
			}
			if d == nil {
				break
			}
			doc(d.ID.Value())
		}
		tfr.Close()
	}
}

// Record dates are keyword terms, "YYYY-MM-DD" (dateTerm): one term a
// date, read only to build the date columns. Indexes built before held
// them as Bleve datetimes, sixteen prefix terms a date for range queries
// that no search makes: 12% of a 1M-record index (14.4 of the 122.8 MB of
// its largest segment) and 32 of every record's postings. Those indexes
// are still read: their shift-0 term carries the exact value.

// dateTerm is the term a record's date (report.DateLayout) is indexed as.
func dateTerm(date string) (string, error) {
	t, err := time.Parse(report.DateLayout, date)
	if err != nil {
		return "", err
	}
	return t.Format(report.DateLayout), nil
}

// termDays is the day, counted from 1970-01-01, a term of a date field
// names; ok is false for a datetime's lower-precision terms and for
// anything else.
func termDays(term string) (days int32, ok bool) {
	if t, err := time.Parse(report.DateLayout, term); err == nil {
		return int32(t.Unix() / secondsPerDay), true
	}
	pc := numeric.PrefixCoded(term)
	if shift, err := pc.Shift(); err != nil || shift != 0 {
		return 0, false
	}
	v, err := pc.Int64()
	if err != nil {
		return 0, false
	}
	return int32(v / (secondsPerDay * 1e9)), true
}

const secondsPerDay = 24 * 60 * 60

// acceptTerm skips the terms of a date field that name no day.
func acceptTerm(field, term string) bool {
	if field != "start" && field != "end" {
		return true
	}
	_, ok := termDays(term)
	return ok
}

func dateColumn(ctx context.Context, r bindex.IndexReader, field string, n int) ([]int32, error) {
	col := make([]int32, n)
	var cur int32
	err := eachPosting(ctx, r, field, func(term string) {
		cur, _ = termDays(term) // acceptTerm let only days through
	}, func(doc uint64) {
		if doc < uint64(n) {
			col[doc] = cur
		}
	})
	return col, err
}

// reportName is the report id of document doc, "" when it has none.
func (c *columns) reportName(doc uint64) string {
	if o := c.report[doc]; o != noValue {
		return c.reports[o]
	}
	return ""
}

// seqColumn reads each record's position in its report. There are only as
// many terms as the longest report has rows, so this costs one posting walk
// however large the index.
func seqColumn(ctx context.Context, r bindex.IndexReader, n int) ([]int32, error) {
	col := make([]int32, n)
	var cur int32
	err := eachPosting(ctx, r, "seq", func(term string) {
		v, err := strconv.ParseInt(term, 10, 32)
		if err != nil {
			v = 0 // not written by seqTerm: sorts first, still deterministically
		}
		cur = int32(v)
	}, func(doc uint64) {
		if doc < uint64(n) {
			col[doc] = cur
		}
	})
	return col, err
}

// valueSet marks the ordinals of a column's values that a filter selects.
// nil means no filter; values no document has are dropped (they can match
// nothing, and the filter then matches nothing).
func valueSet(vals []string, want []string) []bool {
	if len(want) == 0 {
		return nil
	}
	set := make([]bool, len(vals))
	for _, w := range want {
		i := sort.SearchStrings(vals, w)
		if i < len(vals) && vals[i] == w {
			set[i] = true
		}
	}
	return set
}

// monthsOf is a document's month ordinals, ascending.
func (c *columns) monthsOf(doc uint64) []uint16 { return c.monthOrd[c.monthOff[doc]:c.monthOff[doc+1]] }

// yearsOf is a document's year ordinals, ascending.
func (c *columns) yearsOf(doc uint64) []uint16 { return c.yearOrd[c.yearOff[doc]:c.yearOff[doc+1]] }

func inSet(set []bool, ord int32) bool {
	return set == nil || (ord >= 0 && set[ord])
}

// valueDocs returns, for a filter field, each value's documents in
// ascending order: the postings of the field, from the columns. Built on
// first use, once per snapshot (a counting pass over the column; 4 bytes per
// document and value), so a filtered search can list the documents of a
// selective filter instead of testing every document of the index.
func (c *columns) valueDocs(field int) [][]uint32 {
	c.docsOnce[field].Do(func() {
		single := func(vals []string, col []int32) [][]uint32 {
			out := make([][]uint32, len(vals))
			for doc, o := range col {
				if o != noValue {
					out[o] = append(out[o], uint32(doc))
				}
			}
			return out
		}
		multi := func(vals []string, off []uint32, ord []uint16) [][]uint32 {
			out := make([][]uint32, len(vals))
			for doc := 0; doc+1 < len(off); doc++ {
				if c.state[doc] == noValue {
					continue // deleted
				}
				for _, o := range ord[off[doc]:off[doc+1]] {
					out[o] = append(out[o], uint32(doc))
				}
			}
			return out
		}
		switch field {
		case fieldState:
			c.docs[field] = single(c.states, c.state)
		case fieldSection:
			c.docs[field] = single(c.sections, c.section)
		case fieldReport:
			c.docs[field] = single(c.reports, c.report)
		case fieldMonth:
			c.docs[field] = multi(c.months, c.monthOff, c.monthOrd)
		case fieldYear:
			c.docs[field] = multi(c.years, c.yearOff, c.yearOrd)
		}
	})
	return c.docs[field]
}
