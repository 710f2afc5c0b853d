package index

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// charQuery matches a single Chinese character in a text field: any term
// that is the character, or a bigram (or three-character token) with it
// where the regular expression .?X.? would have it. Inside a run of
// ideographs the cjk analyzer indexes only bigrams, so the character is the
// set of bigrams that contain it.
//
// Why not Bleve's RegexpQuery: each regular expression is compiled into a
// UTF-8 automaton and run over the whole term dictionary, per field, per
// shard, per request — about 1 ms each; a pasted line of 128 single
// characters (web's TestPathologicalQueries) spent 135 ms in it before any
// document was read, and 44 such requests at once took seconds, beyond any
// request timeout, since building searchers cannot be interrupted. Here the
// terms of every character of a field are listed once per index snapshot
// (charTerms) and shared by all requests.
type charQuery struct {
	char  rune
	field string
	boost float64
}

// Searcher implements query.Query.
func (q *charQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (search.Searcher, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // a long query builds many searchers; stop when the request is over
	}
	cols, ok := ctx.Value(columnsKey{}).(*columns)
	if !ok || cols.reader != r {
		// Not under a search of ours: the regular expression does the same.
		rq := query.NewRegexpQuery(".?" + regexp.QuoteMeta(string(q.char)) + ".?")
		rq.SetField(q.field)
		rq.SetBoost(q.boost)
		return rq.Searcher(ctx, r, m, options)
	}
	terms, err := cols.charTerms(q.field)
	if err != nil {
		return nil, err
	}
	// As the regexp searcher does: at most the clause limit of terms.
	return searcher.NewMultiTermSearcher(ctx, r, terms[q.char], q.field, q.boost, options, true)
}

// columnsKey is the context key under which collect passes the snapshot's
// columns to the searchers it builds.
type columnsKey struct{}

func withColumns(ctx context.Context, cols *columns) context.Context {
	return context.WithValue(ctx, columnsKey{}, cols)
}

// charTermIndex lists, for one text field of one snapshot, the terms each
// character can be matched by, in dictionary order (the order the regexp
// searcher would list them, so scores add up the same).
type charTermIndex struct {
	once  sync.Once
	terms map[rune][]string
	err   error
}

// charTerms returns the character → terms index of field, built on first
// use by one walk over the field's dictionary (concurrent callers wait for
// it rather than each walking it).
func (c *columns) charTerms(field string) (map[rune][]string, error) {
	c.charMu.Lock()
	if c.chars == nil {
		c.chars = map[string]*charTermIndex{}
	}
	ct := c.chars[field]
	if ct == nil {
		ct = &charTermIndex{}
		c.chars[field] = ct
	}
	c.charMu.Unlock()
	ct.once.Do(func() { ct.terms, ct.err = buildCharTerms(c.reader, field) })
	return ct.terms, ct.err
}

func buildCharTerms(r bindex.IndexReader, field string) (map[rune][]string, error) {
	dict, err := r.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("character terms: %s: %w", field, err)
	}
	defer dict.Close()
	out := map[rune][]string{}
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("character terms: %s: %w", field, err)
		}
		if e == nil {
			return out, nil
		}
		t := e.Term
		switch utf8.RuneCountInString(t) {
		case 1:
			r, _ := utf8.DecodeRuneInString(t)
			out[r] = append(out[r], t)
		case 2:
			a, n := utf8.DecodeRuneInString(t)
			b, _ := utf8.DecodeRuneInString(t[n:])
			out[a] = append(out[a], t)
			if b != a {
				out[b] = append(out[b], t)
			}
		case 3:
			_, n := utf8.DecodeRuneInString(t)
			mid, _ := utf8.DecodeRuneInString(t[n:])
			out[mid] = append(out[mid], t)
		}
	}
}
