package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
)

// The overview (/overview, /api/overview, /api/overview.csv) is the state ×
// report matrix of a search: who has records matching the query in which
// report. The page, the JSON and the CSV are three views of one Overview call.

// Overview parameters, beside the search's own (q and the filters).
const (
	paramEvery = "every" // "1": only the states with records in every report of the matrix
	paramOrder = "order" // "total" (default) or "name"
)

// overviewShades is the number of cell shades the stylesheet defines
// (.s1 … .s5; .s0 is an empty cell).
const overviewShades = 5

// ParseOverviewParams turns the query parameters of an overview URL into an
// index.OverviewRequest, or reports the first problem as *index.RequestError.
// The search's page, size and sort are accepted (links from a search carry
// them) and ignored.
func ParseOverviewParams(v url.Values) (index.OverviewRequest, error) {
	req, err := ParseSearchParams(v)
	if err != nil {
		return index.OverviewRequest{}, err
	}
	out := index.OverviewRequest{Request: withoutPaging(req)}
	every, err := single(v, paramEvery, maxFlagBytes)
	if err != nil {
		return index.OverviewRequest{}, err
	}
	switch every {
	case "", "0", "false":
	case "1", "true", "on":
		out.EveryReport = true
	default:
		return index.OverviewRequest{}, paramError(paramEvery, "must be 1 or 0")
	}
	if out.Sort, err = single(v, paramOrder, maxFlagBytes); err != nil {
		return index.OverviewRequest{}, err
	}
	switch out.Sort {
	case "", index.OverviewByTotal, index.OverviewByName:
	default:
		return index.OverviewRequest{}, paramError(paramOrder, "must be %s or %s", index.OverviewByTotal, index.OverviewByName)
	}
	return out, nil
}

// maxFlagBytes bounds the value of a switch or an order: the longest valid
// one is five bytes.
const maxFlagBytes = 16

// overview is the one call behind the page, the JSON and the CSV.
func (s *server) overview(c echo.Context) (*index.Overview, error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, &index.RequestError{Param: paramQueryString, Msg: "is malformed (bad %-escape or separator)"}
	}
	req, err := ParseOverviewParams(v)
	if err != nil {
		return nil, err
	}
	return s.s.Overview(c.Request().Context(), req)
}

// overviewJSON is the body of GET /api/overview.
type overviewJSON struct {
	Total   int               `json:"total"`
	Reports []reportJSON      `json:"reports"` // in session order
	Rows    []overviewRowJSON `json:"rows"`
}

// reportJSON names a report in the overview and the comparison. Total is the
// report's records in the answer: the column sum in the overview, the
// report's size in a comparison.
type reportJSON struct {
	ID      string `json:"id"`
	Session int    `json:"session"`
	Symbol  string `json:"symbol"`
	Year    int    `json:"year"`
	Label   string `json:"label"`
	Total   int    `json:"total"`
}

// overviewRowJSON is one state. Counts has an entry for every report in
// which the state has records; a report it lacks is absent (zero).
type overviewRowJSON struct {
	State     string         `json:"state"`
	StateCode string         `json:"state_code"`
	Annex2    bool           `json:"annex2"`
	Total     int            `json:"total"`
	Counts    map[string]int `json:"counts"`
}

func toReportJSON(info index.ReportInfo, total int) reportJSON {
	return reportJSON{ID: info.ID, Session: info.Session, Symbol: info.Symbol, Year: info.Year, Label: info.Label(), Total: total}
}

func toOverviewJSON(o *index.Overview) overviewJSON {
	out := overviewJSON{Total: o.Total, Reports: make([]reportJSON, 0, len(o.Reports)), Rows: make([]overviewRowJSON, 0, len(o.Rows))}
	for _, r := range o.Reports {
		out.Reports = append(out.Reports, toReportJSON(r.ReportInfo, r.Total))
	}
	for _, row := range o.Rows {
		rj := overviewRowJSON{State: row.State, StateCode: row.StateCode, Annex2: row.Annex2, Total: row.Total, Counts: map[string]int{}}
		for i, n := range row.Counts {
			if n > 0 {
				rj.Counts[o.Reports[i].ID] = n
			}
		}
		out.Rows = append(out.Rows, rj)
	}
	return out
}

func (s *server) apiOverview(c echo.Context) error {
	o, err := s.overview(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOverviewJSON(o))
}

// overviewCSVName is offered to the browser for saving the matrix.
const overviewCSVName = "ctbt-universality-overview.csv"

// apiOverviewCSV is the matrix as a spreadsheet: one row per state, one
// column per report, headed by the report as people cite it.
func (s *server) apiOverviewCSV(c echo.Context) error {
	o, err := s.overview(c)
	if err != nil {
		return err
	}
	// The same CSV rules as the search export (appendCSVRow): quoting for
	// semicolon locales, formulas defused. The matrix is small (states ×
	// at most MaxOverviewReports columns), so it is built whole.
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	header := []string{"state", "state_code", "annex2", "total"}
	for _, r := range o.Reports {
		header = append(header, r.Label())
	}
	appendCSVRow(&buf, header)
	for _, row := range o.Rows {
		line := []string{row.State, row.StateCode, strconv.FormatBool(row.Annex2), strconv.Itoa(row.Total)}
		for _, n := range row.Counts {
			line = append(line, strconv.Itoa(n))
		}
		appendCSVRow(&buf, line)
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+overviewCSVName+`"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// overviewView is the overview page.
type overviewView struct {
	pageMeta
	Query      string
	MaxQuery   int
	Hidden     []field // the filters and the overview's options, carried by the form
	Summary    string  // the filters in words, e.g. 部分 1(a)、年份 2007年
	Total      int
	Took       string
	Columns    []overviewColumn
	Rows       []overviewRowView
	Every      bool
	EveryURL   string // toggles the switch
	ByName     bool
	ByTotalURL string
	ByNameURL  string
	Capped     int    // the number of columns when the oldest reports were left out; 0 otherwise
	SearchURL  string // the same search as a list of records
	CompareURL string // the two newest reports of the matrix; "" with fewer than two
	CSVURL     string
	JSONURL    string
}

type overviewColumn struct {
	ID, Short, Year, Label string
	Total                  int
	URL                    string // the search narrowed to the report
}

type overviewRowView struct {
	State, English string
	Annex2         bool
	StateURL       string // the state page; "" for a state without a code
	SearchURL      string // the search narrowed to the state
	Total          int
	Cells          []overviewCell
}

type overviewCell struct {
	Count int
	Shade int    // s0…s5, relative to the largest cell
	URL   string // the search narrowed to the state and the report; "" for an empty cell
	Title string // 日本 · A/62/…：3 条
}

func (s *server) overviewPage(c echo.Context) error {
	o, err := s.overview(c)
	if err != nil {
		return err
	}
	return s.views.render(c, http.StatusOK, "overview", newOverviewView(o))
}

func newOverviewView(o *index.Overview) overviewView {
	req := o.Request.Request
	v := overviewView{
		pageMeta:   pageMeta{Title: "概览"},
		Query:      req.Query,
		MaxQuery:   index.MaxQueryRunes,
		Total:      o.Total,
		Took:       formatTook(o.Took),
		Every:      o.Request.EveryReport,
		ByName:     o.Request.Sort == index.OverviewByName,
		EveryURL:   overviewURL(req, !o.Request.EveryReport, o.Request.Sort),
		ByTotalURL: overviewURL(req, o.Request.EveryReport, index.OverviewByTotal),
		ByNameURL:  overviewURL(req, o.Request.EveryReport, index.OverviewByName),
		SearchURL:  searchURL(req),
	}
	self := queryPart(overviewURL(req, o.Request.EveryReport, o.Request.Sort))
	v.CSVURL, v.JSONURL = "/api/overview.csv"+self, "/api/overview"+self
	if req.Query != "" {
		v.Title = "概览 · " + req.Query
	}
	v.Hidden = formFields(req)
	if o.Request.EveryReport {
		v.Hidden = append(v.Hidden, field{paramEvery, "1"})
	}
	if v.ByName {
		v.Hidden = append(v.Hidden, field{paramOrder, index.OverviewByName})
	}
	labels := make([]index.FacetValue, 0, len(o.Reports))
	for _, r := range o.Reports {
		labels = append(labels, index.FacetValue{Value: r.ID, Label: r.Label()})
	}
	v.Summary = filterSummary(req, labels)
	if o.Capped {
		v.Capped = len(o.Reports)
	}
	for _, r := range o.Reports {
		col := overviewColumn{ID: r.ID, Short: r.ShortLabel(), Label: r.Label(), Total: r.Total}
		if r.Year > 0 {
			col.Year = strconv.Itoa(r.Year)
		}
		narrowed := req
		narrowed.Reports = []string{r.ID}
		col.URL = searchURL(narrowed)
		v.Columns = append(v.Columns, col)
	}
	if n := len(o.Reports); n >= 2 {
		v.CompareURL = compareURL(o.Reports[n-2].ID, o.Reports[n-1].ID)
	}
	largest := 0
	for _, row := range o.Rows {
		for _, n := range row.Counts {
			largest = max(largest, n)
		}
	}
	for _, row := range o.Rows {
		rv := overviewRowView{State: row.State, English: row.English, Annex2: row.Annex2, StateURL: statePageURL(row.StateCode), Total: row.Total}
		byState := req
		byState.States = []string{row.State}
		rv.SearchURL = searchURL(byState)
		for i, n := range row.Counts {
			cell := overviewCell{Count: n, Title: fmt.Sprintf("%s · %s：%d 条", row.State, o.Reports[i].ShortLabel(), n)}
			if n > 0 {
				cell.Shade = (n*overviewShades + largest - 1) / largest
				narrowed := byState
				narrowed.Reports = []string{o.Reports[i].ID}
				cell.URL = searchURL(narrowed)
			}
			rv.Cells = append(rv.Cells, cell)
		}
		v.Rows = append(v.Rows, rv)
	}
	return v
}

// queryPart is the "?…" part of a URL, or "".
func queryPart(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[i:]
	}
	return ""
}

// filterSummary says in words which filters a search has; reports are named
// by their labels.
func filterSummary(req index.Request, reports []index.FacetValue) string {
	var out string
	for _, ch := range chips(req, reports) {
		if out != "" {
			out += "、"
		}
		out += ch.Kind + " " + ch.Label
	}
	return out
}
