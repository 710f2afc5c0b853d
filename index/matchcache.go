package index

import (
	"container/list"
	"encoding/binary"
	"math"
	"slices"
	"sync"
)

// The match cache keeps, per shard snapshot, the documents a query's text
// matches and their scores. What a search costs is Bleve's walk of every
// match of the text (at a million records a common word matches hundreds of
// thousands; docs/PERFORMANCE.md), and what readers do after typing a query
// is narrow it: a state, a section, a month, the next page, another sort.
// Every one of those requests has the same text, so its matches come from
// the cache and only the filters, facets and the page are made again — a
// few nanoseconds per match instead of Bleve's searchers. The most common
// words are both the most expensive and the most often typed, so they are
// also the ones that stay cached.
//
// A snapshot never changes, so entries never go stale: they belong to the
// columns of one snapshot and go with them. The cache is bounded in bytes
// and evicts the least recently used entry.

// DefaultMatchCacheBytes bounds the match cache of an index, over all its
// shards. An entry costs about 3 bytes per matching record (matchList), so
// this holds some 20 million matches: enough for the 49 texts of the
// benchmark's scale mix at a million records (docs/PERFORMANCE.md).
const DefaultMatchCacheBytes = 64 << 20

// matchEntryShare: one entry may take at most this share of a shard's
// budget, so a single match-everything query cannot flush the rest.
const matchEntryShare = 4

// matchList is the matches of a query's text on one snapshot, ascending by
// document number, stored compactly: a common word's list at a million
// records is hundreds of thousands of matches, and the more lists the
// budget holds, the fewer walks are made again. Document numbers are kept
// as gaps (one byte each, mostly) and scores as indexes into the distinct
// scores of the list (TF-IDF gives a few thousand): about 3 bytes a match
// instead of 12.
type matchList struct {
	n    int
	gaps []byte // uvarint gap from the previous document number (from 0 for the first)
	// Scores by position, when the walk was scored: scoreOf indexes
	// scoreValues, or, with more distinct scores than a uint16 tells apart,
	// scores holds them all. Both nil when unscored.
	scoreOf     []uint16
	scoreValues []float64
	scores      []float64
	// sectionOnly marks, by position, matches through the section alone
	// (plan.own); nil when there are none.
	sectionOnly []uint64

	// The query without filters, by relevance, as first asked for: its
	// facet counts and its memoTop best hits (unfiltered). Counting a
	// list of hundreds of thousands of matches took 15 ms at a million
	// records, for every first page of a common query.
	memoMu sync.Mutex
	memo   *collection
}

// A list of memoMinMatches or more keeps the counts and best hits of its
// unfiltered query (matchList.memo), the first memoTop of them: 50 pages of
// 20. Shorter lists are counted again in well under a millisecond.
var memoMinMatches = 4096

const memoTop = 1000

// memoBytes is what a memo costs: its candidates and facet counts.
const memoBytes = memoTop*96 + 16<<10

func (m *matchList) bytes() int64 {
	b := int64(len(m.gaps) + 2*len(m.scoreOf) + 8*len(m.scoreValues) + 8*len(m.scores) + 8*len(m.sectionOnly) + 128)
	if m.n >= memoMinMatches {
		b += memoBytes
	}
	return b
}

// score is the score of the i-th match of a scored list.
func (m *matchList) score(i int) float64 {
	if m.scores != nil {
		return m.scores[i]
	}
	return m.scoreValues[m.scoreOf[i]]
}

// unfiltered returns the memo, making it with count the first time. A
// failed count (a cancelled request) leaves it to the next request.
func (m *matchList) unfiltered(count func() (*collection, error)) (*collection, error) {
	m.memoMu.Lock()
	defer m.memoMu.Unlock()
	if m.memo == nil {
		c, err := count()
		if err != nil {
			return nil, err
		}
		m.memo = c
	}
	return m.memo, nil
}

// entryBytes is what an entry costs: its list and its key.
func entryBytes(key string, l *matchList) int64 { return l.bytes() + int64(len(key)) }

// isSectionOnly reports whether the i-th match is section-only. The bit set
// ends with the last section-only match.
func (m *matchList) isSectionOnly(i int) bool {
	w := i / 64
	return w < len(m.sectionOnly) && m.sectionOnly[w]&(1<<(i%64)) != 0
}

// rawMatches is a walk's matches as recorded, before compact.
type rawMatches struct {
	docs        []uint32
	scores      []float64 // nil when unscored
	sectionOnly []uint64
}

func (r *rawMatches) bytes() int64 {
	return int64(4*cap(r.docs) + 8*cap(r.scores) + 8*cap(r.sectionOnly))
}

// compact stores raw matches as a matchList.
func compact(r *rawMatches) *matchList {
	l := &matchList{n: len(r.docs), sectionOnly: slices.Clone(r.sectionOnly)}
	l.gaps = make([]byte, 0, len(r.docs)+len(r.docs)/4)
	prev := uint32(0)
	for _, d := range r.docs {
		l.gaps = binary.AppendUvarint(l.gaps, uint64(d-prev))
		prev = d
	}
	l.gaps = slices.Clip(l.gaps)
	if r.scores == nil {
		return l
	}
	index := map[float64]uint16{}
	l.scoreOf = make([]uint16, len(r.scores))
	for i, s := range r.scores {
		x, ok := index[s]
		if !ok {
			if len(l.scoreValues) > math.MaxUint16 {
				// Too many distinct scores to index: keep them as they are.
				l.scoreOf, l.scoreValues, l.scores = nil, nil, slices.Clone(r.scores)
				return l
			}
			x = uint16(len(l.scoreValues))
			index[s] = x
			l.scoreValues = append(l.scoreValues, s)
		}
		l.scoreOf[i] = x
	}
	l.scoreValues = slices.Clip(l.scoreValues)
	return l
}

// each calls fn for every match in order, stopping at its first error.
func (m *matchList) each(fn func(i int, doc uint64) error) error {
	doc, at := uint64(0), 0
	for i := range m.n {
		gap, k := binary.Uvarint(m.gaps[at:])
		at += k
		doc += gap
		if err := fn(i, doc); err != nil {
			return err
		}
	}
	return nil
}

// matchRecorder gathers a walk's matches for the cache, giving up once
// they take more than limit bytes. That memory is outside the cache's
// budget, once per search walking an uncached query: at most a quarter of
// a shard's budget, twice over while the slices grow.
type matchRecorder struct {
	raw   rawMatches
	limit int64
	over  bool
}

func (r *matchRecorder) add(doc uint64, score float64, scored, sectionOnly bool) {
	if r == nil || r.over {
		return
	}
	i := len(r.raw.docs)
	r.raw.docs = append(r.raw.docs, uint32(doc)) // document numbers of a snapshot fit: the columns index them as uint32 too
	if scored {
		r.raw.scores = append(r.raw.scores, score)
	}
	if sectionOnly {
		for len(r.raw.sectionOnly) <= i/64 {
			r.raw.sectionOnly = append(r.raw.sectionOnly, 0)
		}
		r.raw.sectionOnly[i/64] |= 1 << (i % 64)
	}
	if i%4096 == 0 && r.raw.bytes() > r.limit {
		r.over = true
		r.raw = rawMatches{}
	}
}

// matchCache is an LRU of match lists by key, bounded in bytes.
type matchCache struct {
	mu      sync.Mutex
	budget  int64
	used    int64
	order   *list.List // of *matchEntry, most recently used first
	entries map[string]*list.Element
}

type matchEntry struct {
	key  string
	list *matchList
}

func newMatchCache(budget int64) *matchCache {
	if budget <= 0 {
		return nil
	}
	return &matchCache{budget: budget, order: list.New(), entries: map[string]*list.Element{}}
}

// matchKey names a query's matches: the plan's key, and whether they carry
// scores.
func matchKey(planKey string, scored bool) string {
	if scored {
		return "s\x00" + planKey
	}
	return "u\x00" + planKey
}

// get returns the cached matches of planKey, scored if scored is set (a
// scored list also serves an unscored request), or nil.
func (c *matchCache) get(planKey string, scored bool) *matchList {
	if c == nil || planKey == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := []string{matchKey(planKey, true)}
	if !scored {
		keys = append(keys, matchKey(planKey, false))
	}
	for _, k := range keys {
		if e, ok := c.entries[k]; ok {
			c.order.MoveToFront(e)
			return e.Value.(*matchEntry).list
		}
	}
	return nil
}

// recorder returns a recorder for a walk whose matches may be cached, or
// nil when nothing is to be recorded.
func (c *matchCache) recorder(planKey string) *matchRecorder {
	if c == nil || planKey == "" {
		return nil
	}
	return &matchRecorder{limit: c.budget / matchEntryShare}
}

// put stores what r recorded for planKey, evicting the least recently used
// entries to stay within the budget. memo, if not nil, is the unfiltered
// query's counts and best hits by relevance, counted on the way.
func (c *matchCache) put(planKey string, scored bool, r *matchRecorder, memo *collection) {
	if c == nil || r == nil || r.over {
		return
	}
	l := compact(&r.raw)
	if l.bytes() > c.budget/matchEntryShare {
		return
	}
	if l.n >= memoMinMatches {
		l.memo = memo
	}
	key := matchKey(planKey, scored)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(key)
	if scored {
		c.remove(matchKey(planKey, false)) // the scored list serves unscored requests too
	}
	size := entryBytes(key, l)
	for c.used+size > c.budget && c.order.Len() > 0 {
		c.remove(c.order.Back().Value.(*matchEntry).key)
	}
	c.entries[key] = c.order.PushFront(&matchEntry{key: key, list: l})
	c.used += size
}

// remove drops the entry of key, if any; c.mu is held.
func (c *matchCache) remove(key string) {
	if e, ok := c.entries[key]; ok {
		c.used -= entryBytes(key, e.Value.(*matchEntry).list)
		c.order.Remove(e)
		delete(c.entries, key)
	}
}
