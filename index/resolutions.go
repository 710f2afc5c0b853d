package index

import (
	"context"
	"regexp"
	"slices"

	"ctbtsearch/internal/fold"
)

// A General Assembly resolution is cited in these reports by its symbol and
// its title: 题为“全面禁止核试验条约”的决议草案，决议草案经大会通过后成为第63/87号决议.
// The same title comes back every year under a new symbol, so someone who
// types 63/87 also gets, ranked below, the records of the same-titled
// resolutions of other years. The title is read from the records that cite
// the symbol, not from a list, so new years need no data; it is shown under
// 已同时搜索 like every other expansion.

// resolutionSymbolRE is a resolution symbol as typed: session/number.
var resolutionSymbolRE = regexp.MustCompile(`^[0-9]{2,3}/[0-9]{1,4}$`)

const (
	// resolutionSampleHits is how many records citing a symbol are read
	// for its title: they all give the same one.
	resolutionSampleHits = 10
	// maxResolutionTitles bounds the titles one symbol may bring in.
	maxResolutionTitles = 2
	// maxResolvedSymbols bounds the title look-ups of one query, a search
	// each: a pasted list of symbols gets the first ones.
	maxResolvedSymbols = 2
	// relatedResolutionBoost ranks the other years' records below the
	// symbol's own.
	relatedResolutionBoost = 0.05
)

// resolutionTitleRE finds the title a record gives a resolution, in search
// form (quotes inside Chinese text dropped): 题为X的决议草案…第S号决议.
func resolutionTitleRE(symbol string) *regexp.Regexp {
	return regexp.MustCompile(`题为(\p{Han}[^，。；,;]{1,60}?)的决议(?:草案)?[^。；;]{0,40}?第` + regexp.QuoteMeta(symbol) + `号决议`)
}

// resolutionTitles are the titles the records citing symbol give it, as
// the phrase other years' records share: 题为“…”的决议.
func (ix *Index) resolutionTitles(ctx context.Context, symbol string) []string {
	q := ix.textQuery(symbol, nil, 1, true)
	if q == nil {
		return nil
	}
	req := Request{Sort: SortRelevance}
	m, err := ix.runShards(ctx, &plan{query: q}, &req, resolutionSampleHits, false)
	if err != nil {
		return nil
	}
	defer m.release()
	re := resolutionTitleRE(symbol)
	var titles []string
	for _, c := range m.top {
		rec, err := loadRecord(m.runs[c.shard].cols, c.id)
		if err != nil {
			continue
		}
		for _, text := range append([]string{rec.Activity, rec.Comment}, rec.Footnotes...) {
			if sm := re.FindStringSubmatch(fold.RemoveSpaces(fold.Search(text))); sm != nil {
				t := "题为“" + sm[1] + "”的决议"
				if !slices.Contains(titles, t) && len(titles) < maxResolutionTitles {
					titles = append(titles, t)
				}
			}
		}
	}
	return titles
}
