package web

import (
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// The HTML pages are a view of the same Search call as /api/search; the
// types below hold exactly what the templates show, already formatted, so
// the templates contain no logic beyond loops and conditionals.

type searchView struct {
	pageMeta
	Query        string
	Heading      string       // the page's <h1>: what the results are of
	MaxQuery     int          // maxlength of the query box
	Error        *searchError // set when the search was refused; nothing else below Hidden is then set
	QueryInvalid bool         // the query itself is at fault: the box is marked aria-invalid
	Hidden       []field      // filters and size, carried by the search form
	SortHidden   []field      // q as well, carried by the sort form
	SortOptions  []option
	Total        uint64
	Took         string
	Hits         []hitView
	States       *facetGroup // nil when the facet has no values
	Sections     *facetGroup
	Reports      *facetGroup
	Months       []yearBars // the time chart by month, when the results span one or two years
	YearChart    *yearChart // the time chart by year, over longer spans
	Chips        []chip
	ClearAllURL  string // the search without filters; "" when none is set
	Expansions   []expansionView
	ExactURL     string // the query as one exact phrase; "" when not useful
	ExactQuery   string // that phrase, for the link's title
	FirstRank    int    // the number of the first hit, for <ol start>
	Pages        pagination
	FirstPageURL string // for a page number past the last page
	CSVURL       string
	JSONURL      string
	OverviewURL  string // the same search as a state × report matrix
	DocCount     uint64
	// Suggestions are did-you-mean links, when the search finds little.
	Suggestions []suggestionView
}

type field struct{ Name, Value string }

type option struct {
	Value, Label string
	Selected     bool
}

type hitView struct {
	report.Record
	URL         string // the record page, carrying the search so it can link back
	Rank        int    // position in the whole result list, from 1: tells apart links with the same state and period
	ReportLabel string // A/62/… · 2007 · 2006年6月至2007年5月, or 第62届会议 · … without a symbol
	StateURL    string // the state across the reports; "" for a state without a code
	// Highlighted fragments, shown instead of the plain text when present.
	ActivityHL, CommentHL []template.HTML
	FootnotesHL           []template.HTML // every footnote, when one matches
	Why                   string          // why it matched, when the marks do not show it
}

type suggestionView struct {
	Word, URL string
	Total     uint64
}

// facetGroup is one filter in the side bar: a heading and its values, the
// rarer ones behind "show more", with a box to find a value in long lists.
type facetGroup struct {
	Param string // the URL parameter it sets; also names its elements' ids
	Title string
	Shown []facetLink // the most frequent values and every selected one
	More  []facetLink // the rest, behind "show more"; nil for short lists
	Find  *facetFind  // nil for short lists
}

// facetFind is the box that finds a value of a long facet by name. Without
// JavaScript it is a form adding what was typed as a filter (the index takes
// names as people type them: 英国, Japan); app.js narrows the list instead.
type facetFind struct {
	Label, Placeholder string
	Hidden             []field // the rest of the search, page reset
}

// facetShown is how many values a facet lists before "show more". Ten fill
// a phone screen at 44 px a row; facetSlack more are listed rather than
// hidden behind a "show more" that would reveal only a few.
const (
	facetShown = 10
	facetSlack = 5
)

type facetLink struct {
	Value    string
	Label    string // what the link says
	English  string // the state's English name, shown beside the Chinese one
	Note     string // secondary text for the link's title, e.g. a report's id
	Count    int
	Selected bool
	Annex2   bool
	URL      string // toggles the value
}

// yearBars is one year of the month histogram.
type yearBars struct {
	Year string
	Bars []monthBar // January to December
}

type monthBar struct {
	Month    string // YYYY-MM
	Label    string // 2006年6月
	Tick     string // label under the bar ("1月", "6月", "12月"), "" for most months
	Count    int
	Level    int // bar height class h0…h10, relative to the busiest month
	Selected bool
	URL      string // toggles the month; "" for an empty, unselected month
}

// chip is a selected filter value with a link that removes it.
type chip struct {
	Kind, Label, RemoveURL string
}

type expansionView struct {
	Term     string
	Variants string
}

type pagination struct {
	Prev, Next string // "" at the ends
	Links      []pageLink
	Current    int
	Last       int
}

type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool // an ellipsis between distant page numbers
}

// searchError is the banner of a search page whose request was refused.
type searchError struct {
	Problem    string // what is wrong, in Chinese
	Detail     string // the RequestError's own (English) message
	ClearURL   string // the search without the offending parameters; "" when that leads nowhere new
	ClearLabel string // what ClearURL drops, e.g. 去掉有误的月份
}

type recordView struct {
	pageMeta
	Record report.Record
	// The text fields with the matches of the search the record was opened
	// from marked (trustedHighlight); the whole text when nothing matches.
	Activity, Comment template.HTML
	Footnotes         []template.HTML
	Query             string            // that search's query, "" without one
	Marked            bool              // the query matched somewhere in the text
	BackURL           string            // the results the record was opened from; "/" without them
	ReportLabel       string            // as people cite it: A/62/… · 2007 · 2006年6月至2007年5月
	Symbol            string            // the report's document symbol, A/62/50; "" when unknown
	SymbolURL         string            // the document on the UN's document system
	Year              int               // the year the report is cited by; 0 when unknown
	SourceFile        string            // the report file's base name, never a local path
	SourcePlace       string            // the row's line or page in that file (第 17 行, 第 3 页); "" when unknown
	StateURL          string            // every record of the state, across all reports
	StatePage         string            // the state across the reports; "" without a state code
	Others            []otherReportLink // the reports in which the state has records
	ReportURL         string
	SectionURL        string
	PrevURL, NextURL  string // the neighbouring rows of the report's table; "" at the ends
	PrevState         string // their states, which name the links
	NextState         string
	JSONURL           string
}

// histogramLevels is the number of bar heights the stylesheet defines
// (.h1 … .h10; .h0 is an empty month). The CSP forbids style attributes, so
// heights are classes chosen here.
const histogramLevels = 10

// pageWindow is how many page links are shown either side of the current one.
const pageWindow = 2

// sortLabels name the sort orders in the order the select lists them.
var sortLabels = []option{
	{Value: index.SortRelevance, Label: "相关度"},
	{Value: index.SortNewest, Label: "最新"},
	{Value: index.SortOldest, Label: "最早"},
}

func (s *server) searchPage(c echo.Context) error {
	req, res, err := s.search(c)
	if err != nil {
		return err
	}
	return s.views.render(c, http.StatusOK, "search", s.newSearchView(req, res))
}

// searchErrorPage answers a search that the parameters or the index refused
// with the search page itself, status 400: the query box keeps what was
// typed, a banner says what is wrong, and a link drops the parameters at
// fault. Only handleError calls it (see there why), so the status, the log
// line and the metrics of a refused search stay those of every other error.
func (s *server) searchErrorPage(c echo.Context, reqErr *index.RequestError) error {
	// The pairs that parse; a malformed one (q=%zz) is left out, which is
	// also what clearing it means.
	v, _ := url.ParseQuery(c.Request().URL.RawQuery)
	typed := strings.ToValidUTF8(v.Get(paramQuery), "\uFFFD")

	// Drop the parameter the error names, then any other one that would be
	// refused as well, so that the way out does lead to results.
	var dropped []string
	if v.Has(reqErr.Param) {
		delete(v, reqErr.Param)
		dropped = append(dropped, reqErr.Param)
	}
	rest, more := validPart(v)
	dropped = append(dropped, more...)

	e := &searchError{Problem: paramProblem(reqErr.Param), Detail: reqErr.Error()}
	if clear := searchURL(rest); clear != "/" && (len(dropped) > 0 || reqErr.Param == paramQueryString) {
		// "/" is what the banner's 重新开始 link offers anyway; and when
		// nothing was dropped, the same search would be refused again.
		e.ClearURL = clear
		if len(dropped) == 0 {
			dropped = []string{reqErr.Param} // the malformed pair ParseQuery left out
		}
		e.ClearLabel = "去掉有误的" + paramLabels(dropped)
	}
	view := searchView{
		pageMeta:     pageMeta{Title: "检索条件有误"},
		Query:        typed,
		MaxQuery:     index.MaxQueryRunes,
		Error:        e,
		QueryInvalid: reqErr.Param == paramQuery,
		// A corrected query is searched with the parameters that are fine.
		Hidden: formFields(rest),
	}
	return s.views.render(c, http.StatusBadRequest, "search", view)
}

func (s *server) recordPage(c echo.Context) error {
	id, err := recordID(c)
	if err != nil {
		return err
	}
	// The search this record was opened from, as hitURL encoded it. Anything
	// invalid in it (an edited or truncated link) is dropped: it only
	// shapes the back link and the marks and must not stand between anyone
	// and the record.
	v, _ := url.ParseQuery(c.Request().URL.RawQuery)
	back, _ := validPart(v)
	d, err := s.s.RecordDetail(c.Request().Context(), id, back.Query)
	if err != nil {
		return err
	}
	rec := d.Record
	infos := s.reportInfos()
	others, err := s.otherReports(c.Request().Context(), rec, infos)
	if err != nil {
		return err
	}
	view := recordView{
		pageMeta:    pageMeta{Title: rec.State + " · " + rec.Period},
		Record:      rec,
		Activity:    trustedHighlight(d.Marked.Activity),
		Comment:     trustedHighlight(d.Marked.Comment),
		Query:       back.Query,
		BackURL:     searchURL(back),
		ReportLabel: recordReportLabel(infos, rec),
		Symbol:      d.ReportInfo.Symbol,
		SymbolURL:   undocsURL(d.ReportInfo.Symbol),
		Year:        d.ReportInfo.Year,
		StateURL:    searchURL(index.Request{States: []string{rec.State}}),
		StatePage:   statePageURL(rec.StateCode),
		Others:      others,
		ReportURL:   searchURL(index.Request{Reports: []string{rec.Report}}),
		SectionURL:  searchURL(index.Request{Reports: []string{rec.Report}, Section: []string{rec.Section}}),
		JSONURL:     "/api" + recordURL(rec.ID),
	}
	view.SourceFile, view.SourcePlace = sourcePlace(rec.Source)
	for _, f := range d.Marked.Footnotes {
		view.Footnotes = append(view.Footnotes, trustedHighlight(f))
	}
	view.Marked = strings.Contains(d.Marked.Activity+d.Marked.Comment+strings.Join(d.Marked.Footnotes, ""), markOpen)
	// The neighbours keep the search, so the marks and the back link
	// follow the reader along the table.
	if d.Prev != nil {
		view.PrevURL, view.PrevState = hitURL(d.Prev.ID, back), d.Prev.State
	}
	if d.Next != nil {
		view.NextURL, view.NextState = hitURL(d.Next.ID, back), d.Next.State
	}
	return s.views.render(c, http.StatusOK, "record", view)
}

// undocsBase is the UN's document system, which resolves a document symbol
// to the document in the language of the path's first segment.
const undocsBase = "https://undocs.org/zh/"

// undocsURL links to the Chinese edition of the document with this symbol,
// or "" when the symbol is unknown. Each segment is escaped on its own: the
// slashes of A/62/50 belong to the path.
func undocsURL(symbol string) string {
	if symbol == "" {
		return ""
	}
	parts := strings.Split(symbol, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return undocsBase + strings.Join(parts, "/")
}

// sourcePlace splits a record's source into the file's base name and the
// place in it, as a reader says it: "file:17" is 第 17 行 of a text report,
// "file.pdf:p.3" 第 3 页 of a PDF, "file.docx:row 12" 表格第 12 行 of a DOCX
// (see report.Record.Source). Readers cite the report, not our disk: the
// directories the indexer read it from are dropped (either separator, as an
// index may have been built on Windows).
func sourcePlace(source string) (file, place string) {
	file = source
	if i := strings.LastIndexByte(source, ':'); i >= 0 {
		tail := source[i+1:]
		for _, form := range []struct{ prefix, format string }{
			{"", "第 %d 行"}, {"p.", "第 %d 页"}, {"row ", "表格第 %d 行"},
		} {
			rest, ok := strings.CutPrefix(tail, form.prefix)
			if n, err := strconv.Atoi(rest); ok && err == nil && n > 0 {
				file, place = source[:i], fmt.Sprintf(form.format, n)
				break
			}
		}
	}
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		file = file[i+1:]
	}
	return file, place
}

func (s *server) newSearchView(req index.Request, res *index.Result) searchView {
	// States as the index understood them: a state chosen as 英国 is the
	// facet value 大不列颠及北爱尔兰联合王国, and links must toggle that.
	req.States = res.Request.States
	v := searchView{
		Query:       req.Query,
		MaxQuery:    index.MaxQueryRunes,
		Total:       res.Total,
		Took:        formatTook(res.Took),
		CSVURL:      pathWithQuery("/api/search.csv", index.Request{Query: req.Query, States: req.States, Section: req.Section, Months: req.Months, Reports: req.Reports, Years: req.Years, Sort: req.Sort}),
		JSONURL:     pathWithQuery("/api/search", req),
		OverviewURL: overviewURL(req, false, ""),
		DocCount:    s.s.DocCount(),
	}
	if req.Query != "" {
		v.Title = req.Query
	}
	v.Heading = resultsHeading(req)

	// Forms carry the rest of the state in hidden fields, so a new query
	// keeps the filters and a new sort keeps the query; both restart at page 1.
	v.Hidden = formFields(req)
	if req.Query != "" {
		v.SortHidden = append(v.SortHidden, field{paramQuery, req.Query})
	}
	v.SortHidden = append(v.SortHidden, fields(encodeRequest(withoutQuery(req)))...)
	for _, o := range sortLabels {
		o.Selected = o.Value == res.Sort
		v.SortOptions = append(v.SortOptions, o)
	}

	infos := s.reportInfos()
	v.FirstRank = (cmp.Or(res.Page, 1)-1)*cmp.Or(res.Size, index.DefaultPageSize) + 1
	for i, h := range res.Hits {
		hv := hitView{Record: h.Record, URL: hitURL(h.ID, req), Rank: v.FirstRank + i, ReportLabel: recordReportLabel(infos, h.Record), StateURL: statePageURL(h.StateCode)}
		for _, f := range h.Highlights["activity"] {
			hv.ActivityHL = append(hv.ActivityHL, trustedHighlight(f))
		}
		for _, f := range h.Highlights["comment"] {
			hv.CommentHL = append(hv.CommentHL, trustedHighlight(f))
		}
		for _, f := range h.FootnotesMarked {
			hv.FootnotesHL = append(hv.FootnotesHL, trustedHighlight(f))
		}
		hv.Why = strings.Join(h.Reasons, "；")
		v.Hits = append(v.Hits, hv)
	}

	states := facetLinks(req, paramState, res.Facets.State, func(fv index.FacetValue) (string, string) {
		return fv.Value, ""
	})
	for i, fv := range res.Facets.State {
		states[i].English = fv.Label
	}
	v.States = newFacetGroup(req, paramState, "国家", states, &facetFind{Label: "查找国家", Placeholder: "查找国家：日本、Japan…"})
	sections := slices.Clone(res.Facets.Section)
	slices.SortFunc(sections, func(a, b index.FacetValue) int { return cmp.Compare(a.Value, b.Value) })
	v.Sections = newFacetGroup(req, paramSection, "部分", facetLinks(req, paramSection, sections, func(fv index.FacetValue) (string, string) {
		return fv.Value + " " + sectionTitle(fv.Value, fv.Label), ""
	}), nil)
	// Report ids cannot be typed as people cite reports, so that list gets
	// no find box, only "show more".
	v.Reports = newFacetGroup(req, paramReport, "报告", facetLinks(req, paramReport, res.Facets.Report, func(fv index.FacetValue) (string, string) {
		if fv.Label != "" {
			return fv.Label, fv.Value
		}
		return fv.Value, ""
	}), nil)
	if chartByMonth(res) {
		v.Months = monthHistogram(req, res.Facets.Month)
	} else {
		v.YearChart = newYearChart(req, res.Facets.Year)
	}
	v.HasFilters = v.States != nil || v.Sections != nil || v.Reports != nil || v.Months != nil || v.YearChart != nil

	v.Chips = chips(req, res.Facets.Report)
	if req.HasFilters() {
		v.ClearAllURL = searchURL(withoutFilters(req))
	}

	for _, e := range res.Expansions {
		v.Expansions = append(v.Expansions, expansionView{Term: e.Term, Variants: strings.Join(e.Variants, "、")})
	}
	for _, sg := range res.Suggestions {
		alt := req
		alt.Query, alt.Page = sg.Query, 0
		v.Suggestions = append(v.Suggestions, suggestionView{Word: sg.Query, URL: searchURL(alt), Total: sg.Total})
	}
	if phrase := exactPhrase(req.Query); phrase != "" && res.Total > 0 {
		// With no results the phrase, which matches less, cannot help.
		exact := req
		exact.Query = phrase
		exact.Page = 0
		v.ExactURL = searchURL(exact)
		v.ExactQuery = phrase
	}

	v.Pages = paginate(req, res)
	first := req
	first.Page = 0
	v.FirstPageURL = searchURL(first)
	return v
}

// formFields are the search form's hidden fields: everything of req but the
// query, which the box holds, and the page, which a new query resets.
func formFields(req index.Request) []field {
	out := fields(encodeRequest(withoutQuery(req)))
	if req.Sort != "" {
		out = append(out, field{paramSort, req.Sort})
	}
	return out
}

// withoutQuery keeps req's filters and page size.
func withoutQuery(req index.Request) index.Request {
	return index.Request{States: req.States, Section: req.Section, Months: req.Months, Reports: req.Reports, Years: req.Years, Size: req.Size}
}

// fields flattens encoded parameters into hidden form fields, in URL order.
func fields(v map[string][]string) []field {
	var out []field
	for _, name := range []string{paramState, paramSection, paramYear, paramMonth, paramReport, paramSize} {
		for _, val := range v[name] {
			out = append(out, field{name, val})
		}
	}
	return out
}

func facetLinks(req index.Request, param string, fvs []index.FacetValue, label func(index.FacetValue) (string, string)) []facetLink {
	selected := filterValues(req, param)
	var out []facetLink
	for _, fv := range fvs {
		l, note := label(fv)
		out = append(out, facetLink{
			Value:    fv.Value,
			Label:    l,
			Note:     note,
			Count:    fv.Count,
			Selected: fv.Selected || slices.Contains(selected, fv.Value),
			Annex2:   fv.Annex2,
			URL:      searchURL(withFilter(req, param, fv.Value)),
		})
	}
	return out
}

// newFacetGroup lists a facet's values, the most frequent first as the
// index orders them, and moves all but facetShown of a long list behind
// "show more"; selected values always stay in sight. find, when given, is
// offered for long lists only. It returns nil for a facet without values.
func newFacetGroup(req index.Request, param, title string, links []facetLink, find *facetFind) *facetGroup {
	if len(links) == 0 {
		return nil
	}
	g := &facetGroup{Param: param, Title: title}
	if len(links) <= facetShown+facetSlack {
		g.Shown = links
		return g
	}
	for i, l := range links {
		if i < facetShown || l.Selected {
			g.Shown = append(g.Shown, l)
		} else {
			g.More = append(g.More, l)
		}
	}
	if find != nil {
		rest := req
		rest.Query, rest.Page, rest.Sort = "", 0, ""
		find.Hidden = nil
		if req.Query != "" {
			find.Hidden = append(find.Hidden, field{paramQuery, req.Query})
		}
		find.Hidden = append(find.Hidden, fields(encodeRequest(rest))...)
		if req.Sort != "" {
			find.Hidden = append(find.Hidden, field{paramSort, req.Sort})
		}
		g.Find = find
	}
	return g
}

// resultsHeading is the <h1> of a results page: what the results are of.
func resultsHeading(req index.Request) string {
	switch {
	case req.Query != "":
		return "“" + req.Query + "”的检索结果"
	case req.HasFilters():
		return "筛选结果"
	}
	return "全部活动记录"
}

func filterValues(req index.Request, param string) []string {
	switch param {
	case paramState:
		return req.States
	case paramSection:
		return req.Section
	case paramMonth:
		return req.Months
	case paramReport:
		return req.Reports
	case paramYear:
		return req.Years
	}
	return nil
}

// monthTicks label a few months under the histogram. Each label is inside
// its month's cell, so it stays under its bar however the cells wrap.
// Quarters: on narrow screens the twelve months wrap into two rows of six,
// and each row then starts with a label (1月, 7月).
var monthTicks = map[int]string{1: "1月", 4: "4月", 7: "7月", 10: "10月"}

// monthHistogram lays the month facet out as one row of twelve bars per year,
// so gaps and busy periods show at a glance. Bar heights are relative to the
// busiest month of all years, to keep years comparable.
func monthHistogram(req index.Request, fvs []index.FacetValue) []yearBars {
	counts := map[string]int{}
	years := map[string]bool{}
	busiest := 0
	for _, fv := range fvs {
		if !index.ValidMonth(fv.Value) {
			continue
		}
		counts[fv.Value] = fv.Count
		years[fv.Value[:4]] = true
		busiest = max(busiest, fv.Count)
	}
	for _, m := range req.Months {
		years[m[:4]] = true // a selected month shows even when it has no records
	}
	var out []yearBars
	for _, y := range slices.Sorted(maps.Keys(years)) {
		yb := yearBars{Year: y}
		for m := 1; m <= 12; m++ {
			month := fmt.Sprintf("%s-%02d", y, m)
			bar := monthBar{
				Month:    month,
				Label:    fmt.Sprintf("%s年%d月", y, m),
				Tick:     monthTicks[m],
				Count:    counts[month],
				Selected: slices.Contains(req.Months, month),
			}
			if bar.Count > 0 {
				// Round up, so that a month with one record is still visible.
				bar.Level = (bar.Count*histogramLevels + busiest - 1) / busiest
			}
			if bar.Count > 0 || bar.Selected {
				bar.URL = searchURL(withFilter(req, paramMonth, month))
			}
			yb.Bars = append(yb.Bars, bar)
		}
		out = append(out, yb)
	}
	return out
}

// chips lists the selected filter values, each with a link removing it.
// Reports are named by their facet label (session and symbol) when the index
// gives one, as their ids mean little to people.
func chips(req index.Request, reports []index.FacetValue) []chip {
	var out []chip
	add := func(kind, param string, vals []string, label func(string) string) {
		for _, v := range vals {
			out = append(out, chip{Kind: kind, Label: label(v), RemoveURL: searchURL(withFilter(req, param, v))})
		}
	}
	same := func(v string) string { return v }
	add("国家", paramState, req.States, same)
	add("部分", paramSection, req.Section, func(v string) string { return v + " " + sectionTitle(v, "") })
	add("年份", paramYear, req.Years, func(v string) string { return v + "年" })
	add("月份", paramMonth, req.Months, func(v string) string {
		m, _ := strconv.Atoi(v[5:]) // validated YYYY-MM
		return fmt.Sprintf("%s年%d月", v[:4], m)
	})
	add("报告", paramReport, req.Reports, func(v string) string {
		for _, fv := range reports {
			if fv.Value == v && fv.Label != "" {
				return fv.Label
			}
		}
		return v
	})
	return out
}

// sectionTitle prefers the index's label and falls back to the known titles.
func sectionTitle(code, label string) string {
	if label != "" {
		return label
	}
	return index.SectionTitles[code]
}

// paginate builds prev/next links and a window of page numbers around the
// current page, with the first and last pages always reachable.
func paginate(req index.Request, res *index.Result) pagination {
	size := cmp.Or(res.Size, req.Size, index.DefaultPageSize)
	page := cmp.Or(res.Page, req.Page, 1)
	last := int(min((res.Total+uint64(size)-1)/uint64(size), index.MaxPage))
	p := pagination{Current: page, Last: last}
	if last <= 1 {
		return p
	}
	at := func(n int) string {
		r := req
		r.Page = n
		return searchURL(r)
	}
	if page > 1 {
		p.Prev = at(min(page-1, last))
	}
	if page < last {
		p.Next = at(page + 1)
	}
	prev := 0
	for n := 1; n <= last; n++ {
		if n != 1 && n != last && (n < page-pageWindow || n > page+pageWindow) {
			continue
		}
		if prev != 0 && n > prev+1 {
			p.Links = append(p.Links, pageLink{Gap: true})
		}
		p.Links = append(p.Links, pageLink{Number: n, URL: at(n), Current: n == page})
		prev = n
	}
	return p
}

// formatTook prints a search's duration in milliseconds with two significant
// digits or so: "0.84", "3.2", "15".
func formatTook(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 2, 64)
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 1, 64)
	}
	return strconv.FormatFloat(ms, 'f', 0, 64)
}

// quoteClosers pairs the quote characters that the index's query parser
// reads as phrase delimiters (index/query.go, closingQuote).
var quoteClosers = map[rune]rune{'"': '"', '“': '”', '＂': '＂', '「': '」'}

// querySyntaxRE matches a word using the query language's operators or
// fields: +word, -word, state:日本. Inside quotes they would be searched as
// text, which is not what the person asked for.
var querySyntaxRE = regexp.MustCompile(`^([+-]\S|[a-z_0-9]*[a-z_][a-z_0-9]*:)`)

// exactPhrase returns q as one quoted phrase (words matched side by side,
// without variants), or "" when that would not be a useful refinement: q is
// empty, a single character, already one quoted phrase, or uses operators or
// fields. Quotes inside q are dropped: "附件2" 国家 becomes "附件2 国家".
func exactPhrase(q string) string {
	rs := []rune(q)
	if len(rs) < 2 {
		return ""
	}
	if closer, ok := quoteClosers[rs[0]]; ok && rs[len(rs)-1] == closer && !slices.Contains(rs[1:len(rs)-1], closer) {
		return "" // already a single phrase
	}
	words := strings.FieldsFunc(q, func(r rune) bool {
		_, open := quoteClosers[r]
		return unicode.IsSpace(r) || open || r == '”' || r == '」'
	})
	for _, w := range words {
		if querySyntaxRE.MatchString(w) {
			return ""
		}
	}
	phrase := strings.Join(words, " ")
	if utf8.RuneCountInString(phrase) < 2 || utf8.RuneCountInString(phrase)+2 > index.MaxQueryRunes {
		return ""
	}
	return `"` + phrase + `"`
}
