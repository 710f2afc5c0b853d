package index

import (
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// A search request is compiled once into a plan, its canonical form: the
// query's words parsed, joined where they spell one known name (附件2 国家,
// United Kingdom), each resolved once against the vocabulary, the gazetteer
// and the concept table, and the filters' state names made canonical. The
// Bleve queries, highlights, expansions and the reasons shown per hit are all
// read off the plan; nothing goes back to folding or lookups afterwards.

// plan is a compiled request.
type plan struct {
	groups   [][]*term // positive clauses: every group must match, by any of its terms (OR)
	excluded []*term
	query    query.Query // nil: every record
	// own is the query without matches through section titles and
	// section concepts, when those take part: records it misses matched
	// by their section alone. nil when no section takes part.
	own query.Query
	// ownSections are the sections through which the query can match;
	// only their records can be section-only.
	ownSections []string
	highlight   []string // search forms to mark in hits
	// conceptMarks are the concepts the query names, whose phrases are
	// marked in hits too (《条约》 for CTBT).
	conceptMarks []string
	expansions   []Expansion
	// key names the matches of query and own in the match cache: the
	// query as typed, and the titles looked up for resolution symbols in
	// it (read from the index, so they could change with a shard's
	// snapshot). "" when the plan is not to be cached.
	key string
}

// term is one word, phrase or field clause of a query, resolved.
type term struct {
	typed    string        // as typed; words joined when they spell one name
	sf       string        // search form
	field    string        // a text field named as field:value, or ""
	phrase   bool          // quoted: exact, no variants
	fixed    query.Query   // a clause on a keyword field (state:, section: …)
	entry    *vocabEntry   // the vocabulary entry it names
	state    *report.State // the state it names
	variants []string      // other spellings searched too, as displayed
	concepts []string      // concept tags it names
	pieces   bool          // a long unknown Chinese word: also found by its two-character pieces
	related  []string      // the titles of a resolution symbol, matched as phrases and ranked low
}

// maxOwnGroups: telling section-only matches apart runs the query a second
// time without its section matches. Queries of more words than this are
// pasted text, where that doubles the cost of the most expensive searches
// (TestPathologicalQueries) for no reader's benefit; their hits are ranked
// by score alone.
const maxOwnGroups = 6

// maxJoinedWords bounds how many query words may spell one name (Preparatory
// Commission for the Comprehensive Nuclear-Test-Ban Treaty Organization has 9).
const maxJoinedWords = 10

// compile turns a validated request into its plan; it canonicalises the
// request's state filters in place.
func (ix *Index) compile(ctx context.Context, req *Request) (*plan, error) {
	states := make([]string, len(req.States)) // the caller's slice stays as it was
	for i, st := range req.States {
		states[i] = ix.canonicalState(st)
	}
	req.States = states

	clauses, err := parseQuery(req.Query)
	if err != nil {
		return nil, err
	}
	clauses = ix.joinKnownNames(clauses)
	p := &plan{}
	var must, mustNot []query.Query
	var group []*term
	var plainWords []string
	flush := func() {
		if len(group) > 0 {
			p.groups = append(p.groups, group)
			group = nil
		}
	}
	resolved := 0 // resolution symbols whose titles were looked up
	for _, cl := range clauses {
		t, err := ix.newTerm(cl)
		if err != nil {
			return nil, err
		}
		if t == nil {
			continue
		}
		if cl.op != '-' && t.field == "" && t.fixed == nil && !t.phrase && resolutionSymbolRE.MatchString(t.sf) && resolved < maxResolvedSymbols {
			t.related = ix.resolutionTitles(ctx, t.sf)
			resolved++
		}
		if cl.op == '-' {
			p.excluded = append(p.excluded, t)
			continue
		}
		if !cl.or {
			flush()
		}
		group = append(group, t)
	}
	flush()
	for _, g := range p.groups {
		if len(g) == 1 && g[0].fixed == nil && g[0].field == "" && !g[0].phrase {
			plainWords = append(plainWords, g[0].typed)
		}
	}

	sections := map[string]bool{}
	for _, g := range p.groups {
		if lone := ix.loneCharacterRanking(g[0]); len(p.groups) == 1 && len(g) == 1 && len(lone) > 0 {
			// A lone character matches every record having it about alike;
			// the words it is part of order them (loneCharacterRanking).
			must = append(must, ix.textQueryIn(g[0].sf, nil, loneCharacterMatchBoost, false, true))
		} else {
			must = append(must, ix.groupQuery(g, true, sections))
		}
		for _, t := range g {
			p.highlight = append(p.highlight, t.highlights()...)
			for _, c := range t.concepts {
				if !slices.Contains(p.conceptMarks, c) {
					p.conceptMarks = append(p.conceptMarks, c)
				}
			}
			if vs := append(slices.Clone(t.variants), t.related...); len(vs) > 0 {
				p.expansions = append(p.expansions, Expansion{Term: t.typed, Variants: vs})
			}
		}
	}
	for _, t := range p.excluded {
		mustNot = append(mustNot, ix.termMatch(t, true, nil))
	}
	if len(must) == 0 && len(mustNot) == 0 {
		return p, nil
	}
	var should []query.Query
	if len(plainWords) > 1 {
		whole := strings.Join(plainWords, "")
		if wq := ix.textQuery(whole, nil, wholeQueryBoost, false); wq != nil {
			should = append(should, wq)
		}
		should = append(should, conceptQueries(whole)...)
	}
	for _, g := range p.groups {
		for _, t := range g {
			if t.phrase && t.field == "" {
				should = append(should, conceptQueries(t.typed)...) // ranking only: the phrase stays exact
			}
			if len(p.groups) == 1 && len(g) == 1 {
				// Alone in the query: with other words, they give the context.
				should = append(should, ix.loneCharacterRanking(t)...)
			}
		}
	}
	if len(must) == 0 {
		must = append(must, query.NewMatchAllQuery())
	}
	bq := query.NewBooleanQuery(must, should, mustNot)
	if len(must) == 1 {
		// Bleve wraps the must clauses in a conjunction even when there is
		// one. Its searcher, after each match, steps its clause on to the
		// next match before anyone asks (as the boolean above it does
		// again): a search driven by its filters, which wants only the
		// documents it skips to, found three matches of a quoted phrase for
		// every one it kept. The clause alone scores the same: the
		// conjunction's score is the sum of its one clause.
		bq.Must = must[0]
	}
	if len(should) == 1 {
		// The same for a lone should clause: a disjunction of one, asked
		// to skip to each match of the must clauses, then steps its clause
		// on to its next document, twice the reading (38% of the CPU of a
		// quoted name matching a quarter of a million records, the
		// concept it names its should clause). One clause scores the same
		// (a disjunction's coordination factor is 1 of 1).
		bq.Should = should[0]
	}
	if bq.Should != nil {
		bq.Should = forwardOnlyQuery{bq.Should} // forward.go: driven searches advance it
	}
	p.query = bq
	if len(sections) > 0 && len(p.groups) <= maxOwnGroups {
		for _, code := range SectionCodes {
			if sections[code] {
				p.ownSections = append(p.ownSections, code)
			}
		}
		var ownMust []query.Query
		for _, g := range p.groups {
			ownMust = append(ownMust, ix.groupQuery(g, false, nil))
		}
		p.own = query.NewBooleanQuery(ownMust, nil, nil)
	}
	var key strings.Builder
	key.WriteString(strings.TrimSpace(req.Query))
	for _, g := range p.groups {
		for _, t := range g {
			for _, r := range t.related {
				key.WriteString("\x00")
				key.WriteString(r)
			}
		}
	}
	p.key = key.String()
	return p, nil
}

// joinKnownNames joins runs of plain words that together spell one known
// name: 附件2 国家 is 附件2国家, United Kingdom one state, 全面禁止核试验 条约组织
// the Organization. So spaces in a query never make it mean less than
// without them.
func (ix *Index) joinKnownNames(cls []clause) []clause {
	plain := func(c clause) bool { return c.op == 0 && c.field == "" && !c.phrase }
	var out []clause
	for i := 0; i < len(cls); {
		joined := false
		if plain(cls[i]) {
			for k := min(len(cls), i+maxJoinedWords); k >= i+2; k-- {
				ok := true
				for _, c := range cls[i+1 : k] {
					if !plain(c) || c.or {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				text := cls[i].text
				for _, c := range cls[i+1 : k] {
					text = joinWords(text, c.text)
				}
				if ix.known(text) {
					c := cls[i]
					c.text = text
					out = append(out, c)
					i = k
					joined = true
					break
				}
			}
		}
		if !joined {
			out = append(out, cls[i])
			i++
		}
	}
	return out
}

// joinWords joins two query words as the text would write them: Chinese
// without a space, other words with one.
func joinWords(a, b string) string {
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	if fold.IsWide(last) || fold.IsWide(first) {
		return a + b
	}
	return a + " " + b
}

// known reports whether text is a name the search knows.
func (ix *Index) known(text string) bool {
	if theVocabulary().lookup(text) != nil {
		return true
	}
	if _, ok := ix.gz.Lookup(text); ok {
		return true
	}
	return len(queryConcepts(fold.Search(text))) > 0
}

// newTerm resolves one clause. Its errors are the user's (a bad section code
// or month in field:value).
func (ix *Index) newTerm(cl clause) (*term, error) {
	if kind := queryFields[cl.field]; cl.field != "" && kind != "text" {
		q, err := ix.clauseQuery(cl)
		if err != nil || q == nil {
			return nil, err
		}
		return &term{typed: cl.field + ":" + cl.text, fixed: q}, nil
	}
	sf := strings.TrimSpace(fold.Search(cl.text))
	if sf == "" || !hasSearchable(sf) {
		return nil, nil
	}
	t := &term{typed: cl.text, sf: sf, field: cl.field, phrase: cl.phrase}
	if cl.phrase && !hasHan(cl.text) && theVocabulary().lookup(cl.text) != nil {
		// "joint statement" in quotes is still that name: the reports
		// are Chinese, so its English words alone would find nothing.
		t.phrase = false
	}
	if cl.field != "" || t.phrase {
		return t, nil
	}
	key := fold.RemoveSpaces(sf)
	if e := theVocabulary().lookup(cl.text); e != nil && utf8.RuneCountInString(key) >= 2 {
		t.entry = e
		if e.kind == "state" {
			if st, ok := ix.gz.ByCode(e.code); ok {
				t.state = &st
			}
		}
	} else if st, ok := ix.gz.Lookup(cl.text); ok && utf8.RuneCountInString(key) >= 2 {
		t.state = &st
	}
	switch {
	case t.state != nil:
		// The state's canonical name, unless typed (or containing what was typed).
		if name := searchWord(t.state.Name); name != key && !strings.Contains(key, name) {
			t.variants = append(t.variants, t.state.Name)
		}
	case t.entry != nil:
		for _, z := range t.entry.zh {
			if z != key {
				t.variants = append(t.variants, t.entry.display(z))
			}
		}
	}
	t.concepts = mostSpecific(queryConcepts(sf))
	for _, v := range t.variants {
		for _, c := range mostSpecific(queryConcepts(fold.Search(v))) {
			if !slices.Contains(t.concepts, c) {
				t.concepts = append(t.concepts, c)
			}
		}
	}
	t.pieces = t.entry == nil && t.state == nil
	return t, nil
}

// mostSpecific keeps, of the concepts a word names, those no other of them
// implies: 暂停核试验 is tagged a moratorium and a nuclear test, but asks for
// the moratorium — every record tagged a moratorium is also tagged a
// nuclear test, not the reverse. (A implies B when every phrase of A is
// also one of B.)
func mostSpecific(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	implies := func(a, b string) bool {
		for _, cs := range conceptPhrases {
			if slices.Contains(cs, a) && !slices.Contains(cs, b) {
				return false
			}
		}
		return true
	}
	var out []string
	for _, a := range ids {
		general := false
		for _, b := range ids {
			if a != b && implies(b, a) && !implies(a, b) {
				general = true // b is narrower and implies a
			}
		}
		if !general {
			out = append(out, a)
		}
	}
	return out
}

// highlights are the search forms to mark for a positive term.
func (t *term) highlights() []string {
	if t.fixed != nil {
		return nil
	}
	out := []string{t.sf}
	for _, v := range append(slices.Clone(t.variants), t.related...) {
		out = append(out, fold.Search(v))
	}
	return out
}

// groupQuery is one group of OR-ed terms. sections, if not nil, gets the
// sections through which any of them can match.
func (ix *Index) groupQuery(g []*term, withSection bool, sections map[string]bool) query.Query {
	var alts []query.Query
	for _, t := range g {
		if q := ix.termMatch(t, withSection, sections); q != nil {
			alts = append(alts, q)
		}
	}
	return anyOf(alts)
}

func anyOf(alts []query.Query) query.Query {
	switch len(alts) {
	case 0:
		return query.NewMatchNoneQuery()
	case 1:
		return alts[0]
	}
	return query.NewDisjunctionQuery(alts)
}

// termMatch is the Bleve query of one term. An unquoted word also finds its
// variants: the official name of a state named as people say it, the other
// names of a body, the Chinese of an English word, the concept it names.
func (ix *Index) termMatch(t *term, withSection bool, sections map[string]bool) query.Query {
	if t.fixed != nil {
		return t.fixed
	}
	if t.field != "" {
		return anyOf(nonNil(ix.textQueryIn(t.typed, []string{t.field}, 1, t.phrase, false)))
	}
	var alts []query.Query
	add := func(q query.Query) {
		if q != nil {
			alts = append(alts, q)
		}
	}
	add(ix.wordMatch(t.sf, t.phrase, withSection, t.state, sections))
	if t.phrase {
		return anyOf(alts)
	}
	if t.state != nil {
		add(termQuery("state_code", t.state.Code, stateBoost))
		add(termQuery("mentions", t.state.Code, mentionBoost))
	}
	for _, v := range t.variants {
		add(ix.wordMatch(fold.Search(v), false, withSection, t.state, sections))
	}
	if t.pieces {
		add(ix.piecesQuery(t.sf))
	}
	for _, title := range t.related {
		add(ix.textQueryIn(title, nil, relatedResolutionBoost, true, false))
	}
	for _, id := range t.concepts {
		add(termQuery("concepts", id, conceptBoost))
		if codes := sectionsTagged(id); withSection && len(codes) > 0 {
			add(termQuery("concepts", sectionConceptPrefix+id, conceptBoost))
			if sections != nil {
				for _, c := range codes {
					sections[c] = true
				}
			}
		}
	}
	return anyOf(alts)
}

func nonNil(q query.Query) []query.Query {
	if q == nil {
		return nil
	}
	return []query.Query{q}
}

// sectionsTagged are the sections tagged with the concept.
func sectionsTagged(id string) []string {
	var out []string
	for code, ids := range sectionConcepts {
		if slices.Contains(ids, id) {
			out = append(out, code)
		}
	}
	return out
}

// standaloneBoost is the weight of the tag that says a masked word stands by
// itself: the text match scores the record, the tag only admits it.
const standaloneBoost = 0.1

// wordMatch matches one spelling by its characters. A word that can hide
// inside longer names (印度 in 印度尼西亚) matches only records where it stands
// by itself: its characters and its standalone tag (for a state, a mention
// of the state).
func (ix *Index) wordMatch(sf string, exact, withSection bool, st *report.State, sections map[string]bool) query.Query {
	w := fold.RemoveSpaces(sf)
	v := theVocabulary()
	titled := sectionsTitled(sf)
	useSection := withSection && len(titled) > 0
	if useSection && sections != nil {
		for _, c := range titled {
			sections[c] = true
		}
	}
	if !v.masked(w) {
		return ix.textQueryIn(sf, nil, 1, exact, withSection)
	}
	// A masked word counts only where it stands by itself (the tag), so
	// its characters standing in place in some field find the same
	// records as its bigrams anywhere in one: with postings of its own,
	// those are one list to read (words.go).
	terms, _ := ix.analyze(sf)
	_, known := ix.wordFor(terms)
	text := ix.textQueryIn(sf, nil, 1, exact || known, false)
	if text == nil {
		return nil
	}
	var tag query.Query
	if v.stateWords[w] {
		code := ""
		if e := v.lookup(w); e != nil && e.kind == "state" {
			code = e.code
		} else if st != nil {
			code = st.Code
		}
		tag = termQuery("mentions", code, standaloneBoost)
	} else {
		tag = termQuery("concepts", "w:"+w, standaloneBoost)
	}
	q := query.Query(query.NewConjunctionQuery([]query.Query{text, tag}))
	if useSection {
		q = query.NewDisjunctionQuery([]query.Query{q, sectionTitleQuery(sf, 1)})
	}
	return q
}

// loneCharacterRanking ranks the records matching a single Chinese
// character by the report's words it is part of, standing by themselves:
// 核 ranks 核试验, 核武器 and 核查 first, not the 核 inside the Treaty's name.
// A lone character names nothing; the words it is most often typed for are
// the best guess, and they only order what the character matched.
func (ix *Index) loneCharacterRanking(t *term) []query.Query {
	if t.fixed != nil || t.field != "" || t.phrase || utf8.RuneCountInString(t.sf) != 1 || !isHanWord(t.sf) {
		return nil
	}
	var qs []query.Query
	for _, w := range theVocabulary().termWords {
		if w != t.sf && strings.Contains(w, t.sf) && len(qs) < maxLoneCharacterWords {
			q := ix.textQueryIn(w, nil, loneCharacterBoost, false, false)
			if q != nil && theVocabulary().masked(w) {
				q = query.NewConjunctionQuery([]query.Query{q, termQuery("concepts", "w:"+w, standaloneBoost)})
			}
			if q != nil {
				qs = append(qs, q)
			}
		}
	}
	return qs
}

// loneCharacterMatchBoost weighs the character itself, next to the words
// it is part of.
const loneCharacterMatchBoost = 0.01

// loneCharacterBoost lifts the words a lone character is part of above the
// character's bigrams, which score every record about alike.
const loneCharacterBoost = 10

// maxLoneCharacterWords bounds the words a lone character is ranked by.
const maxLoneCharacterWords = 12

// conceptQueries rank records naming the concept that text names.
func conceptQueries(text string) []query.Query {
	var qs []query.Query
	for _, id := range queryConcepts(fold.Search(text)) {
		qs = append(qs, termQuery("concepts", id, conceptBoost))
	}
	return qs
}

// isHanWord reports whether s is Chinese characters only.
func isHanWord(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return s != ""
}
