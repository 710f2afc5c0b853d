package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"ctbtsearch"
	"ctbtsearch/internal/fold"
)

// State is one entry of the gazetteer.
type State struct {
	Code    string   // ISO 3166-1 alpha-3
	Name    string   // UN Chinese short name: the canonical form records carry
	Formal  string   // UN Chinese formal name; empty for territories
	English string   // UN English short name, without UNTERM's "(the)"
	Annex2  bool     // one of the 44 states whose ratification the Treaty needs
	Aliases []string // every other spelling; shared, do not modify
}

// Gazetteer resolves the many spellings of a state to one State. It is
// immutable once loaded, so one value serves concurrent parsers and searches.
type Gazetteer struct {
	states []State        // sorted by code
	byCode map[string]int // code → index in states
	byKey  map[string]int // NameKey of every spelling → index in states
	trie   *mentionNode   // Chinese spellings and blockers, for Mentions
}

// gazetteerHeader is the contract with tools/gengazetteer.
var gazetteerHeader = []string{"code", "name", "formal", "english", "annex2", "aliases"}

// mentionBlockers contain a state's name without naming the state. Mentions
// consumes them like names, longest match first, and reports nothing, so the
// name inside is never seen. Each is safe because the text it blocks cannot
// also be a genuine mention: e.g. 中国际 cannot hide a real 中国 (that would be
// written 中国国际…, which 中国际 does not match).
//
// Organisations named after regions need no entry: 美洲国家组织, 阿拉伯国家联盟,
// 东南亚国家联盟 and 非洲联盟 contain no state name (美洲 is not 美国), so they
// already count as no mention, which is right for an organisation.
var mentionBlockers = []string{
	"发展中国家", // developing countries: the commonest false 中国 in UN text
	"中国家",   // 其中国家, 过程中国家 …: the same trap outside 发展中
	"中国际",   // 其中国际原子能机构, 集中国际关注 …
	"美国家",   // 拉美国家, 北美国家, 中美国家, 欧美国家: regions, not the United States
	"法国家",   // 国际法国家义务, 立法国家 …
	"法国际",   // 执法国际合作 …
	"南非洲",   // 南部/东南/西南非洲: regions, not South Africa
	"印度洋",   // the ocean (tsunami warning centres receive IMS data), not India
	"印度支那",  // Indochina
	"朝鲜半岛",  // the peninsula; the UN names the state 朝鲜民主主义人民共和国
	"约旦河",   // 约旦河西岸, the West Bank
	"几内亚湾",  // the Gulf of Guinea
	"新几内亚",  // the island; 巴布亚新几内亚 still wins, it starts earlier
	"马里亚纳",  // the Mariana Islands and Trench, not Mali
	"新泽西",   // New Jersey, not Jersey
}

// minMention keeps one-character spellings (none exist today) from turning
// every occurrence of a common character into a mention.
const minMention = 2

// mentionNode is a trie over the runes of Mentions' spellings: each text
// position costs a walk as deep as the longest spelling it begins, usually a
// single map probe.
type mentionNode struct {
	next map[rune]*mentionNode
	end  bool   // a spelling ends here
	code string // its state; "" for a blocker
}

func (n *mentionNode) insert(key string, code string) {
	for _, r := range key {
		if n.next == nil {
			n.next = make(map[rune]*mentionNode)
		}
		c := n.next[r]
		if c == nil {
			c = &mentionNode{}
			n.next[r] = c
		}
		n = c
	}
	if n.end && n.code != "" {
		return // a state's spelling beats a blocker of the same text
	}
	n.end, n.code = true, code
}

// LoadGazetteer reads data/gazetteer/states.csv. It is strict, because a
// silently wrong gazetteer mislabels every record of a state: errors name the
// offending line.
func LoadGazetteer(csvData []byte) (*Gazetteer, error) {
	r := csv.NewReader(bytes.NewReader(csvData))
	r.FieldsPerRecord = len(gazetteerHeader)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("gazetteer: %w", err)
	}
	if !slices.Equal(header, gazetteerHeader) {
		return nil, fmt.Errorf("gazetteer: line 1: header is %q, want %q",
			strings.Join(header, ","), strings.Join(gazetteerHeader, ","))
	}

	var states []State
	codeLine := map[string]int{} // code → line defining it
	keyCode := map[string]string{}
	keyLine := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gazetteer: %w", err)
		}
		line, _ := r.FieldPos(0)
		st, err := parseState(rec)
		if err != nil {
			return nil, fmt.Errorf("gazetteer: line %d: %w", line, err)
		}
		if first, dup := codeLine[st.Code]; dup {
			return nil, fmt.Errorf("gazetteer: line %d: duplicate code %s (first on line %d)", line, st.Code, first)
		}
		codeLine[st.Code] = line
		// A spelling naming two states would make Lookup and Mentions guess.
		for _, s := range st.spellings() {
			k := fold.NameKey(s)
			if c, ok := keyCode[k]; ok && c != st.Code {
				return nil, fmt.Errorf("gazetteer: line %d: %q of %s also names %s (line %d)", line, s, st.Code, c, keyLine[k])
			}
			keyCode[k], keyLine[k] = st.Code, line
		}
		states = append(states, st)
	}
	if len(states) == 0 {
		return nil, errors.New("gazetteer: no states")
	}

	slices.SortFunc(states, func(a, b State) int { return strings.Compare(a.Code, b.Code) })
	g := &Gazetteer{states: states, byCode: map[string]int{}, byKey: map[string]int{}}
	for i, st := range states {
		g.byCode[st.Code] = i
		for _, s := range st.spellings() {
			g.byKey[fold.NameKey(s)] = i
		}
	}
	g.buildTrie()
	return g, nil
}

func parseState(rec []string) (State, error) {
	st := State{Code: rec[0], Name: rec[1], Formal: rec[2], English: rec[3]}
	if len(st.Code) != 3 || strings.IndexFunc(st.Code, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return st, fmt.Errorf("code %q is not an ISO 3166-1 alpha-3 code", st.Code)
	}
	if fold.NameKey(st.Name) == "" {
		return st, fmt.Errorf("%s has an empty name", st.Code)
	}
	switch rec[4] {
	case "true":
		st.Annex2 = true
	case "false":
	default:
		return st, fmt.Errorf("%s: annex2 is %q, want true or false", st.Code, rec[4])
	}
	if rec[5] != "" {
		st.Aliases = strings.Split(rec[5], "|")
		for _, a := range st.Aliases {
			if fold.NameKey(a) == "" {
				return st, fmt.Errorf("%s has an empty alias in %q", st.Code, rec[5])
			}
		}
	}
	return st, nil
}

// spellings are what Lookup accepts for the state.
func (st *State) spellings() []string {
	out := make([]string, 0, 3+len(st.Aliases))
	for _, s := range []string{st.Name, st.Formal, st.English} {
		if s != "" {
			out = append(out, s)
		}
	}
	return append(out, st.Aliases...)
}

// buildTrie indexes for Mentions only the spellings with Chinese characters:
// with spaces ignored, English names would match inside words ("Oman" in
// "woman"), and the texts scanned are Chinese anyway.
func (g *Gazetteer) buildTrie() {
	g.trie = &mentionNode{}
	for _, b := range mentionBlockers {
		g.trie.insert(fold.NameKey(b), "")
	}
	for _, st := range g.states {
		for _, s := range st.spellings() {
			k := fold.NameKey(s)
			if utf8.RuneCountInString(k) >= minMention && strings.IndexFunc(k, isHan) >= 0 {
				g.trie.insert(k, st.Code)
			}
		}
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Lookup finds a state by any of its spellings — name, formal name, English
// name or alias — compared after NameKey, so spacing, parentheses and width
// do not matter.
func (g *Gazetteer) Lookup(name string) (State, bool) {
	i, ok := g.byKey[fold.NameKey(name)]
	if !ok {
		return State{}, false
	}
	return g.states[i], true
}

// ByCode finds a state by its ISO 3166-1 alpha-3 code, in either case.
func (g *Gazetteer) ByCode(code string) (State, bool) {
	i, ok := g.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return State{}, false
	}
	return g.states[i], true
}

// States returns every state, sorted by code, in a slice the caller owns.
func (g *Gazetteer) States() []State {
	return slices.Clone(g.states)
}

// Mentions returns the codes of the states named in Chinese text, sorted and
// without duplicates. The text is scanned left to right, taking at each
// position the longest spelling that starts there (so 印度尼西亚 is Indonesia,
// not India) and resuming after it; mentionBlockers are spellings that name
// nothing. Whitespace, parentheses and middle dots are skipped and full-width
// ASCII forms folded, as NameKey does for the spellings, so the text may come
// straight from the parser without NFKC.
func (g *Gazetteer) Mentions(text string) []string {
	rs := make([]rune, 0, len(text)/3+1) // Chinese runes take three bytes
	for _, r := range text {
		if fold.SkipInName(r) {
			continue
		}
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII, which NFKC folds
			r -= 0xFEE0
		}
		rs = append(rs, unicode.ToLower(r))
	}

	var codes []string
	for i := 0; i < len(rs); {
		n, end, code := g.trie, 0, ""
		for j := i; j < len(rs); j++ {
			if n = n.next[rs[j]]; n == nil {
				break
			}
			if n.end {
				end, code = j+1, n.code
			}
		}
		if end == 0 {
			i++
			continue
		}
		if code != "" && !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
		i = end
	}
	slices.Sort(codes)
	return codes
}

// defaultGazetteer parses the embedded file once per process.
var defaultGazetteer = sync.OnceValue(func() *Gazetteer {
	g, err := LoadGazetteer(ctbtsearch.GazetteerCSV)
	if err != nil {
		panic("embedded data/gazetteer/states.csv: " + err.Error())
	}
	return g
})

// DefaultGazetteer returns the gazetteer embedded in every binary. It panics
// only if the embedded file is invalid, which TestDefaultGazetteer rules out.
func DefaultGazetteer() *Gazetteer { return defaultGazetteer() }
