package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// Two reports side by side (/compare?a=ID&b=ID, /api/compare): every state
// with its records in each, and the activities of the states in both paired
// with their most similar counterparts. The page and the JSON are two views
// of one Compare call.

// Comparison parameters: the report ids, A the earlier one by convention.
const (
	paramCompareA = "a"
	paramCompareB = "b"
)

// ParseCompareParams reads the two report ids of a comparison. A missing id
// defaults to one of the two newest reports (reports lists them newest
// first): A to the older, B to the newer, never both the same. Whether an
// id names a report is the index's to say.
func ParseCompareParams(v url.Values, reports []index.ReportInfo) (a, b string, err error) {
	if a, err = single(v, paramCompareA, maxFilterValueBytes); err != nil {
		return "", "", err
	}
	if b, err = single(v, paramCompareB, maxFilterValueBytes); err != nil {
		return "", "", err
	}
	pick := func(not string, prefer int) string {
		for i := prefer; i < len(reports); i++ {
			if reports[i].ID != not {
				return reports[i].ID
			}
		}
		for _, r := range reports {
			if r.ID != not {
				return r.ID
			}
		}
		return ""
	}
	if b == "" {
		b = pick(a, 0)
	}
	if a == "" {
		a = pick(b, 1)
	}
	if a == "" || b == "" {
		return "", "", paramError(paramCompareA, "the index holds %d report(s); a comparison needs two", len(reports))
	}
	return a, b, nil
}

func (s *server) comparison(c echo.Context) (*index.Comparison, error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return nil, &index.RequestError{Param: paramQueryString, Msg: "is malformed (bad %-escape or separator)"}
	}
	a, b, err := ParseCompareParams(v, s.s.Reports())
	if err != nil {
		return nil, err
	}
	return s.s.Compare(c.Request().Context(), a, b)
}

// compareJSON is the body of GET /api/compare.
type compareJSON struct {
	A      reportJSON         `json:"a"`
	B      reportJSON         `json:"b"`
	States []compareStateJSON `json:"states"`
	Pairs  []pairJSON         `json:"pairs"`
}

type compareStateJSON struct {
	State     string `json:"state"`
	StateCode string `json:"state_code"`
	Annex2    bool   `json:"annex2"`
	A         int    `json:"a"`
	B         int    `json:"b"`
	Status    string `json:"status"` // both, only_a, only_b
}

// pairJSON is an activity of A and its most similar one in B; a side is null
// when the activity has no counterpart (kind stopped or new).
type pairJSON struct {
	State      string        `json:"state"`
	StateCode  string        `json:"state_code"`
	Kind       string        `json:"kind"` // continued, stopped, new
	Similarity float64       `json:"similarity"`
	A          *pairSideJSON `json:"a"`
	B          *pairSideJSON `json:"b"`
}

type pairSideJSON struct {
	ID       string `json:"id"`
	Section  string `json:"section"`
	Period   string `json:"period"`
	Activity string `json:"activity"`
}

func pairSide(r *report.Record) *pairSideJSON {
	if r == nil {
		return nil
	}
	return &pairSideJSON{ID: r.ID, Section: r.Section, Period: r.Period, Activity: r.Activity}
}

func toCompareJSON(cmp *index.Comparison) compareJSON {
	out := compareJSON{
		A: toReportJSON(cmp.A, cmp.A.Records), B: toReportJSON(cmp.B, cmp.B.Records),
		States: make([]compareStateJSON, 0, len(cmp.States)), Pairs: make([]pairJSON, 0, len(cmp.Pairs)),
	}
	for _, st := range cmp.States {
		out.States = append(out.States, compareStateJSON{State: st.State, StateCode: st.StateCode, Annex2: st.Annex2, A: st.A, B: st.B, Status: st.Status})
	}
	for _, p := range cmp.Pairs {
		out.Pairs = append(out.Pairs, pairJSON{State: p.State, StateCode: p.StateCode, Kind: p.Kind,
			Similarity: math.Round(p.Similarity*1000) / 1000, A: pairSide(p.A), B: pairSide(p.B)})
	}
	return out
}

func (s *server) apiCompare(c echo.Context) error {
	cmp, err := s.comparison(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCompareJSON(cmp))
}

// compareView is the comparison page.
type compareView struct {
	pageMeta
	A, B           compareReport
	OptionsA       []option // the reports, for the two selects
	OptionsB       []option
	Both           []compareStateView
	OnlyA, OnlyB   []compareStateView
	Groups         []pairGroup // the states in both, with their paired activities
	SwapURL        string
	OverviewURL    string // the matrix of the two reports
	JSONURL        string
	Continued, New int
	Stopped        int
}

type compareReport struct {
	ID, Label string
	Records   int
	URL       string // the report's records
}

type compareStateView struct {
	State     string
	Annex2    bool
	StateURL  string // the state page; "" without a code
	A, B      int
	SearchURL string // the state's records in the two reports
}

type pairGroup struct {
	State    string
	StateURL string
	Pairs    []pairView
}

type pairView struct {
	Kind, KindLabel string
	Similarity      string // "0.79"; "" for an activity without counterpart
	A, B            *pairSideView
}

type pairSideView struct {
	Activity, Period, URL string
}

var pairKindLabels = map[string]string{
	index.PairContinued: "延续",
	index.PairStopped:   "仅见于前者",
	index.PairNew:       "新增",
}

func (s *server) comparePage(c echo.Context) error {
	cmp, err := s.comparison(c)
	if err != nil {
		return err
	}
	return s.views.render(c, http.StatusOK, "compare", newCompareView(cmp, s.s.Reports()))
}

func newCompareView(cmp *index.Comparison, reports []index.ReportInfo) compareView {
	both := []string{cmp.A.ID, cmp.B.ID}
	v := compareView{
		pageMeta:    pageMeta{Title: "比较 · " + cmp.A.ShortLabel() + " / " + cmp.B.ShortLabel()},
		A:           compareReport{ID: cmp.A.ID, Label: cmp.A.Label(), Records: cmp.A.Records, URL: searchURL(index.Request{Reports: []string{cmp.A.ID}})},
		B:           compareReport{ID: cmp.B.ID, Label: cmp.B.Label(), Records: cmp.B.Records, URL: searchURL(index.Request{Reports: []string{cmp.B.ID}})},
		SwapURL:     compareURL(cmp.B.ID, cmp.A.ID),
		OverviewURL: overviewURL(index.Request{Reports: both}, false, ""),
		JSONURL:     "/api" + compareURL(cmp.A.ID, cmp.B.ID),
	}
	for _, r := range reports {
		v.OptionsA = append(v.OptionsA, option{Value: r.ID, Label: r.Label(), Selected: r.ID == cmp.A.ID})
		v.OptionsB = append(v.OptionsB, option{Value: r.ID, Label: r.Label(), Selected: r.ID == cmp.B.ID})
	}
	for _, st := range cmp.States {
		sv := compareStateView{State: st.State, Annex2: st.Annex2, StateURL: statePageURL(st.StateCode), A: st.A, B: st.B,
			SearchURL: searchURL(index.Request{States: []string{st.State}, Reports: both})}
		switch st.Status {
		case index.StatusBoth:
			v.Both = append(v.Both, sv)
		case index.StatusOnlyA:
			v.OnlyA = append(v.OnlyA, sv)
		default:
			v.OnlyB = append(v.OnlyB, sv)
		}
	}
	side := func(r *report.Record) *pairSideView {
		if r == nil {
			return nil
		}
		return &pairSideView{Activity: r.Activity, Period: r.Period, URL: recordURL(r.ID)}
	}
	for _, p := range cmp.Pairs {
		if len(v.Groups) == 0 || v.Groups[len(v.Groups)-1].State != p.State {
			v.Groups = append(v.Groups, pairGroup{State: p.State, StateURL: statePageURL(p.StateCode)})
		}
		pv := pairView{Kind: p.Kind, KindLabel: pairKindLabels[p.Kind], A: side(p.A), B: side(p.B)}
		switch p.Kind {
		case index.PairContinued:
			pv.Similarity = fmt.Sprintf("%.2f", p.Similarity)
			v.Continued++
		case index.PairNew:
			v.New++
		default:
			v.Stopped++
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Pairs = append(g.Pairs, pv)
	}
	return v
}
