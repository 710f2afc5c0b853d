package index

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// adjacentQuery matches terms standing at consecutive positions of one
// field: a quoted phrase, which the cjk analyzer turns into a chain of
// overlapping bigrams. It finds what Bleve's PhraseQuery finds, with the
// same scores (both score the conjunction of the terms), but checks the
// positions of each candidate directly.
//
// Why: Bleve's phrase searcher builds, for every document having all the
// terms, a map of term locations (DocumentMatch.Complete) and walks phrase
// paths with fresh allocations (findPhrasePaths). On the 100k synthetic
// corpus that was 30% of all search CPU for the query mix, more than reading
// the positions themselves; the phrase class was the slowest at every size
// (docs/PERFORMANCE.md). Here the check is a scan of the candidate's term
// locations, in buffers reused from document to document.
type adjacentQuery struct {
	terms []string
	field string
	boost float64
}

func newAdjacentQuery(terms []string, field string, boost float64) *adjacentQuery {
	return &adjacentQuery{terms: terms, field: field, boost: boost}
}

// Searcher implements query.Query.
func (q *adjacentQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // building searchers for a long query is not free; stop when the request is over
	}
	options.IncludeTermVectors = true
	subs := make([]search.Searcher, 0, len(q.terms))
	closeAll := func() {
		for _, s := range subs {
			_ = s.Close()
		}
	}
	for _, t := range q.terms {
		ts, err := searcher.NewTermSearcher(ctx, r, t, q.field, q.boost, options)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("phrase searcher: %w", err)
		}
		subs = append(subs, ts)
	}
	conj, err := searcher.NewConjunctionSearcher(ctx, r, subs, options)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("phrase searcher: %w", err)
	}
	// As Bleve's phrase searcher does, so a phrase alone scores the same.
	conj.SetQueryNorm(1 / math.Sqrt(conj.Weight()))
	return &adjacentSearcher{Searcher: conj, terms: q.terms, at: make([][]termPos, len(q.terms))}, nil
}

// termPos is one occurrence of a term: its position and, in an array field
// (footnotes), the element it is in.
type termPos struct {
	pos uint64
	ap  search.ArrayPositions
}

// adjacentSearcher filters the conjunction's matches to those where the
// terms stand one after another.
type adjacentSearcher struct {
	search.Searcher // the conjunction of the terms, with term vectors
	terms           []string
	at              [][]termPos // per term of the phrase, its occurrences in the current document
}

func (s *adjacentSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	for {
		dm, err := s.Searcher.Next(ctx)
		if dm == nil || err != nil {
			return nil, err
		}
		if s.adjacent(dm) {
			return dm, nil
		}
		ctx.DocumentMatchPool.Put(dm)
	}
}

func (s *adjacentSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Advance(ctx, id)
	if dm == nil || err != nil {
		return nil, err
	}
	if s.adjacent(dm) {
		return dm, nil
	}
	ctx.DocumentMatchPool.Put(dm)
	return s.Next(ctx)
}

func (s *adjacentSearcher) DocumentMatchPoolSize() int { return s.Searcher.DocumentMatchPoolSize() + 1 }

// adjacent reports whether the document has the terms at consecutive
// positions of one field value. The term locations are dropped afterwards:
// nothing downstream reads them (hits are marked from the stored text).
func (s *adjacentSearcher) adjacent(dm *search.DocumentMatch) bool {
	for i := range s.at {
		s.at[i] = s.at[i][:0]
	}
	for _, ftl := range dm.FieldTermLocations {
		for i, t := range s.terms {
			if t == ftl.Term {
				s.at[i] = append(s.at[i], termPos{ftl.Location.Pos, ftl.Location.ArrayPositions})
			}
		}
	}
	dm.FieldTermLocations = dm.FieldTermLocations[:0]
	for _, first := range s.at[0] {
		found := true
		for i := 1; i < len(s.at) && found; i++ {
			found = slices.ContainsFunc(s.at[i], func(p termPos) bool {
				return p.pos == first.pos+uint64(i) && slices.Equal(p.ap, first.ap)
			})
		}
		if found {
			return true
		}
	}
	return false
}
