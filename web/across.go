package web

import (
	"cmp"
	"context"
	"net/url"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// Helpers shared by the pages that follow states across reports: the
// overview, the state pages, the comparison, and the links to them from the
// search and record pages.

// reportInfos indexes the index's reports by id.
func (s *server) reportInfos() map[string]index.ReportInfo {
	out := map[string]index.ReportInfo{}
	for _, info := range s.s.Reports() {
		out[info.ID] = info
	}
	return out
}

// recordReportLabel names a record's report as people cite it (see
// index.ReportInfo.Label), falling back on the session the record carries.
func recordReportLabel(infos map[string]index.ReportInfo, rec report.Record) string {
	if info, ok := infos[rec.Report]; ok {
		return info.Label()
	}
	return index.ReportInfo{ID: rec.Report, Session: rec.Session}.ShortLabel()
}

// statePageURL is the page of a state across the reports; "" for a state the
// gazetteer does not know, which has no code and so no page.
func statePageURL(code string) string {
	if code == "" {
		return ""
	}
	return "/states/" + url.PathEscape(code)
}

// compareURL is the comparison of two reports.
func compareURL(a, b string) string {
	return "/compare?" + url.Values{paramCompareA: {a}, paramCompareB: {b}}.Encode()
}

// overviewURL is the overview of a search, with the overview's own options.
func overviewURL(req index.Request, every bool, sortBy string) string {
	q := encodeQuery(encodeRequest(withoutPaging(req)))
	extra := url.Values{}
	if every {
		extra.Set(paramEvery, "1")
	}
	if sortBy != "" && sortBy != index.OverviewByTotal {
		extra.Set(paramOrder, sortBy)
	}
	if e := extra.Encode(); e != "" {
		if q != "" {
			q += "&"
		}
		q += e
	}
	if q == "" {
		return "/overview"
	}
	return "/overview?" + q
}

// withoutPaging keeps a search's query and filters.
func withoutPaging(req index.Request) index.Request {
	req.Page, req.Size, req.Sort = 0, 0, ""
	return req
}

// otherReportLink is a report in which a record's state also has records.
type otherReportLink struct {
	Label   string
	Count   int
	URL     string // the search narrowed to the state and that report
	Current bool   // the record's own report
}

// otherReports lists the reports in which a state has records, newest
// first, from the report facet of a search for the state: one cheap call.
func (s *server) otherReports(ctx context.Context, rec report.Record, infos map[string]index.ReportInfo) ([]otherReportLink, error) {
	res, err := s.s.Search(ctx, index.Request{States: []string{rec.State}, Size: 1})
	if err != nil {
		return nil, err
	}
	var out []otherReportLink
	for _, fv := range res.Facets.Report {
		if fv.Count == 0 {
			continue
		}
		label := fv.Label
		if info, ok := infos[fv.Value]; ok {
			label = info.Label()
		}
		out = append(out, otherReportLink{
			Label:   cmp.Or(label, fv.Value),
			Count:   fv.Count,
			URL:     searchURL(index.Request{States: []string{rec.State}, Reports: []string{fv.Value}}),
			Current: fv.Value == rec.Report,
		})
	}
	return out, nil
}
