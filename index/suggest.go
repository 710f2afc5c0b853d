package index

import (
	"context"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/internal/fold"
)

// Did-you-mean: when a query finds nothing or very little, each of its words
// is compared, by edit distance on characters, with the names the search
// knows (vocabulary, gazetteer: they are what people mean to type) and then
// with the words of the index. A candidate is offered only if the query with
// that one word replaced finds more; the query the user typed is never
// rewritten behind their back.
const (
	// suggestBelow: a query finding at most this many records gets
	// suggestions. One or two hits is what a slip of the keyboard that
	// still matches something stray looks like.
	suggestBelow = 2
	// maxSuggestions offered; more is a list nobody reads.
	maxSuggestions = 3
	// maxSuggestTries bounds the candidate queries counted, each a search
	// without facets: a zero-hit query stays cheap.
	maxSuggestTries = 12
	// maxIndexCandidates bounds the index words taken per query word.
	maxIndexCandidates = 8
	// maxSuggestWords and maxSuggestRunes: longer queries, and longer
	// words, are pasted text, not typed; correcting them costs a search
	// per candidate and helps nobody.
	maxSuggestWords = 4
	maxSuggestRunes = 16
	// maxCorrectedRunes and maxOptionsPerPosition bound the
	// dictionary lookups of correcting a Chinese word character by
	// character: a common character is followed by thousands of others in a
	// large index's bigrams.
	maxCorrectedRunes     = 8
	minCorrectedHan       = 3
	minCorrectedLatin     = 4
	maxOptionsPerPosition = 200
)

// suggest finds did-you-mean queries for req, which found total records.
func (ix *Index) suggest(ctx context.Context, req Request, total uint64) []Suggestion {
	if req.HasFilters() {
		// With filters, finding little is most often the filters' doing,
		// and the page's way out is to remove one; telling the words'
		// part from theirs costs a search of the bare query (26 ms for a
		// common word at 1M), and each candidate another. Without the
		// filters, the suggestions come.
		return nil
	}
	clauses, err := parseQuery(req.Query)
	if err != nil {
		return nil
	}
	clauses = ix.joinKnownNames(clauses)
	if len(clauses) > maxSuggestWords {
		return nil
	}
	words := clauses
	if len(clauses) > 1 && !strings.ContainsAny(req.Query, "\"“”:+-|") && utf8.RuneCountInString(req.Query) <= maxSuggestRunes {
		// Words that together were meant as one name: Untied Kingdom.
		clauses = append(clauses, clause{text: strings.TrimSpace(req.Query)})
	}
	var out []Suggestion
	tries := 0
	// Known names first; words of the index only when no known name helps.
	for _, fromIndex := range []bool{false, true} {
		if fromIndex && len(out) > 0 {
			break
		}
		for _, cl := range clauses {
			if cl.op == '-' || cl.field != "" || !strings.Contains(req.Query, cl.text) || utf8.RuneCountInString(cl.text) > maxSuggestRunes {
				continue
			}
			if ix.known(cl.text) {
				continue // a known name is what the user meant
			}
			out, tries = ix.tryWords(ctx, req, total, cl.text, ix.closeWords(ctx, cl.text, fromIndex), out, tries)
		}
	}
	// Still nothing: the query without one of its words, if that finds
	// something (an English word the vocabulary lacks, a word no record has).
	if len(out) == 0 && total == 0 && len(words) > 1 {
		for _, cl := range words {
			if cl.op != 0 || cl.field != "" || cl.phrase || !strings.Contains(req.Query, cl.text) {
				continue
			}
			without := strings.Join(strings.Fields(strings.Replace(req.Query, cl.text, "", 1)), " ")
			out, tries = ix.tryWords(ctx, req, total, req.Query, []string{without}, out, tries)
		}
	}
	return out
}

// tryWords offers the candidates for word that make the query find more.
func (ix *Index) tryWords(ctx context.Context, req Request, total uint64, word string, cands []string, out []Suggestion, tries int) ([]Suggestion, int) {
	for _, cand := range cands {
		if tries >= maxSuggestTries || len(out) >= maxSuggestions {
			return out, tries
		}
		q := replaceWord(req.Query, word, cand)
		if q == req.Query || containsSuggestion(out, q) {
			continue
		}
		tries++
		r := req
		r.Query = q
		n, err := ix.count(ctx, r)
		if err != nil {
			if ctx.Err() != nil {
				return out, tries
			}
			continue
		}
		if n > total {
			out = append(out, Suggestion{Query: q, Word: cand, Total: n})
		}
	}
	return out, tries
}

// replaceWord replaces the first occurrence of word in q that stands as a
// word of the query (between spaces, quotes or operators), so that 印度 in
// "印度尼西亚 印度" replaces the second word, not a piece of the first.
func replaceWord(q, word, cand string) string {
	bound := func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(`"“”「」＂+-|:`, r)
	}
	for from := 0; ; {
		i := strings.Index(q[from:], word)
		if i < 0 {
			return strings.Replace(q, word, cand, 1) // no whole word: the first piece
		}
		i += from
		before, _ := utf8.DecodeLastRuneInString(q[:i])
		after, _ := utf8.DecodeRuneInString(q[i+len(word):])
		if (i == 0 || bound(before)) && (i+len(word) == len(q) || bound(after)) {
			return q[:i] + cand + q[i+len(word):]
		}
		from = i + len(word)
	}
}

func containsSuggestion(list []Suggestion, q string) bool {
	for _, s := range list {
		if s.Query == q {
			return true
		}
	}
	return false
}

// count is the number of records a request finds.
func (ix *Index) count(ctx context.Context, req Request) (uint64, error) {
	if err := validate(&req); err != nil {
		return 0, err
	}
	p, err := ix.compile(ctx, &req)
	if err != nil {
		return 0, err
	}
	// A query with no hits tries up to a dozen spellings: their matches
	// would push the readers' queries out of the match cache.
	p.key = ""
	m, err := ix.runShards(ctx, p, &req, 0, false)
	if err != nil {
		return 0, err
	}
	defer m.release()
	return m.total, nil
}

// closeWords are the spellings closest to word, by distance: known names,
// or words of the index.
func (ix *Index) closeWords(ctx context.Context, word string, fromIndex bool) []string {
	key := fold.RemoveSpaces(fold.Search(word))
	rs := []rune(key)
	// A two-character Chinese word with one character changed, or a
	// three-letter word with one letter changed, is another word, not a slip:
	// candidates would be many and unrelated, each a search to count.
	if len(rs) < minCorrectedHan || (!hasHan(key) && len(rs) < minCorrectedLatin) {
		return nil
	}
	maxD := 1
	if len(rs) >= 6 {
		maxD = 2
	}
	type cand struct {
		show string
		d    int
	}
	seen := map[string]bool{key: true}
	if fromIndex {
		return ix.indexWords(ctx, key, rs, maxD)
	}
	var known []cand
	v := theVocabulary()
	for _, n := range v.names {
		if d := editDistance(rs, []rune(n.sf), maxD); d <= maxD && !seen[n.sf] {
			seen[n.sf] = true
			known = append(known, cand{n.show, d})
		}
	}
	for _, e := range v.english {
		k := vocabKey(e)
		if d := editDistance([]rune(vocabKey(word)), []rune(k), maxD); d <= maxD && !seen[k] {
			seen[k] = true
			known = append(known, cand{e, d})
		}
	}
	sort.SliceStable(known, func(i, j int) bool {
		if known[i].d != known[j].d {
			return known[i].d < known[j].d
		}
		return known[i].show < known[j].show
	})
	var out []string
	for _, c := range known {
		out = append(out, c.show)
	}
	return out
}

// indexWords are words of the index within maxD edits of key. A Chinese
// word is indexed as bigrams only, so a long one is corrected one
// character at a time: a replacement c for the character at i must form
// indexed bigrams with both neighbours. Other words (English, numbers) are
// looked up in the term dictionaries with Bleve's fuzzy automaton.
func (ix *Index) indexWords(ctx context.Context, key string, rs []rune, maxD int) []string {
	var out []string
	for _, sh := range ix.shards {
		cols, release, err := sh.snapshot(ctx)
		if err != nil {
			return out
		}
		r := cols.reader
		for _, field := range defaultTextFields {
			if isHanWord(key) && len(rs) >= 3 && len(rs) <= maxCorrectedRunes {
				out = appendUnique(out, hanCorrections(ctx, r, field, rs)...)
			} else if fz, ok := r.(bindex.IndexReaderFuzzy); ok && utf8.RuneCountInString(key) >= 3 {
				if d, err := fz.FieldDictFuzzy(field, key, maxD, ""); err == nil {
					for e, err := d.Next(); err == nil && e != nil && len(out) < maxIndexCandidates; e, err = d.Next() {
						if e.Term != key {
							out = appendUnique(out, e.Term)
						}
					}
					d.Close()
				}
			}
		}
		release()
		if len(out) >= maxIndexCandidates {
			break
		}
	}
	if len(out) > maxIndexCandidates {
		out = out[:maxIndexCandidates]
	}
	return out
}

func appendUnique(list []string, ws ...string) []string {
	for _, w := range ws {
		found := false
		for _, x := range list {
			if x == w {
				found = true
				break
			}
		}
		if !found {
			list = append(list, w)
		}
	}
	return list
}

// hanCorrections replaces or drops one character of a Chinese word so that
// every bigram of the result is in the field's dictionary.
func hanCorrections(ctx context.Context, r bindex.IndexReader, field string, rs []rune) []string {
	has := func(bigram string) bool {
		d, err := r.FieldDictRange(field, []byte(bigram), []byte(bigram))
		if err != nil {
			return false
		}
		defer d.Close()
		e, err := d.Next()
		return err == nil && e != nil && e.Term == bigram
	}
	allIn := func(w []rune) bool {
		for i := 0; i+1 < len(w); i++ {
			if !has(string(w[i : i+2])) {
				return false
			}
		}
		return true
	}
	var out []string
	for i := range rs {
		if ctx.Err() != nil {
			return out
		}
		// Characters that may stand at i: those following the one before.
		// The first character is not replaced: what may precede a
		// character has no index but a walk of the whole dictionary.
		var options []rune
		if i > 0 {
			options = followers(r, field, rs[i-1])
		}
		if len(options) > maxOptionsPerPosition {
			options = options[:maxOptionsPerPosition]
		}
		for _, c := range options {
			if c == rs[i] {
				continue
			}
			if i+1 < len(rs) && !has(string([]rune{c, rs[i+1]})) {
				continue // cheap test first: the bigram with the next character
			}
			w := append(append(append([]rune{}, rs[:i]...), c), rs[i+1:]...)
			if allIn(w) {
				out = append(out, string(w))
			}
		}
		// The character typed once too often.
		if len(rs) > 3 {
			w := append(append([]rune{}, rs[:i]...), rs[i+1:]...)
			if allIn(w) {
				out = append(out, string(w))
			}
		}
	}
	return out
}

// followers are the characters that follow r in some bigram of the field.
func followers(r bindex.IndexReader, field string, first rune) []rune {
	d, err := r.FieldDictPrefix(field, []byte(string(first)))
	if err != nil {
		return nil
	}
	defer d.Close()
	var out []rune
	for e, err := d.Next(); err == nil && e != nil; e, err = d.Next() {
		t := []rune(e.Term)
		if len(t) == 2 && t[0] == first {
			out = append(out, t[1])
		}
	}
	return out
}

// editDistance is the Damerau–Levenshtein distance (adjacent
// transpositions count one), or max+1 once it must exceed max.
func editDistance(a, b []rune, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
