package web

import (
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// The JSON API's response types. They are declared here, not borrowed from
// the index, because they are a public contract: renaming a field in the
// index must not silently change what API clients receive. Slices are always
// non-nil so that clients see [] rather than null.

// searchJSON is the body of GET /api/search.
type searchJSON struct {
	Query      string          `json:"query"`
	Total      uint64          `json:"total"`
	TookMS     float64         `json:"took_ms"`
	Page       int             `json:"page"`
	Size       int             `json:"size"`
	Sort       string          `json:"sort"`
	Hits       []hitJSON       `json:"hits"`
	Facets     facetsJSON      `json:"facets"`
	Expansions []expansionJSON `json:"expansions"`
	// Suggestions are did-you-mean queries, offered when the query finds
	// nothing or very little.
	Suggestions []suggestionJSON `json:"suggestions"`
}

type suggestionJSON struct {
	Query string `json:"query"` // the whole query with one word replaced
	Word  string `json:"word"`  // the word suggested
	Total uint64 `json:"total"` // records it finds
}

// hitJSON is a record with its score and highlighted fragments. The record's
// own fields keep the JSON names of report.Record, the dump format.
type hitJSON struct {
	report.Record
	Score      float64        `json:"score"`
	Highlights highlightsJSON `json:"highlights"`
	// Reasons say why the record matched where its highlights do not
	// show it (the state's own row, 《条约》 = 全面禁止核试验条约, the section).
	Reasons []string `json:"reasons"`
	// SectionOnly: matched only through its section; listed after the
	// records whose own text matches.
	SectionOnly bool `json:"section_only,omitempty"`
}

// highlightsJSON holds HTML fragments: text escaped, matches in <mark>.
type highlightsJSON struct {
	Activity  []string `json:"activity"`
	Comment   []string `json:"comment"`
	Footnotes []string `json:"footnotes"`
}

type facetsJSON struct {
	State   []facetValueJSON `json:"state"`
	Section []facetValueJSON `json:"section"`
	Month   []facetValueJSON `json:"month"`
	Report  []facetValueJSON `json:"report"`
	Year    []facetValueJSON `json:"year"`
}

// facetValueJSON is one facet value. Only value and count are always
// present: a response lists every month and every state, and leaving out
// false flags and empty labels halves its size.
type facetValueJSON struct {
	Value    string `json:"value"`
	Count    int    `json:"count"`
	Label    string `json:"label,omitempty"`
	Annex2   bool   `json:"annex2,omitempty"`
	Selected bool   `json:"selected,omitempty"`
}

type expansionJSON struct {
	Term     string   `json:"term"`
	Variants []string `json:"variants"`
}

type healthJSON struct {
	Status    string `json:"status"` // "ok" or "degraded"
	Documents uint64 `json:"documents"`
	Reason    string `json:"reason,omitempty"` // why it is degraded
	Version   string `json:"version,omitempty"`
	Revision  string `json:"revision,omitempty"`
}

// search is the one search call behind the HTML page and the JSON API:
// they differ only in how they render its result.
func (s *server) search(c echo.Context) (index.Request, *index.Result, error) {
	req, err := requestFrom(c)
	if err != nil {
		return req, nil, err
	}
	res, err := s.s.Search(c.Request().Context(), req)
	return req, res, err
}

func (s *server) apiSearch(c echo.Context) error {
	_, res, err := s.search(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSearchJSON(res))
}

func (s *server) apiRecord(c echo.Context) error {
	rec, err := s.record(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, normalRecord(rec))
}

// healthChecker is implemented by a Searcher that can tell when the index it
// serves is damaged (index.Live). Health returns nil while all is well.
type healthChecker interface {
	Health() error
}

// healthz answers 200 while the server can do its job and 503 with the
// reason while the index it serves is damaged, so that a load balancer or
// an orchestrator stops sending traffic or restarts it.
func (s *server) healthz(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	h := healthJSON{Status: "ok", Documents: s.s.DocCount(), Version: s.version, Revision: s.revision}
	status := http.StatusOK
	if hc, ok := s.s.(healthChecker); ok {
		if err := hc.Health(); err != nil {
			status, h.Status, h.Reason = http.StatusServiceUnavailable, "degraded", err.Error()
		}
	}
	return c.JSON(status, h)
}

// requestFrom parses the request's query string into a search request.
// Echo's QueryParams would silently drop malformed pairs such as q=%zz and
// run a different search than the one asked for; that is a 400 instead.
func requestFrom(c echo.Context) (index.Request, error) {
	v, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return index.Request{}, &index.RequestError{Param: paramQueryString, Msg: "is malformed (bad %-escape or separator)"}
	}
	return ParseSearchParams(v)
}

func toSearchJSON(res *index.Result) searchJSON {
	out := searchJSON{
		Query:      res.Query,
		Total:      res.Total,
		TookMS:     millis(res.Took),
		Page:       res.Page,
		Size:       res.Size,
		Sort:       res.Sort,
		Hits:       make([]hitJSON, 0, len(res.Hits)),
		Expansions: make([]expansionJSON, 0, len(res.Expansions)),
		Facets: facetsJSON{
			State:   toFacetJSON(res.Facets.State),
			Section: toFacetJSON(res.Facets.Section),
			Month:   toFacetJSON(res.Facets.Month),
			Report:  toFacetJSON(res.Facets.Report),
			Year:    toFacetJSON(res.Facets.Year),
		},
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, hitJSON{
			Record: normalRecord(h.Record),
			Score:  h.Score,
			Highlights: highlightsJSON{
				Activity:  nonNil(h.Highlights["activity"]),
				Comment:   nonNil(h.Highlights["comment"]),
				Footnotes: nonNil(h.Highlights["footnotes"]),
			},
			Reasons:     nonNil(h.Reasons),
			SectionOnly: h.SectionOnly,
		})
	}
	for _, e := range res.Expansions {
		out.Expansions = append(out.Expansions, expansionJSON{Term: e.Term, Variants: nonNil(e.Variants)})
	}
	out.Suggestions = make([]suggestionJSON, 0, len(res.Suggestions))
	for _, sg := range res.Suggestions {
		out.Suggestions = append(out.Suggestions, suggestionJSON{Query: sg.Query, Word: sg.Word, Total: sg.Total})
	}
	return out
}

func toFacetJSON(fvs []index.FacetValue) []facetValueJSON {
	out := make([]facetValueJSON, 0, len(fvs))
	for _, fv := range fvs {
		out = append(out, facetValueJSON{Value: fv.Value, Count: fv.Count, Label: fv.Label, Annex2: fv.Annex2, Selected: fv.Selected})
	}
	return out
}

// normalRecord gives a record's list fields [] instead of null in JSON.
func normalRecord(r report.Record) report.Record {
	r.Months = nonNil(r.Months)
	r.Footnotes = nonNil(r.Footnotes)
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// millis converts a duration to milliseconds with microsecond precision,
// which is all a search's timing is good for.
func millis(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
