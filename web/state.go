package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// A state across the reports (/states/{code}, /api/states/{code}): its names,
// Annex 2 membership and its records grouped by report, newest first. The
// page and the JSON are two views of one StateHistory call.

// ParseStateCode checks the code of a state page: three ASCII letters, as an
// ISO 3166-1 alpha-3 code is, in either case. Anything else names no state;
// like an unknown code it is a 404.
func ParseStateCode(raw string) (string, error) {
	code, err := url.PathUnescape(raw)
	if err != nil || len(code) != 3 || strings.IndexFunc(code, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
	}) >= 0 {
		return "", echo.NewHTTPError(http.StatusNotFound, "a state code is three letters, such as JPN")
	}
	return strings.ToUpper(code), nil
}

func (s *server) stateHistory(c echo.Context) (*index.StateHistory, error) {
	code, err := ParseStateCode(c.Param("code"))
	if err != nil {
		return nil, err
	}
	h, err := s.s.StateHistory(c.Request().Context(), code)
	if errors.Is(err, index.ErrUnknownState) {
		return nil, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no state has the code %s", code))
	}
	return h, err
}

// stateJSON is the body of GET /api/states/{code}.
type stateJSON struct {
	Code    string            `json:"code"`
	Name    string            `json:"name"`
	English string            `json:"english"`
	Formal  string            `json:"formal"`
	Annex2  bool              `json:"annex2"`
	Total   int               `json:"total"`
	Reports []stateReportJSON `json:"reports"` // newest first
}

type stateReportJSON struct {
	reportJSON
	Sections []sectionCountJSON `json:"sections"`
	Records  []report.Record    `json:"records"`
}

type sectionCountJSON struct {
	Section string `json:"section"`
	Title   string `json:"title"`
	Count   int    `json:"count"`
}

func toStateJSON(h *index.StateHistory) stateJSON {
	out := stateJSON{Code: h.Code, Name: h.Name, English: h.English, Formal: h.Formal, Annex2: h.Annex2, Total: h.Total, Reports: []stateReportJSON{}}
	for _, r := range h.Reports {
		rj := stateReportJSON{reportJSON: toReportJSON(r.Report, r.Total), Sections: []sectionCountJSON{}, Records: []report.Record{}}
		for _, sc := range r.Sections {
			rj.Sections = append(rj.Sections, sectionCountJSON{Section: sc.Section, Title: sc.Title, Count: sc.Count})
		}
		for _, rec := range r.Records {
			rj.Records = append(rj.Records, normalRecord(rec))
		}
		out.Reports = append(out.Reports, rj)
	}
	return out
}

func (s *server) apiState(c echo.Context) error {
	h, err := s.stateHistory(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStateJSON(h))
}

// stateView is the state page.
type stateView struct {
	pageMeta
	Code, Name, English, Formal string
	Annex2                      bool
	Total                       int
	Truncated                   bool
	SearchURL                   string // every record of the state
	OverviewURL                 string // the overview narrowed to the state
	Reports                     []stateReportView
	JSONURL                     string
}

type stateReportView struct {
	ID, Label  string
	Total      int
	SearchURL  string // the state's records in this report
	CompareURL string // this report against the one before it in the collection; "" for the oldest
	Sections   []sectionLink
	Records    []stateRecordView
}

type sectionLink struct {
	Code, Title string
	Count       int
	URL         string
}

type stateRecordView struct {
	report.Record
	URL string
}

func (s *server) statePage(c echo.Context) error {
	h, err := s.stateHistory(c)
	if err != nil {
		return err
	}
	return s.views.render(c, http.StatusOK, "state", newStateView(h, s.s.Reports()))
}

// newStateView lays out a state's history; reports are the collection's,
// newest first, to link each report to the comparison with the one before.
func newStateView(h *index.StateHistory, reports []index.ReportInfo) stateView {
	previous := map[string]string{}
	for i := 0; i+1 < len(reports); i++ {
		previous[reports[i].ID] = reports[i+1].ID
	}
	byState := index.Request{States: []string{h.Name}}
	v := stateView{
		pageMeta:    pageMeta{Title: h.Name},
		Code:        h.Code,
		Name:        h.Name,
		English:     h.English,
		Formal:      h.Formal,
		Annex2:      h.Annex2,
		Total:       h.Total,
		Truncated:   h.Truncated,
		SearchURL:   searchURL(byState),
		OverviewURL: overviewURL(byState, false, ""),
		JSONURL:     "/api" + statePageURL(h.Code),
	}
	for _, r := range h.Reports {
		inReport := index.Request{States: []string{h.Name}, Reports: []string{r.Report.ID}}
		rv := stateReportView{ID: r.Report.ID, Label: r.Report.Label(), Total: r.Total, SearchURL: searchURL(inReport)}
		if prev, ok := previous[r.Report.ID]; ok {
			rv.CompareURL = compareURL(prev, r.Report.ID)
		}
		for _, sc := range r.Sections {
			narrowed := inReport
			narrowed.Section = []string{sc.Section}
			rv.Sections = append(rv.Sections, sectionLink{Code: sc.Section, Title: sc.Title, Count: sc.Count, URL: searchURL(narrowed)})
		}
		for _, rec := range r.Records {
			rv.Records = append(rv.Records, stateRecordView{Record: rec, URL: recordURL(rec.ID)})
		}
		v.Reports = append(v.Reports, rv)
	}
	return v
}
