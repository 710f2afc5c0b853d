package index

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/search/query"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// A report's symbol (A/62/137) and its section titles are the same for all
// its records, so they are matched once per report at query time, against
// the report list the index keeps, and select records by their report and
// section keywords. Indexed in every record, as they were, they took 5.5%
// of a 1M-record index (report_meta 2.7 MB and section_title 4.0 MB of the
// 122.8 MB of its largest segment) and a tenth of the indexer's time (100k
// records with cmd/indexer: 8.4–8.9 s with them, 7.7 s without), for a few
// hundred distinct texts.

// posTerm is a token of analysed text: its term and its position.
type posTerm struct {
	term string
	pos  int
}

// tokens analyses s as the text fields are analysed.
func (ix *Index) tokens(s string) []posTerm {
	an := ix.mapping.AnalyzerNamed("cjk")
	if an == nil {
		return nil
	}
	var out []posTerm
	for _, tok := range an.Analyze([]byte(s)) {
		out = append(out, posTerm{string(tok.Term), tok.Position})
	}
	return out
}

// hasPhrase reports whether text has the terms of q at the same distances
// from one another as in q, which is what a phrase query on an indexed
// field of text would find.
func hasPhrase(text, q []posTerm) bool {
	if len(q) == 0 {
		return false
	}
	for _, first := range text {
		if first.term != q[0].term {
			continue
		}
		base := first.pos - q[0].pos
		if !slices.ContainsFunc(q[1:], func(want posTerm) bool {
			return !slices.Contains(text, posTerm{want.term, base + want.pos})
		}) {
			return true
		}
	}
	return false
}

// reportMetaText is the searchable text about a report: the series of its
// session's documents (A/62) and its own symbol when known, so that A/62
// finds the 62nd session's records.
func reportMetaText(session int, symbol string) string {
	return fold.Search(fmt.Sprintf("A/%d %s", session, symbol))
}

// newReportEntry keeps a report with what searches match against it: its
// label, its meta text and its section titles, analysed once.
func (ix *Index) newReportEntry(r ReportInfo) reportEntry {
	e := reportEntry{ReportInfo: r, label: r.Label(), meta: ix.tokens(reportMetaText(r.Session, r.Symbol))}
	titles := r.Sections
	if titles == nil {
		titles = SectionTitles // indexes built before kept no titles per report
	}
	e.titles = make(map[string][]posTerm, len(titles))
	for code, title := range titles {
		e.titles[code] = ix.tokens(fold.Search(title))
	}
	return e
}

// sectionTitles collects the title each section of a report is given, ""
// for a section without one, which no search matches. The map is never
// nil: nil is an index built before, which kept no titles.
func sectionTitles(rep *report.Report) map[string]string {
	out := map[string]string{}
	for i := range rep.Records {
		r := &rep.Records[i]
		if r.Section == "" {
			continue
		}
		if title, seen := out[r.Section]; !seen || title == "" {
			out[r.Section] = r.SectionTitle
		}
	}
	return out
}

// reportMetaQuery matches the records of the reports whose meta text has
// sf as a phrase (a symbol such as A/62/137, or A/62 for a session's), by
// their report keyword: one clause per report.
func (ix *Index) reportMetaQuery(sf string, boost float64) []query.Query {
	q := ix.tokens(sf)
	if len(q) == 1 && q[0].term == "a" {
		// A/ alone is in every report's meta: every record, in one clause
		// rather than one per report.
		all := query.NewMatchAllQuery()
		all.SetBoost(boost)
		return []query.Query{all}
	}
	ix.mu.RLock()
	var ids []string
	for id, e := range ix.reports {
		if hasPhrase(e.meta, q) {
			ids = append(ids, id)
		}
	}
	ix.mu.RUnlock()
	slices.Sort(ids) // the same query each time, whatever the map's order
	var alts []query.Query
	for _, id := range ids {
		alts = append(alts, termQuery("report", id, boost))
	}
	return alts
}

// sectionTitleFieldQuery matches section_title:sf, the records of the
// sections whose title, as their report gives it, has sf as a phrase.
func (ix *Index) sectionTitleFieldQuery(sf string, boost float64) []query.Query {
	q := ix.tokens(sf)
	return ix.titledSections(func(title []posTerm) bool { return hasPhrase(title, q) }, boost)
}

// sectionTitleCharQuery is sectionTitleFieldQuery for a lone character,
// which a title has in any of its bigrams (as charQuery finds it in text).
func (ix *Index) sectionTitleCharQuery(char rune, boost float64) []query.Query {
	return ix.titledSections(func(title []posTerm) bool {
		return slices.ContainsFunc(title, func(t posTerm) bool { return strings.ContainsRune(t.term, char) })
	}, boost)
}

// titledSections matches the records of the sections whose title matches:
// by the section keyword where every report having the section agrees, by
// report and section where reports title a section differently.
func (ix *Index) titledSections(match func(title []posTerm) bool, boost float64) []query.Query {
	matched := map[string][]string{} // section code → reports whose title of it matches
	titled := map[string]int{}       // section code → reports having it, titled or not
	ix.mu.RLock()
	for id, e := range ix.reports {
		for code, title := range e.titles {
			titled[code]++
			if match(title) {
				matched[code] = append(matched[code], id)
			}
		}
	}
	ix.mu.RUnlock()
	var alts []query.Query
	for _, code := range slices.Sorted(maps.Keys(matched)) {
		ids := matched[code]
		if len(ids) == titled[code] {
			alts = append(alts, termQuery("section", code, boost))
			continue
		}
		slices.Sort(ids)
		for _, id := range ids {
			both := query.NewConjunctionQuery([]query.Query{termQuery("report", id, 1), termQuery("section", code, 1)})
			both.SetBoost(boost)
			alts = append(alts, both)
		}
	}
	return alts
}
