package index

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"

	"ctbtsearch/internal/fold"
)

// Field weights: a match in what a state did matters more than one in the
// comment, which matters more than one in a footnote (or a section title:
// sectionTitleBoost).
var textFieldBoosts = []struct {
	field string
	boost float64
}{
	{"activity", 3},
	{"comment", 2},
	{"footnotes", 1},
}

// defaultTextFields are searched by a word without a field. Section titles
// and report symbols are matched another way: a word against the four
// section titles once (sectionTitleQuery), a symbol and section_title:
// against each report's (reportfields.go). Phrase-matching them in every
// record was the costliest part of a search, for four distinct titles and
// one symbol per report.
var defaultTextFields = []string{"activity", "comment", "footnotes"}

const (
	sectionTitleBoost = 0.5
	reportMetaBoost   = 0.3
)

const (
	// wholeQueryBoost rewards records where the words of a multi-word query
	// stand together, above records that merely contain them all.
	wholeQueryBoost = 2
	// stateBoost ranks a state's own rows first when its name is searched;
	// mentionBoost ranks rows naming it above rows naming a longer name
	// that contains it (印度 in 印度尼西亚).
	stateBoost   = 6
	mentionBoost = 3
	// piecesBoost scores records that contain every two-character piece of
	// a long word but not the word itself: found, but ranked below it.
	piecesBoost = 0.2
	// conceptBoost ranks records that name a concept as such (附件2国家 not
	// inside 非附件2国家, 核试验 not inside the Treaty's name) above records
	// that merely contain the characters.
	conceptBoost = 3
)

// clauseQuery is the query of a field:value clause on a keyword field.
func (ix *Index) clauseQuery(cl clause) (query.Query, error) {
	switch kind := queryFields[cl.field]; {
	case kind == "state":
		if st, ok := ix.gz.Lookup(cl.text); ok {
			return termQuery("state_code", st.Code, 1), nil
		}
		return termQuery("state", fold.RemoveSpaces(cl.text), 1), nil
	case kind == "section":
		s, err := normalizeSection(cl.text)
		if err != nil {
			return nil, &RequestError{Param: "q", Msg: err.Error()}
		}
		return termQuery("section", s, 1), nil
	case kind == "month":
		if err := validateMonth(cl.text); err != nil {
			return nil, &RequestError{Param: "q", Msg: err.Error()}
		}
		return termQuery("months", cl.text, 1), nil
	case kind == "bool":
		switch strings.ToLower(cl.text) {
		case "true", "1", "yes", "是":
			return termQuery(cl.field, "true", 1), nil
		case "false", "0", "no", "否":
			return termQuery(cl.field, "false", 1), nil
		}
		return nil, &RequestError{Param: "q", Msg: fmt.Sprintf("%s: %q is not true or false", cl.field, cl.text)}
	case cl.field == "state_code":
		return termQuery("state_code", strings.ToUpper(cl.text), 1), nil
	default:
		return termQuery(cl.field, cl.text, 1), nil
	}
}

// piecesQuery matches a long Chinese word by its two-character pieces in
// any order, so 批准条约 also finds 《条约》获得批准 and 批准了《条约》. People type
// such words without spaces; the reports phrase them many ways.
func (ix *Index) piecesQuery(sf string) query.Query {
	rs := []rune(sf)
	if len(rs) < 4 {
		return nil
	}
	for _, r := range rs {
		if !unicode.Is(unicode.Han, r) {
			return nil
		}
	}
	var pieces []query.Query
	for i := 0; i < len(rs); i += 2 {
		j := min(i+2, len(rs))
		from := j - 2 // an odd last character pairs with the one before it
		pieces = append(pieces, ix.textQuery(string(rs[from:j]), nil, piecesBoost, false))
	}
	return query.NewConjunctionQuery(pieces)
}

// textQuery matches text as a phrase in the given text fields (all of them
// when fields is nil). A phrase of bigrams is what makes a Chinese word match
// only where its characters stand together; a word that is a single bigram
// (any two-character word) needs no phrase check, which is far cheaper. A
// single ideograph matches every bigram that contains it: inside a run of
// ideographs the cjk analyzer indexes only bigrams, so a term query for 国
// would find almost nothing. (A separate unigram field did the same at 11%
// more index and 24% slower indexing, for the same hits and speed.)
//
// An unquoted word of Chinese characters only is matched by its chain of
// overlapping bigrams (核试验: 核试 AND 试验) without checking positions:
// such a chain almost never occurs apart, and reading term positions is
// what makes phrase queries the costliest part of a search. Quoted
// phrases (exact) are always checked position by position.
func (ix *Index) textQuery(text string, fields []string, boost float64, exact bool) query.Query {
	return ix.textQueryIn(text, fields, boost, exact, true)
}

// textQueryIn is textQuery; withSection false leaves out the section titles,
// for telling matches in a row's own text from matches through its section.
func (ix *Index) textQueryIn(text string, fields []string, boost float64, exact, withSection bool) query.Query {
	sf := strings.TrimSpace(fold.Search(text))
	if sf == "" || !hasSearchable(sf) {
		return nil
	}
	if r, size := utf8.DecodeRuneInString(sf); size == len(sf) && unicode.Is(unicode.Han, r) {
		// The cjk analyzer indexes a character inside a run of ideographs
		// only as part of bigrams: the character is any bigram that has
		// it, or itself standing alone.
		if fields == nil {
			fields = defaultTextFields
		}
		var alts []query.Query
		for _, f := range fields {
			if f == "section_title" {
				alts = append(alts, ix.sectionTitleCharQuery(r, sectionTitleBoost*boost)...)
				continue
			}
			alts = append(alts, &charQuery{char: r, field: f, boost: boost})
		}
		return anyOf(alts)
	}
	terms, consecutive := ix.analyze(sf)
	if len(terms) == 0 {
		return nil
	}
	var alts []query.Query
	if fields == nil {
		fields = defaultTextFields
		if q := sectionTitleQuery(sf, boost); q != nil && withSection {
			alts = append(alts, q)
		}
		if looksLikeSymbol(sf) {
			alts = append(alts, ix.reportMetaQuery(sf, reportMetaBoost*boost)...)
		}
	}
	if containsString(fields, "section_title") {
		alts = append(alts, ix.sectionTitleFieldQuery(sf, sectionTitleBoost*boost)...)
	}
	for _, f := range textFieldBoosts {
		if !containsString(fields, f.field) {
			continue
		}
		var q query.Query
		switch {
		case len(terms) == 1:
			q = termQuery(f.field, terms[0], f.boost*boost)
		case consecutive && !exact && isBigramChain(terms):
			conj := make([]query.Query, len(terms))
			for i, t := range terms {
				conj[i] = termQuery(f.field, t, 1)
			}
			cq := query.NewConjunctionQuery(conj)
			cq.SetBoost(f.boost * boost)
			q = cq
		case consecutive:
			if w, ok := ix.wordFor(terms); ok {
				q = newWordQuery(terms, w, f.field, f.boost*boost) // one posting list (words.go)
			} else {
				q = newAdjacentQuery(terms, f.field, f.boost*boost)
			}
		default:
			mq := query.NewMatchPhraseQuery(sf)
			mq.SetField(f.field)
			mq.Analyzer = "cjk"
			mq.SetBoost(f.boost * boost)
			q = mq
		}
		alts = append(alts, q)
	}
	return anyOf(alts) // nothing when a field's only texts, the titles, lack it
}

// isBigramChain reports whether terms are the overlapping bigrams of one run
// of Chinese characters, each sharing its first character with the last of
// the one before.
func isBigramChain(terms []string) bool {
	var prev []rune
	for _, t := range terms {
		rs := []rune(t)
		if len(rs) != 2 || !unicode.Is(unicode.Han, rs[0]) || !unicode.Is(unicode.Han, rs[1]) {
			return false
		}
		if prev != nil && prev[1] != rs[0] {
			return false
		}
		prev = rs
	}
	return true
}

// sectionTitleQuery matches text against the four section titles once,
// instead of in every record, and selects the sections whose title has it —
// by itself: 附件2国家 is not in 与非附件2国家有关的活动.
func sectionTitleQuery(sf string, boost float64) query.Query {
	var qs []query.Query
	for _, code := range sectionsTitled(sf) {
		qs = append(qs, termQuery("section", code, sectionTitleBoost*boost))
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// sectionsTitled are the sections whose title has the word by itself.
func sectionsTitled(sf string) []string {
	var out []string
	w := fold.RemoveSpaces(sf)
	titles := sectionTitleForms()
	for _, code := range SectionCodes {
		if len(theVocabulary().standaloneAt(titles[code], w)) > 0 {
			out = append(out, code)
		}
	}
	return out
}

// sectionTitleForms are the section titles in search form, folded once.
var sectionTitleForms = sync.OnceValue(func() map[string]string {
	m := make(map[string]string, len(SectionTitles))
	for code, title := range SectionTitles {
		m[code] = searchWord(title)
	}
	return m
})

// SectionCodes are the codes of the annex's sections, in report order.
var SectionCodes = []string{"1(a)", "1(b)", "2(a)", "2(b)"}

// looksLikeSymbol reports whether a query word may be part of a UN document
// symbol such as A/62/50 (reportMetaText).
func looksLikeSymbol(sf string) bool {
	return strings.Contains(sf, "/") || strings.HasPrefix(sf, "a/")
}

// analyze runs the text analyzer once per query word, so that the query for
// each field is built from terms instead of being analysed again per field.
// consecutive reports whether the terms stand at consecutive positions (a
// plain phrase); otherwise Bleve's match-phrase handles the gaps.
func (ix *Index) analyze(sf string) (terms []string, consecutive bool) {
	consecutive = true
	for i, tok := range ix.tokens(sf) {
		if i > 0 && tok.pos != i+1 {
			consecutive = false
		}
		terms = append(terms, tok.term)
	}
	return terms, consecutive
}

// hasSearchable reports whether the analyzer would keep any token of s:
// a query of only punctuation matches nothing and must not become a clause.
func hasSearchable(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func termQuery(field, term string, boost float64) query.Query {
	q := query.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

var sectionCodeRE = regexp.MustCompile(`^([0-9])\s*[(（]?\s*([a-zA-Z])\s*[)）]?$`)

// normalizeSection accepts 1(a), 1 (a), 1a and 1（a）.
func normalizeSection(s string) (string, error) {
	m := sectionCodeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", fmt.Errorf("section %q is not a section code such as 1(a), 1(b), 2(a) or 2(b)", s)
	}
	return m[1] + "(" + strings.ToLower(m[2]) + ")", nil
}

var monthRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// ValidMonth reports whether s is a calendar month written YYYY-MM, as the
// month facet and filter spell it.
func ValidMonth(s string) bool { return monthRE.MatchString(s) }

func validateMonth(s string) error {
	if !ValidMonth(s) {
		return fmt.Errorf("month %q is not a month written YYYY-MM, such as 2006-09", s)
	}
	return nil
}

// dedupe sorts and removes duplicates, for highlight terms.
func dedupe(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if s != "" && (i == 0 || s != ss[i-1]) {
			out = append(out, s)
		}
	}
	return out
}
