package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/scorer"
	bindex "github.com/blevesearch/bleve_index_api"
)

// adjacentQuery matches terms standing at consecutive positions of one
// field: a quoted phrase, which the cjk analyzer turns into a chain of
// overlapping bigrams. It finds what Bleve's PhraseQuery finds but walks the
// terms' postings itself and checks the positions of each candidate
// directly.
//
// It scores a match as a known word's postings do (words.go): each term's
// TF-IDF with the number of times the phrase stands in the field as its
// frequency. Bleve's phrase scores each term's own frequency, so a bigram
// standing elsewhere in the text too (条约 of another treaty) raised the
// phrase's score; and the terms bridged between two others (bridgeable)
// need not be read at all.
//
// One difference: where a chain of bigrams is typed, its characters must
// stand together in the text. The analyzer numbers the bigrams of two runs
// of characters on, across whatever parted them, so Bleve's PhraseQuery
// finds "核验核试" in 核验 验核试 (核验, 验核, 核试 at consecutive positions).
// The bigrams' byte offsets tell the runs apart (chainJoins).
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
			// Opened for its count only; read, it is opened again.
			tfr, err := r.TermFieldReader(ctx, []byte(t), q.field, false, false, false)
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
	// The places of every term but the bridged ones are read: readers
	// were opened without them, as a bridged term needs none, and those
	// of the others are opened again with them. A match's norm is the
	// lead's (one field, one document): the others skip theirs (a square
	// root a posting).
	s.places = make([]*termReader, len(q.terms))
	cjk := m.AnalyzerNameForPath(q.field) == "cjk"
	s.joins = chainJoins(q.terms, cjk)
	bridged := bridgeable(q.terms, cjk, func(i int) uint64 { return byTerm[q.terms[i]].reader.Count() })
	for i, t := range q.terms {
		if bridged[i] {
			continue
		}
		tr := byTerm[t]
		if !tr.places {
			tfr, err := r.TermFieldReader(ctx, []byte(t), q.field, false, false, true)
			if err != nil {
				return nil, fmt.Errorf("phrase searcher: %w", err)
			}
			_ = tr.reader.Close()
			tr.reader, tr.places = tfr, true
		}
		s.places[i] = tr
	}
	// Bleve's conjunction orders its terms rarest first and sums their
	// scores in that order; the same order gives the same scores to the
	// last bit. The rarest term's postings lead the walk.
	sort.Sort(legsByCount(s.legs))
	slices.SortStableFunc(s.readers, func(a, b *termReader) int { return cmp.Compare(a.reader.Count(), b.reader.Count()) })
	for _, l := range s.legs {
		if s.places[l.offset] != nil {
			s.lead = int(l.offset) // the rarest term whose places are read
			break
		}
	}
	if scored && len(q.terms) > 0 {
		lead := s.places[s.lead]
		tfr, err := r.TermFieldReader(ctx, []byte(q.terms[s.lead]), q.field, false, true, true)
		if err != nil {
			return nil, fmt.Errorf("phrase searcher: %w", err)
		}
		_ = lead.reader.Close()
		lead.reader = tfr
	}
	// The index intersects the terms' document sets per segment (roaring
	// bitmaps), so each term's postings then list only documents having
	// them all, as for Bleve's conjunction of term searchers. A bridged
	// term takes part, then is not read: its count is its neighbours'.
	if err := s.intersect(); err != nil {
		return nil, fmt.Errorf("phrase searcher: %w", err)
	}
	for _, tr := range s.readers {
		if !tr.places {
			s.idle = append(s.idle, tr)
		}
	}
	s.readers = slices.DeleteFunc(s.readers, func(tr *termReader) bool { return !tr.places })
	scorers := make([]*scorer.TermQueryScorer, len(s.legs))
	for i, l := range s.legs {
		scorers[i] = l.scorer
	}
	s.scores = newPhraseScore(scorers, options.Explain)
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
	places bool                 // the reader reads the term's places (term vectors)
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
	readers []*termReader // one a distinct term whose places are read, rarest first: the walk's lead
	idle    []*termReader // the bridged terms' (bridgeable), only intersected
	scores  *phraseScore
	// places holds, for each place in the phrase, the reader whose term
	// places are checked there; nil for a bridged term (bridgeable).
	places  []*termReader
	lead    int   // the place of the rarest term whose places are read
	joins   []int // chainJoins of the terms
	explain bool  // build each match's score explanation, as Bleve's conjunction does
	started bool
	done    bool                   // no more matches, or a reader failed: the readers are not to be read again
	target  bindex.IndexInternalID // the document the readers are brought to
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
		if n := s.stands(); n > 0 {
			lead := s.places[s.lead].cur
			dm = s.scores.score(ctx, lead.ID, uint64(n), lead.Norm)
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

// stands counts the places the phrase stands in the readers' current
// document: its terms at consecutive positions of one field value, where
// they are a chain of bigrams standing together in the text.
func (s *adjacentSearcher) stands() int {
	lead := uint64(s.lead)
	n := 0
	for _, v := range s.places[s.lead].cur.Vectors {
		if v.Pos >= lead && s.standsAt(v.Field, v.Pos-lead, v.ArrayPositions) {
			n++
		}
	}
	return n
}

// standsAt reports whether the phrase starts at position start of a field
// value (ap: its element in an array field).
func (s *adjacentSearcher) standsAt(field string, start uint64, ap []uint64) bool {
	var prev *bindex.TermFieldVector // the term before, where its places are read
	for i, tr := range s.places {
		if tr == nil {
			continue // bridged: the terms either side touch (below)
		}
		at := slices.IndexFunc(tr.cur.Vectors, func(v *bindex.TermFieldVector) bool {
			return v.Pos == start+uint64(i) && v.Field == field && slices.Equal(v.ArrayPositions, ap)
		})
		if at < 0 {
			return false
		}
		v := tr.cur.Vectors[at]
		switch {
		case i > 0 && s.places[i-1] == nil:
			if v.Start != prev.End {
				return false
			}
		case i > 0 && s.joins[i] > 0:
			if v.Start+uint64(s.joins[i]) != prev.End {
				return false
			}
		}
		prev = v
	}
	return true
}

// chainJoins tells, for each term of a phrase after the first, how it must
// meet the one before in the text: by the bytes of the character they share
// when both are bigrams of the cjk analyzer chained on it (甲乙, 乙丙: 乙's
// length), else 0, by position only. The analyzer pairs two characters
// exactly when one begins where the other ends; the byte offsets of
// consecutive bigrams overlap by one character within a run of characters
// and not across two runs, which it numbers on as if they were one.
func chainJoins(terms []string, cjk bool) []int {
	joins := make([]int, len(terms))
	if !cjk {
		return joins
	}
	for i := 1; i < len(terms); i++ {
		if isBigramChain(terms[i-1 : i+1]) {
			r, _ := utf8.DecodeRuneInString(terms[i])
			joins[i] = utf8.RuneLen(r)
		}
	}
	return joins
}

func (s *adjacentSearcher) Close() error {
	var first error
	for _, tr := range append(s.readers, s.idle...) {
		if err := tr.reader.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Weight is the sum of the terms' weights, as a conjunction's.
func (s *adjacentSearcher) Weight() float64 { return s.scores.weight() }

func (s *adjacentSearcher) SetQueryNorm(norm float64) { s.scores.setQueryNorm(norm) }

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
	for _, tr := range append(s.readers, s.idle...) {
		n += tr.reader.Size() + tr.buf.Size()
	}
	return n
}

// DocumentMatchPoolSize: scoring holds two matches at once (score).
func (s *adjacentSearcher) DocumentMatchPoolSize() int { return 2 }

// bridgeable picks the terms of a phrase whose places need not be read: a
// bigram of the cjk analyzer (乙丙 in 甲乙丙丁) between two bigrams sharing
// its characters (甲乙, 丙丁). The analyzer makes the bigram of two
// characters exactly when they are adjacent ideographs, the one beginning
// where the other ends (cjk_bigram). So where 甲乙 stands at position p and
// 丙丁 at p+2 of one field value, 乙丙 stands at p+1, in the same run of
// characters, if and only if 甲乙 ends where 丙丁 begins: the byte offsets
// the term vectors carry anyway. A bridged term is still read, for the documents having it
// and its score, but without its places, which are most of a posting:
// field, position, start, end and array positions, decoded and copied for
// every occurrence.
//
// Two bridged terms are never neighbours, and the ends of the phrase are
// never bridged. Among the choices, the one bridging the most frequent
// terms (count: the term at a place's document count) saves the most.
// Only Han characters qualify: other scripts' tokens (kana, Hangul) are
// not cut into bigrams of single runes the same way. Another analyzer than
// cjk bridges nothing.
func bridgeable(terms []string, cjk bool, count func(place int) uint64) []bool {
	n := len(terms)
	bridged := make([]bool, n)
	if !cjk || n < 3 {
		return bridged
	}
	eligible := func(i int) bool {
		return i > 0 && i < n-1 && isBigramChain(terms[i-1:i+2])
	}
	// A weighted independent set on a path: best[i+1] is the most weight
	// bridged among places 1..i. One more than the count, so that more
	// bridges win a tie.
	best := make([]uint64, n+1)
	with := func(i int) uint64 { return best[i-1] + count(i) + 1 } // best[i-1]: places up to i-2
	for i := 1; i < n; i++ {
		best[i+1] = best[i]
		if eligible(i) {
			best[i+1] = max(best[i+1], with(i))
		}
	}
	for i := n - 2; i >= 1; {
		if eligible(i) && best[i+1] == with(i) {
			bridged[i] = true
			i -= 2
		} else {
			i--
		}
	}
	return bridged
}
