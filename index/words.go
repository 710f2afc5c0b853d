package index

// Known words have postings of their own. The cjk analyzer indexes Chinese
// text as overlapping bigrams, so a quoted name of n characters is n−1 terms
// whose places must line up in every document having them all: the eight
// bigrams of 全面禁止核试验条约 stand in 284,162 of a million synthetic records,
// and reading their postings with places took 440 ms (the profile: postings
// decoding, not the check). The vocabulary's names and terms (data/vocabulary:
// the bodies, the Treaty, 附件2国家, 部长级会议…) are what users type most, so
// each text field has a companion, activity_words and so on, holding one term
// per such word where its bigrams stand in place in the field: one posting
// list to read instead of n−1 with their places.
//
// The companion's documents are exactly those a phrase of the word's bigrams
// finds in the text field (TestWordPostingsMatchThePhrase), because they are
// found the same way, from the field's own analysis: the bigrams at
// consecutive positions, chained ones overlapping by the character they share
// (chainJoins). Its length is the text field's, so its norm is the text's
// and a word scores as its bigrams would if each stood only inside the word:
// each bigram's TF-IDF with the word's count as its frequency.
//
// Which words have postings is recorded in the index (wordsKey) and read
// back on open: an index built with another vocabulary, or before words had
// postings, is searched with the bigrams for any word it lacks, never
// missing a match.

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/scorer"
	bindex "github.com/blevesearch/bleve_index_api"
)

// wordsKey is the Bleve internal key (shard 0) listing the words indexed
// with postings of their own, one per line.
var wordsKey = []byte("ctbt:words")

// wordsSuffix names a text field's companion: activity_words.
const wordsSuffix = "_words"

func wordsFieldOf(textField string) string { return textField + wordsSuffix }

// knownWords are the words an index has postings for, by their bigrams.
type knownWords struct {
	list    []string          // sorted, as recorded in the index
	byTerms map[string]string // termsKey of the word's terms → the word
}

func termsKey(terms []string) string { return strings.Join(terms, "\x00") }

// setWords records the words the index has postings for: those of list
// that analyze to a phrase of two terms or more (a word of one term is a
// single posting list already).
func (ix *Index) setWords(list []string) {
	kw := &knownWords{byTerms: map[string]string{}}
	if !ix.mappingHasWords() {
		list = nil
	}
	for _, w := range list {
		terms, consecutive := ix.analyze(w)
		if !consecutive || len(terms) < 2 {
			continue
		}
		kw.list = append(kw.list, w)
		kw.byTerms[termsKey(terms)] = w
	}
	slices.Sort(kw.list)
	ix.words = kw
}

// mappingHasWords reports whether every text field has its companion in the
// index's mapping, analyzed by cjk with term vectors (the places a word is
// found by). An older index's mapping has none.
func (ix *Index) mappingHasWords() bool {
	props := ix.mapping.DefaultMapping.Properties
	for _, f := range defaultTextFields {
		if props[wordsFieldOf(f)] == nil {
			return false
		}
		text := props[f]
		if text == nil || len(text.Fields) != 1 || text.Fields[0].Analyzer != "cjk" || !text.Fields[0].IncludeTermVectors {
			return false
		}
	}
	return true
}

// wordFor is the known word whose bigrams are terms, if the index has
// postings for it.
func (ix *Index) wordFor(terms []string) (string, bool) {
	if ix.words == nil || len(terms) < 2 {
		return "", false
	}
	w, ok := ix.words.byTerms[termsKey(terms)]
	return w, ok
}

// initWords gives a new index the vocabulary's words and records them.
func (ix *Index) initWords() error {
	ix.setWords(theVocabulary().nameWords)
	return ix.storeWords()
}

// storeWords writes the index's word list into shard 0.
func (ix *Index) storeWords() error {
	if err := ix.shards[0].bi.SetInternal(wordsKey, []byte(strings.Join(ix.words.list, "\n"))); err != nil {
		return fmt.Errorf("store word list: %w", err)
	}
	return nil
}

// loadWords reads the word list an opened index was built with; none in an
// index built before words had postings.
func (ix *Index) loadWords() error {
	raw, err := ix.shards[0].bi.GetInternal(wordsKey)
	if err != nil {
		return fmt.Errorf("read word list: %w", err)
	}
	var list []string
	if len(raw) > 0 {
		list = strings.Split(string(raw), "\n")
	}
	ix.setWords(list)
	return nil
}

// wordPattern is one known word as the analyzer sees it.
type wordPattern struct {
	word  string
	terms []string
	joins []int // chainJoins
}

// wordScanner finds known words in one text field's analysis.
type wordScanner struct {
	field   string // the companion field
	opts    bindex.FieldIndexingOptions
	byFirst map[string][]wordPattern // by the word's first term
	firsts  []string
}

// newWordScanner prepares words for a text field analyzed by an; nil when
// there is nothing to find.
func newWordScanner(field string, opts bindex.FieldIndexingOptions, an analysis.Analyzer, cjk bool, words []string) *wordScanner {
	sc := &wordScanner{field: field, opts: opts, byFirst: map[string][]wordPattern{}}
	for _, w := range words {
		var terms []string
		consecutive := true
		for i, tok := range an.Analyze([]byte(w)) {
			consecutive = consecutive && tok.Position == i+1
			terms = append(terms, string(tok.Term))
		}
		if !consecutive || len(terms) < 2 {
			continue
		}
		if len(sc.byFirst[terms[0]]) == 0 {
			sc.firsts = append(sc.firsts, terms[0])
		}
		sc.byFirst[terms[0]] = append(sc.byFirst[terms[0]], wordPattern{word: w, terms: terms, joins: chainJoins(terms, cjk)})
	}
	if len(sc.firsts) == 0 {
		return nil
	}
	return sc
}

// count is how many times p stands in the analysis of one field value: its
// terms at consecutive positions, each chained term overlapping the one
// before by their shared character, as the phrase searcher checks
// (adjacentSearcher.standsAt).
func (p *wordPattern) count(tfs bindex.TokenFrequencies) int {
	var buf [16]*bindex.TokenFreq // a word's terms, without an allocation for each field value
	legs := append(buf[:0], make([]*bindex.TokenFreq, len(p.terms))...)
	for i, t := range p.terms {
		if legs[i] = tfs[t]; legs[i] == nil {
			return 0
		}
	}
	n := 0
	for _, first := range legs[0].Locations {
		prev := first
		for i := 1; i < len(legs); i++ {
			var at *bindex.TokenLocation
			for _, l := range legs[i].Locations {
				if l.Position == first.Position+i {
					at = l
					break
				}
			}
			if at == nil || (p.joins[i] > 0 && at.Start+p.joins[i] != prev.End) {
				prev = nil
				break
			}
			prev = at
		}
		if prev != nil {
			n++
		}
	}
	return n
}

// wordsField is a text field's companion in a document: the known words
// found in the field's values, analyzed already (scorch analyzes a
// document's fields in order, and the companion follows its field).
type wordsField struct {
	scanner *wordScanner
	texts   []document.Field
	length  int
	freqs   bindex.TokenFrequencies
}

func (f *wordsField) Name() string                         { return f.scanner.field }
func (f *wordsField) Value() []byte                        { return nil }
func (f *wordsField) ArrayPositions() []uint64             { return nil }
func (f *wordsField) EncodedFieldType() byte               { return 't' }
func (f *wordsField) Options() bindex.FieldIndexingOptions { return f.scanner.opts }
func (f *wordsField) NumPlainTextBytes() uint64            { return 0 }

var wordsFieldSize = int(reflect.TypeFor[wordsField]().Size())

func (f *wordsField) Size() int {
	n := wordsFieldSize
	for _, tf := range f.freqs {
		n += tf.Size()
	}
	return n
}

// AnalyzedLength is the text field's: the companion's norm is the text's.
func (f *wordsField) AnalyzedLength() int { return f.length }

func (f *wordsField) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }

func (f *wordsField) Analyze() {
	f.freqs = bindex.TokenFrequencies{}
	for _, t := range f.texts {
		f.length += t.AnalyzedLength()
		tfs := t.AnalyzedTokenFrequencies()
		// Look up whichever is fewer: the words' first terms in the
		// value's terms, or the other way round.
		visit := func(first string) {
			for i := range f.scanner.byFirst[first] {
				p := &f.scanner.byFirst[first][i]
				if n := p.count(tfs); n > 0 {
					tf := f.freqs[p.word]
					if tf == nil {
						tf = &bindex.TokenFreq{Term: []byte(p.word)}
						f.freqs[p.word] = tf
					}
					tf.SetFrequency(tf.Frequency() + n)
				}
			}
		}
		if len(tfs) < len(f.scanner.firsts) {
			for term := range tfs {
				visit(term)
			}
		} else {
			for _, first := range f.scanner.firsts {
				if tfs[first] != nil {
					visit(first)
				}
			}
		}
	}
}

// wordQuery matches a known word in a text field through its companion's
// postings, scored as the phrase of its bigrams (terms) would be where each
// bigram stands only inside the word.
type wordQuery struct {
	terms []string // the word's bigrams in the text field
	word  string
	field string // the text field
	boost float64
}

func newWordQuery(terms []string, word, field string, boost float64) *wordQuery {
	return &wordQuery{terms: terms, word: word, field: field, boost: boost}
}

func (q *wordQuery) Searcher(ctx context.Context, r bindex.IndexReader, m mapping.IndexMapping, options search.SearcherOptions) (_ search.Searcher, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	docCount, avgLen, err := scoreStats(ctx, r, q.field)
	if err != nil {
		return nil, fmt.Errorf("word searcher: %w", err)
	}
	// One term searcher against Bleve's limit, as the word reads one
	// posting list.
	if err := search.RecordTermSearcher(ctx); err != nil {
		return nil, fmt.Errorf("word searcher: %w", err)
	}
	s := &wordSearcher{}
	// Each bigram scores with its own document count, as in the phrase;
	// only the count is read, not the postings.
	counts := map[string]uint64{}
	for _, t := range q.terms {
		if _, ok := counts[t]; ok {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(t), q.field, false, false, false)
		if err != nil {
			return nil, fmt.Errorf("word searcher: %w", err)
		}
		counts[t] = tfr.Count()
		if err := tfr.Close(); err != nil {
			return nil, fmt.Errorf("word searcher: %w", err)
		}
	}
	legs := make(wordLegs, len(q.terms))
	for i, t := range q.terms {
		legs[i] = wordLeg{count: counts[t], scorer: scorer.NewTermQueryScorer([]byte(t), q.field, q.boost, docCount, counts[t], avgLen, options)}
	}
	// The phrase searcher's order (rarest first, the same sort), so the
	// sum is the same to the last bit.
	sort.Sort(legs)
	scorers := make([]*scorer.TermQueryScorer, len(legs))
	for i, l := range legs {
		scorers[i] = l.scorer
	}
	s.scores = newPhraseScore(scorers, options.Explain)
	scored := options.Score != "none"
	if s.reader, err = r.TermFieldReader(ctx, []byte(q.word), wordsFieldOf(q.field), scored, scored, false); err != nil {
		return nil, fmt.Errorf("word searcher: %w", err)
	}
	s.SetQueryNorm(1 / math.Sqrt(s.Weight()))
	return s, nil
}

type wordLeg struct {
	count  uint64
	scorer *scorer.TermQueryScorer
}

// wordLegs orders legs as legsByCount does.
type wordLegs []wordLeg

func (l wordLegs) Len() int           { return len(l) }
func (l wordLegs) Less(i, j int) bool { return l[i].count < l[j].count }
func (l wordLegs) Swap(i, j int)      { l[i], l[j] = l[j], l[i] }

// wordSearcher walks a known word's postings.
type wordSearcher struct {
	reader bindex.TermFieldReader
	buf    bindex.TermFieldDoc
	scores *phraseScore
}

func (s *wordSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	d, err := s.reader.Next(s.buf.Reset())
	if err != nil || d == nil {
		return nil, err
	}
	return s.scores.score(ctx, d.ID, d.Freq, d.Norm), nil
}

func (s *wordSearcher) Advance(ctx *search.SearchContext, id bindex.IndexInternalID) (*search.DocumentMatch, error) {
	d, err := s.reader.Advance(id, s.buf.Reset())
	if err != nil || d == nil {
		return nil, err
	}
	return s.scores.score(ctx, d.ID, d.Freq, d.Norm), nil
}

// phraseScore scores a phrase's matches, or a known word's: the sum of its
// bigrams' scores (rarest first, as Bleve's conjunction sums them), each
// with the number of times the phrase stands in the field as its frequency
// and the field's norm. The sum depends on those two only, and most
// documents share a few pairs (a count of 1, a few hundred text lengths): a
// sum once computed is reused, the same to the last bit, skipping a scorer
// call and a pooled match per bigram.
type phraseScore struct {
	legs    []*scorer.TermQueryScorer
	sums    map[uint64]float64  // by scoreKey
	leg     bindex.TermFieldDoc // what each bigram's scorer sees
	explain bool
}

// newPhraseScore scores with the terms' scorers, rarest term first.
func newPhraseScore(legs []*scorer.TermQueryScorer, explain bool) *phraseScore {
	return &phraseScore{legs: legs, sums: map[uint64]float64{}, explain: explain}
}

func (p *phraseScore) score(ctx *search.SearchContext, id bindex.IndexInternalID, freq uint64, norm float64) *search.DocumentMatch {
	key, keyed := scoreKey(freq, norm)
	if keyed && !p.explain {
		if sum, ok := p.sums[key]; ok {
			rv := ctx.DocumentMatchPool.Get()
			rv.IndexInternalID = bindex.NewIndexInternalIDFrom(rv.IndexInternalID, id)
			rv.Score = sum
			return rv
		}
	}
	p.leg.ID, p.leg.Freq, p.leg.Norm = id, freq, norm
	var rv *search.DocumentMatch
	var expls []*search.Explanation
	sum := 0.0
	for _, l := range p.legs {
		dm := l.Score(ctx, &p.leg)
		sum += dm.Score
		if p.explain {
			expls = append(expls, dm.Expl)
		}
		if rv == nil {
			rv = dm
		} else {
			ctx.DocumentMatchPool.Put(dm)
		}
	}
	rv.Score = sum
	if p.explain {
		rv.Expl = &search.Explanation{Value: sum, Message: "sum of:", Children: expls}
	}
	if keyed && len(p.sums) < maxScoreSums {
		p.sums[key] = sum
	}
	return rv
}

// weight is the sum of the bigrams' weights, as a conjunction's.
func (p *phraseScore) weight() float64 {
	var w float64
	for _, l := range p.legs {
		w += l.Weight()
	}
	return w
}

func (p *phraseScore) setQueryNorm(norm float64) {
	clear(p.sums) // computed with the norm before
	for _, l := range p.legs {
		l.SetQueryNorm(norm)
	}
}

// scoreKey packs what a word's score in a document depends on, its count
// and the field's norm, into one number, which a map hashes by its fast
// path: a struct of the two went through the generic hash, 6% of the CPU
// of a known word's search over 1M records. A norm is a float32 widened
// (zapx's Posting.Norm); a pair that does not fit is not keyed (ok false)
// and its sum not kept.
func scoreKey(freq uint64, norm float64) (key uint64, ok bool) {
	n := float32(norm)
	if freq >= 1<<32 || float64(n) != norm {
		return 0, false
	}
	return freq<<32 | uint64(math.Float32bits(n)), true
}

// maxScoreSums bounds the sums a searcher keeps: far more than the
// distinct text lengths of a field (a few hundred).
const maxScoreSums = 4096

func (s *wordSearcher) Close() error { return s.reader.Close() }

// Weight is the sum of the bigrams' weights, as the phrase's.
func (s *wordSearcher) Weight() float64 { return s.scores.weight() }

func (s *wordSearcher) SetQueryNorm(norm float64) { s.scores.setQueryNorm(norm) }

// Count is the number of documents having the word: exact, unlike a
// phrase's estimate.
func (s *wordSearcher) Count() uint64 { return s.reader.Count() }

func (s *wordSearcher) Min() int { return 0 }

var wordSearcherSize = int(reflect.TypeFor[wordSearcher]().Size())

func (s *wordSearcher) Size() int {
	n := wordSearcherSize + s.reader.Size()
	for _, l := range s.scores.legs {
		n += l.Size()
	}
	return n
}

// DocumentMatchPoolSize: scoring holds two matches at once (score).
func (s *wordSearcher) DocumentMatchPoolSize() int { return 2 }
