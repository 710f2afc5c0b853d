package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"

	"ctbtsearch"
	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// The vocabulary is what people type for the things these reports name: the
// UN's Chinese short forms of bodies and groups (欧盟 = 欧洲联盟), their English
// names and acronyms (EU, IAEA), English state names in common forms (DPRK),
// and English words for the reports' terms (ratification → 批准). It is
// reviewed data with sources, in data/vocabulary (see its README), embedded
// like the gazetteer.
//
// It also says which names hide others: 印度 inside 印度尼西亚, 附件2国家
// inside 非附件2国家, 核试验 inside the Treaty's name. Such a word found only
// inside a longer name is not a match (maskedBy, standaloneWords).

// vocabEntry is one thing and all its names.
type vocabEntry struct {
	kind  string   // "body" (bodies and groups), "term" (report vocabulary) or "state"
	show  string   // the Chinese form shown under 已同时搜索
	zh    []string // Chinese spellings in search form without spaces, show's first
	zhRaw []string // the same as written in the file, for display
	en    []string // English spellings as written
	keeps []string // search forms of words inside this name that still count as named (联合国 in 联合国大会)
	code  string   // the state's code, for kind "state"
	where string   // file:line, for error messages
}

// vocabulary is the loaded data, immutable once built.
type vocabulary struct {
	byKey map[string]*vocabEntry // vocabKey of every spelling → entry
	// maskedBy maps a known word (search form) to the longer names that
	// contain it without meaning it: an occurrence of the word inside one
	// of them does not count.
	maskedBy map[string][]string
	// stateWords are the masked words that are state spellings: states are
	// matched through the gazetteer's mentions, not standalone tags.
	stateWords map[string]bool
	// standalone are the masked words that are not state spellings, in
	// order: the words standaloneWords looks for (7 of the 20 masked
	// words today; looking for all 20 and then skipping the states was 3%
	// of the indexer's CPU at 1M records).
	standalone []string
	// names are every known Chinese name and term with its display form,
	// for did-you-mean suggestions.
	names []knownName
	// english are the English spellings, for did-you-mean.
	english []string
	// termWords are the Chinese spellings of the report vocabulary
	// (terms.csv), for ranking a lone character by the words it is part of.
	termWords []string
	// nameWords are the Chinese spellings of the bodies and terms, sorted:
	// the words that get postings of their own (words.go).
	nameWords []string
	hash      [8]byte // of the files, for the index fingerprint
}

type knownName struct {
	sf, show string
}

var vocabHeaders = map[string][]string{
	"bodies.csv": {"name", "short", "english", "keeps", "source"},
	"terms.csv":  {"chinese", "english", "source"},
	"states.csv": {"code", "english", "source"},
}

// vocabKey is how spellings are compared: search form (width, script,
// case), without spaces, dots, hyphens and apostrophes (U.K. = UK,
// nuclear-test = nuclear test).
func vocabKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '-', '\'', '’', '‘':
			return -1
		}
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, fold.NameKey(fold.Search(s)))
}

// searchWord is the search form of a Chinese word without spaces, the form
// texts are scanned in for masked words.
func searchWord(s string) string { return fold.RemoveSpaces(fold.Search(s)) }

func splitBar(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// loadVocabulary reads the vocabulary files. Like the gazetteer it is
// strict: a spelling naming two things, an unknown state code or a keep that
// is not inside its name is an error naming file and line.
func loadVocabulary(files fs.FS, gz *report.Gazetteer) (*vocabulary, error) {
	v := &vocabulary{byKey: map[string]*vocabEntry{}, maskedBy: map[string][]string{}, stateWords: map[string]bool{}}
	h := sha256.New()
	var entries []*vocabEntry
	names := make([]string, 0, len(vocabHeaders))
	for n := range vocabHeaders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := fs.ReadFile(files, "data/vocabulary/"+name)
		if err != nil {
			return nil, fmt.Errorf("vocabulary: %w", err)
		}
		h.Write([]byte(name))
		h.Write(data)
		es, err := parseVocabFile(name, data, gz)
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	copy(v.hash[:], h.Sum(nil))
	// States are entries too, with every spelling the gazetteer knows, so
	// one lookup serves the query and 印度 is known to hide in 印度尼西亚.
	for _, st := range gz.States() {
		e := &vocabEntry{kind: "state", show: st.Name, code: st.Code, where: "data/gazetteer/states.csv " + st.Code}
		for _, s := range append([]string{st.Name, st.Formal, st.English}, st.Aliases...) {
			if s == "" {
				continue
			}
			if hasHan(s) {
				e.addZh(s)
			} else {
				e.en = appendNew(e.en, s)
			}
		}
		entries = append(entries, e)
	}
	for _, e := range entries {
		if e.kind == "state" && e.where != "" && strings.HasPrefix(e.where, "data/vocabulary") {
			continue // merged into the gazetteer's entry below
		}
		for _, s := range e.spellings() {
			k := vocabKey(s)
			if k == "" {
				continue
			}
			if o, ok := v.byKey[k]; ok && o != e {
				if o.kind == "state" && e.kind == "state" && o.code == e.code {
					continue
				}
				if e.kind == "state" { // a state spelling that is also a body's or term's: the vocabulary file wins
					continue
				}
				return nil, fmt.Errorf("vocabulary: %s: %q also names %q (%s)", e.where, s, o.show, o.where)
			}
			v.byKey[k] = e
		}
	}
	// English state forms of data/vocabulary/states.csv join the state's entry.
	for _, e := range entries {
		if e.kind != "state" || !strings.HasPrefix(e.where, "data/vocabulary") {
			continue
		}
		st, _ := gz.ByCode(e.code)
		target := v.byKey[vocabKey(st.Name)]
		for _, s := range e.en {
			k := vocabKey(s)
			if o, ok := v.byKey[k]; ok && o != target {
				return nil, fmt.Errorf("vocabulary: %s: %q also names %q (%s)", e.where, s, o.show, o.where)
			}
			v.byKey[k] = target
			target.en = appendNew(target.en, s)
		}
	}
	v.buildMasks(entries)
	for _, e := range entries {
		if e.kind == "term" {
			v.termWords = append(v.termWords, e.zh...)
		}
		if e.kind != "state" {
			v.nameWords = append(v.nameWords, e.zh...)
		}
	}
	slices.Sort(v.nameWords)
	v.nameWords = slices.Compact(v.nameWords)
	seenEn := map[string]bool{}
	for _, e := range v.byKey {
		for _, s := range e.en {
			if !seenEn[s] {
				seenEn[s] = true
				v.english = append(v.english, s)
			}
		}
	}
	sort.Strings(v.english)
	return v, nil
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// addZh adds a Chinese spelling unless its search form is there already.
func (e *vocabEntry) addZh(s string) {
	sf := searchWord(s)
	if sf == "" || slices.Contains(e.zh, sf) {
		return
	}
	e.zh = append(e.zh, sf)
	e.zhRaw = append(e.zhRaw, s)
}

// display is how a Chinese spelling (search form) of the entry was written.
func (e *vocabEntry) display(sf string) string {
	if i := slices.Index(e.zh, sf); i >= 0 {
		return e.zhRaw[i]
	}
	return sf
}

func (e *vocabEntry) spellings() []string { return append(slices.Clone(e.zh), e.en...) }

func parseVocabFile(name string, data []byte, gz *report.Gazetteer) ([]*vocabEntry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	want := vocabHeaders[name]
	r.FieldsPerRecord = -1 // the header is checked as a whole below
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("vocabulary: %s: %w", name, err)
	}
	if !slices.Equal(header, want) {
		return nil, fmt.Errorf("vocabulary: %s:1: header is %q, want %q", name, strings.Join(header, ","), strings.Join(want, ","))
	}
	r.FieldsPerRecord = len(want)
	var out []*vocabEntry
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("vocabulary: %s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		where := fmt.Sprintf("data/vocabulary/%s:%d", name, line)
		if strings.TrimSpace(rec[len(rec)-1]) == "" {
			return nil, fmt.Errorf("vocabulary: %s: no source", where)
		}
		e := &vocabEntry{where: where}
		switch name {
		case "bodies.csv":
			e.kind = "body"
			for _, s := range append([]string{rec[0]}, splitBar(rec[1])...) {
				e.addZh(s)
			}
			e.en = splitBar(rec[2])
			for _, k := range splitBar(rec[3]) {
				kw := searchWord(k)
				if !slices.ContainsFunc(e.zh, func(s string) bool { return s != kw && strings.Contains(s, kw) }) {
					return nil, fmt.Errorf("vocabulary: %s: keeps %q, which is inside none of its names", where, k)
				}
				e.keeps = append(e.keeps, kw)
			}
			e.show = rec[0]
		case "terms.csv":
			e.kind = "term"
			zh := splitBar(rec[0])
			for _, s := range zh {
				e.addZh(s)
			}
			e.en = splitBar(rec[1])
			if len(zh) > 0 {
				e.show = zh[0]
			}
		case "states.csv":
			e.kind = "state"
			st, ok := gz.ByCode(rec[0])
			if !ok {
				return nil, fmt.Errorf("vocabulary: %s: %q is not a state code of the gazetteer", where, rec[0])
			}
			e.code, e.show, e.en = st.Code, st.Name, splitBar(rec[1])
		}
		if len(e.zh) == 0 && e.kind != "state" {
			return nil, fmt.Errorf("vocabulary: %s: no Chinese name", where)
		}
		if e.kind != "state" {
			for _, s := range e.zh {
				if !hasHan(s) {
					return nil, fmt.Errorf("vocabulary: %s: %q in the Chinese column has no Chinese characters", where, s)
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// buildMasks finds, for every known Chinese word, the longer names that
// contain it without meaning it. Names are the bodies and groups and the
// states; a term (核试验) can hide in a name (the Treaty's) but names nothing
// itself. A word is not masked by another spelling of its own entry
// (禁核试条约 in 全面禁核试条约) nor where the longer name keeps it
// (联合国 in 联合国大会: the Assembly is the UN's).
func (v *vocabulary) buildMasks(entries []*vocabEntry) {
	type word struct {
		sf string
		e  *vocabEntry
	}
	var words, containers []word
	seen := map[string]bool{}
	for _, e := range entries {
		if e.kind == "state" && strings.HasPrefix(e.where, "data/vocabulary") {
			continue
		}
		for _, s := range e.zh {
			if !hasHan(s) || len([]rune(s)) < 2 {
				continue
			}
			words = append(words, word{s, e})
			if e.kind != "term" {
				containers = append(containers, word{s, e})
			}
			if !seen[s] {
				seen[s] = true
				v.names = append(v.names, knownName{s, e.display(s)})
			}
		}
	}
	for _, w := range words {
		for _, c := range containers {
			if c.e == w.e || len(c.sf) <= len(w.sf) || !strings.Contains(c.sf, w.sf) {
				continue
			}
			if slices.ContainsFunc(w.e.zh, func(s string) bool { return slices.Contains(c.e.keeps, s) }) {
				continue
			}
			if !slices.Contains(v.maskedBy[w.sf], c.sf) {
				v.maskedBy[w.sf] = append(v.maskedBy[w.sf], c.sf)
			}
			if w.e.kind == "state" {
				v.stateWords[w.sf] = true
			}
		}
	}
	for w, list := range v.maskedBy {
		sort.Strings(list)
		if !v.stateWords[w] {
			v.standalone = append(v.standalone, w)
		}
	}
	sort.Strings(v.standalone)
	sort.Slice(v.names, func(i, j int) bool { return v.names[i].sf < v.names[j].sf })
}

// lookup finds the entry a spelling names.
func (v *vocabulary) lookup(s string) *vocabEntry {
	return v.byKey[vocabKey(s)]
}

// masked reports whether a word can hide inside longer names.
func (v *vocabulary) masked(sf string) bool { return len(v.maskedBy[sf]) > 0 }

// standaloneAt lists the byte offsets in text (search form without spaces)
// where sf occurs outside every name that masks it.
func (v *vocabulary) standaloneAt(text, sf string) []int {
	var out []int
	masks := v.maskedBy[sf]
	for from := 0; ; {
		i := strings.Index(text[from:], sf)
		if i < 0 {
			return out
		}
		at := from + i
		if !coveredByAny(text, at, at+len(sf), masks) {
			out = append(out, at)
		}
		_, size := firstRune(sf)
		from = at + size
	}
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// coveredByAny reports whether text[start:end] lies inside an occurrence of
// one of the names.
func coveredByAny(text string, start, end int, names []string) bool {
	for _, n := range names {
		lo := max(0, end-len(n))
		hi := min(len(text), start+len(n))
		if lo > hi {
			continue
		}
		window := text[lo:hi]
		for from := 0; ; {
			i := strings.Index(window[from:], n)
			if i < 0 {
				break
			}
			s := lo + from + i
			if s <= start && s+len(n) >= end {
				return true
			}
			_, size := firstRune(window[from+i:])
			from += i + size
		}
	}
	return false
}

// standaloneWords are the masked words (other than state names, which
// mentions cover) that a text names by themselves, as "w:" tags for the
// concepts field.
func (v *vocabulary) standaloneWords(texts []string, set map[string]bool) {
	compact := make([]string, len(texts))
	for i, t := range texts {
		compact[i] = fold.RemoveSpaces(t)
	}
	// One search of every text at once rules out most words: looking for
	// each word in each text was a third of building a record's document.
	// A word absent from the join is absent from every text; one present
	// is then checked text by text, as before.
	all := strings.Join(compact, "\x00")
	for _, w := range v.standalone {
		if !strings.Contains(all, w) || set["w:"+w] {
			continue
		}
		for _, t := range compact {
			if strings.Contains(t, w) && len(v.standaloneAt(t, w)) > 0 {
				set["w:"+w] = true
				break
			}
		}
	}
}

var defaultVocabulary = sync.OnceValues(func() (*vocabulary, error) {
	return loadVocabulary(ctbtsearch.VocabularyFS, report.DefaultGazetteer())
})

// theVocabulary is the embedded vocabulary; TestVocabularyLoads rules out
// the panic.
func theVocabulary() *vocabulary {
	v, err := defaultVocabulary()
	if err != nil {
		panic("embedded data/vocabulary: " + err.Error())
	}
	return v
}

// VocabularyHash identifies the embedded vocabulary, for the index
// fingerprint: it decides which words are tagged as standing by themselves.
func VocabularyHash() string { return fmt.Sprintf("%x", theVocabulary().hash) }
