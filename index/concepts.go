package index

import (
	"sort"
	"strings"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// conceptsVersion changes whenever the concept tables below change what a
// record is tagged with (part of MappingFingerprint).
const conceptsVersion = 3

// Concepts are the things these reports name in several ways, or whose name
// hides inside a longer one: the Treaty is 全面禁止核试验条约 and also just
// 《条约》; 核试验 appears inside every mention of the Treaty's name; 附件2国家
// inside 非附件2国家. Each record is tagged at indexing with the concepts it
// names — longest phrase first, so a phrase inside a longer one is not
// counted — and a query word that names a concept also matches, and ranks
// higher, the records tagged with it.
var conceptPhrases = map[string][]string{
	// The Treaty. 《条约》 with its book-title marks is how the reports refer
	// to it after the first mention.
	"全面禁止核试验条约": {"CTBT"},
	"全面禁核试条约":   {"CTBT"},
	"禁核试条约":     {"CTBT"},
	"全面禁试条约":    {"CTBT"},
	"《条约》":      {"CTBT"},
	"ctbt":      {"CTBT"},
	// Its organisation and Preparatory Commission.
	"全面禁止核试验条约组织":      {"CTBTO"},
	"全面禁止核试验条约组织筹备委员会": {"CTBTO"},
	"禁核试组织":            {"CTBTO"},
	"禁核试组织筹委会":         {"CTBTO"},
	"ctbto":            {"CTBTO"},
	"临时技术秘书处":          {"CTBTO"},
	// The NPT; its review conference has a preparatory committee of its own,
	// which must not count as the CTBTO's Preparatory Commission.
	"不扩散核武器条约":  {"NPT"},
	"不扩散条约":     {"NPT"},
	"npt":       {"NPT"},
	"审议大会筹备委员会": {"NPT"},
	// 附件2国家 in the search form (annexNumerals), which texts and queries share.
	"附件二国家":         {"ANNEX2"},
	"附件二所列国家":       {"ANNEX2"}, // the Treaty's own wording (Article XIV)
	"非附件二国家":        {"NONANNEX2"},
	"核试验":           {"NUCTEST"},
	"核爆炸":           {"NUCTEST"},
	"核武器试验":         {"NUCTEST"},
	"核武器试验爆炸":       {"NUCTEST"},
	"暂停核试验":         {"NUCTEST", "MORATORIUM"},
	"暂停核武器试验":       {"NUCTEST", "MORATORIUM"},
	"暂停核武器试验爆炸":     {"NUCTEST", "MORATORIUM"},
	"国际监测系统":        {"IMS"},
	"ims":           {"IMS"},
	"第十四条":          {"ARTXIV"},
	"第十四条大会":        {"ARTXIV"},
	"促进条约生效大会":      {"ARTXIV"},
	"促使全面禁止核试验条约生效": {"CTBT", "EIF"},
}

// Section 1(a) lists activities concerning Annex 2 states by definition;
// its records are about them even where the row does not say so. Such tags
// carry sectionConceptPrefix, so that a match through the section alone can
// be told from one in the row's own text (ranked after it, and flagged).
const sectionConceptPrefix = "§"

var sectionConcepts = map[string][]string{
	"1(a)": {"ANNEX2"},
	"1(b)": {"NONANNEX2"},
}

// conceptsByFirst indexes the phrases by their first rune, longest first,
// so scanning a text costs a map lookup per rune and no allocation.
var conceptsByFirst = func() map[rune][]conceptPhrase {
	m := map[rune][]conceptPhrase{}
	for p, ids := range conceptPhrases {
		rs := []rune(p)
		m[rs[0]] = append(m[rs[0]], conceptPhrase{rs, ids})
	}
	for _, list := range m {
		sort.Slice(list, func(i, j int) bool {
			if len(list[i].runes) != len(list[j].runes) {
				return len(list[i].runes) > len(list[j].runes)
			}
			return string(list[i].runes) < string(list[j].runes)
		})
	}
	return m
}()

type conceptPhrase struct {
	runes []rune
	ids   []string
}

// recordConcepts tags a record with the concepts its texts name, and with
// "w:" plus each word that can hide inside a longer name (印度尼西亚,
// 非附件2国家) where the texts name it by itself.
func recordConcepts(r *report.Record) []string {
	searchTexts := []string{fold.Search(r.Activity), fold.Search(r.Comment)}
	for _, f := range r.Footnotes {
		searchTexts = append(searchTexts, fold.Search(f))
	}
	return recordConceptsIn(r, searchTexts)
}

// recordConceptsIn is recordConcepts given the search forms (fold.Search) of
// the record's activity, comment and footnotes, in that order, which
// indexing has made already.
func recordConceptsIn(r *report.Record, searchTexts []string) []string {
	set := map[string]bool{}
	for _, c := range sectionConcepts[r.Section] {
		set[sectionConceptPrefix+c] = true
	}
	for _, text := range append([]string{r.Activity, r.Comment}, r.Footnotes...) {
		scanConcepts(fold.Concept(text), set)
	}
	theVocabulary().standaloneWords(searchTexts, set)
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// scanConcepts finds concept phrases left to right, longest first.
func scanConcepts(rs []rune, set map[string]bool) {
	eachConcept(rs, func(_, _ int, ids []string) {
		for _, id := range ids {
			set[id] = true
		}
	})
}

// eachConcept calls found for every concept phrase in rs (a concept form,
// fold.Concept), left to right, the longest phrase at each place, resuming
// after it: so 核试验 inside the Treaty's name is not a nuclear test. The one
// scan behind tags, marks and reasons, so the three always agree.
func eachConcept(rs []rune, found func(start, n int, ids []string)) {
	for i := 0; i < len(rs); {
		matched := 1
	candidates:
		for _, c := range conceptsByFirst[rs[i]] {
			if len(c.runes) > len(rs)-i {
				continue
			}
			for j, r := range c.runes {
				if rs[i+j] != r {
					continue candidates
				}
			}
			found(i, len(c.runes), c.ids)
			matched = len(c.runes)
			break
		}
		i += matched
	}
}

// queryConcepts are the concepts a query word names, if it is one of their
// phrases (in search form).
func queryConcepts(sf string) []string {
	ids := conceptPhrases[strings.ReplaceAll(sf, " ", "")]
	return ids
}
