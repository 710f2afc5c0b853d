package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/scorer"
	bindex "github.com/blevesearch/bleve_index_api"
)

// adjacentQuery matches terms standing at consecutive positions of one
// field: a quoted phrase, which the cjk analyzer turns into a chain of
// overlapping bigrams. It finds what Bleve's PhraseQuery finds, with the
// same scores (both score the conjunction of the terms), but walks the
// terms' postings itself and checks the positions of each candidate
// directly.
//
// Why: Bleve's phrase searcher builds, for every document having all the
// terms, a map of term locations (DocumentMatch.Complete) and walks phrase
// paths with fresh allocations (findPhrasePaths). On the 100k synthetic
// corpus that was 30% of all search CPU for the query mix. A conjunction of
// term searchers with a position check on its matches, the next step, still
// spent half of a common phrase's time outside the postings: a scored
// DocumentMatch per term and document, the term locations copied into it
// and merged across terms, and the terms compared as strings to tell the
// locations apart again (profile of "全面禁止核试验条约" at 1M, 284,162
// matches; docs/PERFORMANCE.md).
type adjacentQuery struct {
	terms []string
	field string
	boost float64
}

func newAdjacentQuery(terms []string, field string, boost float64) *adjacentQuery {
	return &adjacentQuery{terms: terms, field: field, boost: boost}
}

// Searcher implements query.Query.
func (q *adjacentQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (_ search.Searcher, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err // building searchers for a long query is not free; stop when the request is over
	}
	if ctx.Value(search.FieldTermSynonymMapKey) != nil {
		// Synonyms widen each term in Bleve's own term searchers; these
		// legs read the terms as given. No mapping here defines any.
		pq := query.NewPhraseQuery(q.terms, q.field)
		pq.SetBoost(q.boost)
		return pq.Searcher(ctx, r, m, options)
	}
	docCount, avgLen, err := scoreStats(ctx, r, q.field)
	if err != nil {
		return nil, fmt.Errorf("phrase searcher: %w", err)
	}
	s := &adjacentSearcher{legs: make([]phraseLeg, 0, len(q.terms)), explain: options.Explain, done: len(q.terms) == 0}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()
	scored := options.Score != "none"
	byTerm := map[string]*termReader{}
	for i, t := range q.terms {
		// Counted against Bleve's limit on term searchers, as each of
		// these legs stands for one.
		if err := search.RecordTermSearcher(ctx); err != nil {
			return nil, fmt.Errorf("phrase searcher: %w", err)
		}
		// A term repeated in the phrase (核试验核试验) is read once: its
		// postings are the same for every place it stands.
		tr := byTerm[t]
		if tr == nil {
			tfr, err := r.TermFieldReader(ctx, []byte(t), q.field, scored, scored, true)
			if err != nil {
				return nil, fmt.Errorf("phrase searcher: %w", err)
			}
			tr = &termReader{reader: tfr, buf: &bindex.TermFieldDoc{}}
			byTerm[t] = tr
			s.readers = append(s.readers, tr)
		}
		s.legs = append(s.legs, phraseLeg{
			term:   tr,
			scorer: scorer.NewTermQueryScorer([]byte(t), q.field, q.boost, docCount, tr.reader.Count(), avgLen, options),
			offset: uint64(i),
		})
	}
	// Bleve's conjunction orders its terms rarest first and sums their
	// scores in that order; the same order gives the same scores to the
	// last bit. The rarest term's postings lead the walk.
	sort.Sort(legsByCount(s.legs))
	slices.SortStableFunc(s.readers, func(a, b *termReader) int { return cmp.Compare(a.reader.Count(), b.reader.Count()) })
	// The index intersects the terms' document sets per segment (roaring
	// bitmaps), so each term's postings then list only documents having
	// them all, as for Bleve's conjunction of term searchers.
	if err := s.intersect(); err != nil {
		return nil, fmt.Errorf("phrase searcher: %w", err)
	}
	// As Bleve's phrase searcher does, so a phrase alone scores the same.
	s.SetQueryNorm(1 / math.Sqrt(s.Weight()))
	return s, nil
}

// scoreStats are the index statistics a term scorer needs, found as Bleve's
// term searcher finds them for the scoring model in ctx.
func scoreStats(ctx context.Context, r bindex.IndexReader, field string) (docCount uint64, avgLen float64, err error) {
	model := ""
	if cb, ok := ctx.Value(search.GetScoringModelCallbackKey).(search.GetScoringModelCallbackFn); ok {
		model = cb()
	}
	if model != bindex.BM25Scoring {
		docCount, err = r.DocCount()
		return docCount, 0, err
	}
	var cardinality int
	if st, ok := ctx.Value(search.BM25StatsKey).(*search.BM25Stats); ok {
		docCount = uint64(st.DocCount)
		if cardinality, ok = st.FieldCardinality[field]; !ok {
			return 0, 0, fmt.Errorf("no BM25 statistics for field %s", field)
		}
	} else {
		if docCount, err = r.DocCount(); err != nil {
			return 0, 0, err
		}
		if br, ok := r.(bindex.BM25Reader); ok {
			if cardinality, err = br.FieldCardinality(field); err != nil {
				return 0, 0, err
			}
		}
	}
	if docCount == 0 {
		return 0, 0, nil
	}
	return docCount, math.Ceil(float64(cardinality) / float64(docCount)), nil
}

// phraseLeg is one term of a phrase: where it stands and how it scores.
type phraseLeg struct {
	term   *termReader
	scorer *scorer.TermQueryScorer
	offset uint64 // the term's place in the phrase
}

// termReader reads one term's postings.
type termReader struct {
	reader bindex.TermFieldReader
	cur    *bindex.TermFieldDoc // the document the reader is on; nil when done
	buf    *bindex.TermFieldDoc // reused for every document
}

// legsByCount orders legs as Bleve's OrderedSearcherList orders searchers.
type legsByCount []phraseLeg

func (l legsByCount) Len() int           { return len(l) }
func (l legsByCount) Less(i, j int) bool { return l[i].term.reader.Count() < l[j].term.reader.Count() }
func (l legsByCount) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }

// adjacentSearcher walks the documents having every term of a phrase and
// returns those where the terms stand one after another.
type adjacentSearcher struct {
	legs    []phraseLeg   // rarest term first
	readers []*termReader // one a distinct term, rarest first: the walk's lead
	explain bool          // build each match's score explanation, as Bleve's conjunction does
	started bool
	done    bool                   // no more matches, or a reader failed: the readers are not to be read again
	target  bindex.IndexInternalID // the document the readers are brought to
	starts  []termPos              // the phrase's possible starts in the current document
}

// termPos is one occurrence of a term: its field, its position and, in an
// array field (footnotes), the element it is in.
type termPos struct {
	field string
	pos   uint64
	ap    []uint64
}

// intersect asks the index to narrow every reader's postings to the documents
// having all the terms. Readers that cannot be narrowed are walked whole.
func (s *adjacentSearcher) intersect() error {
	if len(s.readers) < 2 {
		return nil
	}
	var octx bindex.OptimizableContext
	for _, tr := range s.readers {
		o, ok := tr.reader.(bindex.Optimizable)
		if !ok {
			return nil
		}
		var err error
		if octx, err = o.Optimize("conjunction", octx); err != nil {
			return err
		}
		if octx == nil {
			return nil
		}
	}
	_, err := octx.Finish()
	return err
}

func (s *adjacentSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	if !s.started {
		s.started = true
		for i := range s.readers {
			if err := s.step(i); err != nil || s.done {
				return nil, err
			}
		}
	}
	return s.align(ctx)
}

func (s *adjacentSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	s.started = true
	s.target = append(s.target[:0], id...)
	for i := range s.readers {
		// Only readers behind the target move: a reader asked to go
		// back starts its postings over.
		if s.readers[i].cur == nil || s.readers[i].cur.ID.Compare(s.target) < 0 {
			if err := s.advance(i); err != nil || s.done {
				return nil, err
			}
		}
	}
	return s.align(ctx)
}

// step moves reader i to its next document.
func (s *adjacentSearcher) step(i int) error {
	tr := s.readers[i]
	cur, err := tr.reader.Next(tr.buf.Reset())
	return s.land(tr, cur, err)
}

// advance moves reader i to its first document at or after s.target.
func (s *adjacentSearcher) advance(i int) error {
	tr := s.readers[i]
	cur, err := tr.reader.Advance(s.target, tr.buf.Reset())
	return s.land(tr, cur, err)
}

// land puts tr on the document it moved to. A reader at its end or failed
// ends the walk: it is not to be read again.
func (s *adjacentSearcher) land(tr *termReader, cur *bindex.TermFieldDoc, err error) error {
	tr.cur = cur
	s.done = s.done || err != nil || cur == nil
	return err
}

// align brings the readers to their next common document and returns the
// first where the phrase stands, leaving every reader past it.
func (s *adjacentSearcher) align(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for !s.done {
		s.target = append(s.target[:0], s.readers[0].cur.ID...)
		for i := 1; i < len(s.readers); i++ {
			if s.readers[i].cur.ID.Compare(s.target) > 0 {
				s.target = append(s.target[:0], s.readers[i].cur.ID...)
			}
		}
		behind := false
		for i := range s.readers {
			if s.readers[i].cur.ID.Compare(s.target) < 0 {
				behind = true
				if err := s.advance(i); err != nil || s.done {
					return nil, err
				}
			}
		}
		if behind {
			continue // a reader may have gone past the others
		}
		var dm *search.DocumentMatch
		if s.adjacent() {
			dm = s.score(ctx)
		}
		for i := range s.readers {
			if err := s.step(i); err != nil {
				if dm != nil {
					ctx.DocumentMatchPool.Put(dm)
				}
				return nil, err
			}
		}
		if dm != nil {
			return dm, nil
		}
	}
	return nil, nil
}

// adjacent reports whether the legs' current document has the terms at
// consecutive positions of one field value.
func (s *adjacentSearcher) adjacent() bool {
	s.starts = s.starts[:0]
	first := &s.legs[0]
	for _, v := range first.term.cur.Vectors {
		if v.Pos >= first.offset {
			s.starts = append(s.starts, termPos{v.Field, v.Pos - first.offset, v.ArrayPositions})
		}
	}
	for _, l := range s.legs[1:] {
		s.starts = slices.DeleteFunc(s.starts, func(st termPos) bool {
			return !slices.ContainsFunc(l.term.cur.Vectors, func(v *bindex.TermFieldVector) bool {
				return v.Pos == st.pos+l.offset && v.Field == st.field && slices.Equal(v.ArrayPositions, st.ap)
			})
		})
		if len(s.starts) == 0 {
			return false
		}
	}
	return len(s.starts) > 0
}

// score is the match for the legs' current document, scored as Bleve's
// conjunction scores it: the sum of each term's score, rarest first.
func (s *adjacentSearcher) score(ctx *search.SearchContext) *search.DocumentMatch {
	var rv *search.DocumentMatch
	var expls []*search.Explanation
	sum := 0.0
	for i := range s.legs {
		l := &s.legs[i]
		// Without its term vectors the scorer copies no locations: the
		// positions were checked here and nothing downstream reads them
		// (hits are marked from the stored text).
		cur := l.term.cur
		vectors := cur.Vectors
		cur.Vectors = nil
		dm := l.scorer.Score(ctx, cur)
		cur.Vectors = vectors
		sum += dm.Score
		if s.explain {
			expls = append(expls, dm.Expl)
		}
		if rv == nil {
			rv = dm
		} else {
			ctx.DocumentMatchPool.Put(dm)
		}
	}
	rv.Score = sum
	if s.explain {
		rv.Expl = &search.Explanation{Value: sum, Message: "sum of:", Children: expls}
	}
	return rv
}

func (s *adjacentSearcher) Close() error {
	var first error
	for _, tr := range s.readers {
		if err := tr.reader.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Weight is the sum of the terms' weights, as a conjunction's.
func (s *adjacentSearcher) Weight() float64 {
	var w float64
	for _, l := range s.legs {
		w += l.scorer.Weight()
	}
	return w
}

func (s *adjacentSearcher) SetQueryNorm(norm float64) {
	for _, l := range s.legs {
		l.scorer.SetQueryNorm(norm)
	}
}

// Count is the sum of the terms' counts, the worst case Bleve's conjunction
// reports too: the callers' choice of plan (collect's filter drive) was
// measured against it.
func (s *adjacentSearcher) Count() uint64 {
	var n uint64
	for _, l := range s.legs {
		n += l.term.reader.Count()
	}
	return n
}

func (s *adjacentSearcher) Min() int { return 0 }

var adjacentSearcherSize = int(reflect.TypeFor[adjacentSearcher]().Size())

func (s *adjacentSearcher) Size() int {
	n := adjacentSearcherSize
	for _, l := range s.legs {
		n += l.scorer.Size()
	}
	for _, tr := range s.readers {
		n += tr.reader.Size() + tr.buf.Size()
	}
	return n
}

// DocumentMatchPoolSize: scoring holds two matches at once (score).
func (s *adjacentSearcher) DocumentMatchPoolSize() int { return 2 }
