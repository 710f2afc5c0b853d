package index

import (
	"context"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Bleve's BooleanSearcher (v2.6.3) advances its should clauses to every
// document it is asked for, even when they already stand past it. Its
// disjunction searchers, asked to advance to a document behind them, step
// past the one they stand on, so that match's ranking score is lost: a
// search driven by its filters (collect's advanceOver) scored 227 of 877
// records of a lone-character query lower than walking every match did
// (TestFilterDrivenSearchIsExact). forwardOnly guards the should clauses:
// asked for a document at or before the one it stands on, it answers that
// one again.

// forwardOnlyQuery wraps a query whose searcher must never be moved back.
type forwardOnlyQuery struct{ query.Query }

// Searcher implements query.Query.
func (q forwardOnlyQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	s, err := q.Query.Searcher(ctx, r, m, options)
	if err != nil {
		return nil, err
	}
	if _, none := s.(*searcher.MatchNoneSearcher); none {
		return s, nil // BooleanQuery drops a clause matching nothing; keep that visible
	}
	return &forwardOnlySearcher{Searcher: s, extras: options.Explain || options.IncludeTermVectors}, nil
}

type forwardOnlySearcher struct {
	search.Searcher
	// at is the document last returned and what a replay must carry, kept
	// apart from the DocumentMatch, which the caller may have put back into
	// its pool.
	at    bindex.IndexInternalID
	score float64
	expl  *search.Explanation
	locs  []search.FieldTermLocation
	done  bool
	// extras: explanations or term locations were asked for, so a replay
	// must carry them; searches here ask for neither, and copying each
	// match's locations would tax every ranked search.
	extras bool
}

func (s *forwardOnlySearcher) keep(dm *search.DocumentMatch) *search.DocumentMatch {
	if dm == nil {
		s.done = true
		return nil
	}
	s.at = append(s.at[:0], dm.IndexInternalID...)
	s.score = dm.Score
	if s.extras {
		s.expl = dm.Expl
		s.locs = append(s.locs[:0], dm.FieldTermLocations...)
	}
	return dm
}

func (s *forwardOnlySearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	dm, err := s.Searcher.Next(ctx)
	if err != nil {
		return nil, err
	}
	return s.keep(dm), nil
}

func (s *forwardOnlySearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	if s.at != nil && s.at.Compare(id) >= 0 {
		dm := ctx.DocumentMatchPool.Get()
		dm.IndexInternalID = append(dm.IndexInternalID[:0], s.at...)
		dm.Score, dm.Expl = s.score, s.expl
		dm.FieldTermLocations = append(dm.FieldTermLocations[:0], s.locs...)
		return dm, nil
	}
	dm, err := s.Searcher.Advance(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.keep(dm), nil
}
