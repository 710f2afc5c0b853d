package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"ctbtsearch"
	"ctbtsearch/index"
	"ctbtsearch/internal/testutil"
	"ctbtsearch/report"
)

const sampleReport = "data/reports/a62-ctbt-universality.zh.txt"

var (
	sampleOnce sync.Once
	sampleIx   *index.Index
	sampleErr  error
)

// sampleIndex is the in-memory index of the bundled sample report, built once
// per test binary: the tests only read it.
func sampleIndex(t *testing.T) *index.Index {
	t.Helper()
	sampleOnce.Do(func() {
		data, err := ctbtsearch.SampleReports.ReadFile(sampleReport)
		if err != nil {
			sampleErr = err
			return
		}
		rep, err := report.ParseReport(sampleReport, data, report.DefaultGazetteer())
		if err != nil {
			sampleErr = err
			return
		}
		ix, err := index.NewMemory()
		if err != nil {
			sampleErr = err
			return
		}
		if err := ix.Add(context.Background(), nil, rep); err != nil {
			sampleErr = err
			return
		}
		sampleIx = ix
	})
	if sampleErr != nil {
		t.Fatalf("building the sample index: %v", sampleErr)
	}
	return sampleIx
}

// app is a whole web application under test and what it logged.
type app struct {
	e   *echo.Echo
	log *testutil.SyncBuffer
}

func newApp(t *testing.T, s Searcher, opts Options) *app {
	t.Helper()
	a := &app{log: &testutil.SyncBuffer{}}
	opts.Logger = slog.New(slog.NewTextHandler(a.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.Version == "" {
		opts.Version = "test"
	}
	a.e = New(s, opts)
	return a
}

func sampleApp(t *testing.T) *app { return newApp(t, sampleIndex(t), Options{}) }

func (a *app) do(t *testing.T, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func (a *app) get(t *testing.T, target string) *httptest.ResponseRecorder {
	t.Helper()
	return a.do(t, http.MethodGet, target)
}

// search calls /api/search with the given query string and decodes it.
func (a *app) search(t *testing.T, query string) searchJSON {
	t.Helper()
	rec := a.get(t, "/api/search?"+query)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/search?%s: %d %s", query, rec.Code, rec.Body)
	}
	var res searchJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("GET /api/search?%s: %v", query, err)
	}
	return res
}

// allRecords returns every record of the sample index, to compute expected
// filter results independently of the index's filtering.
func allRecords(t *testing.T, a *app) []report.Record {
	t.Helper()
	res := a.search(t, "size=100")
	if res.Total > 100 {
		t.Fatalf("sample has %d records; the test expects at most 100", res.Total)
	}
	var out []report.Record
	for _, h := range res.Hits {
		out = append(out, h.Record)
	}
	return out
}

func hitIDs(res searchJSON) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func q(pairs ...string) string {
	v := url.Values{}
	for i := 0; i < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v.Encode()
}

func TestSearchAPIShape(t *testing.T) {
	a := sampleApp(t)
	rec := a.get(t, "/api/search?"+q("q", "附件2 国家", "size", "3"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	requireKeys(t, "response", body, "query", "total", "took_ms", "page", "size", "sort", "hits", "facets", "expansions")
	if body["query"] != "附件2 国家" || body["page"] != 1.0 || body["size"] != 3.0 || body["sort"] != index.SortRelevance {
		t.Errorf("query/page/size/sort = %v/%v/%v/%v", body["query"], body["page"], body["size"], body["sort"])
	}
	if _, ok := body["took_ms"].(float64); !ok {
		t.Errorf("took_ms = %#v, want a number", body["took_ms"])
	}
	hits, _ := body["hits"].([]any)
	if len(hits) != 3 {
		t.Fatalf("got %d hits, want 3", len(hits))
	}
	for i, h := range hits {
		hit := h.(map[string]any)
		requireKeys(t, "hit "+strconv.Itoa(i), hit, "id", "report", "session", "section", "section_title", "state",
			"state_code", "annex2", "period", "start", "end", "months", "activity", "comment", "footnotes", "source",
			"score", "highlights")
		requireKeys(t, "highlights", hit["highlights"].(map[string]any), "activity", "comment")
		for _, list := range []string{"months", "footnotes"} {
			if _, ok := hit[list].([]any); !ok {
				t.Errorf("hit %d: %s = %#v, want an array", i, list, hit[list])
			}
		}
	}
	facets := body["facets"].(map[string]any)
	requireKeys(t, "facets", facets, "state", "section", "month", "report")
	for name, f := range facets {
		vals, ok := f.([]any)
		if !ok || len(vals) == 0 {
			t.Errorf("facet %s = %#v, want a non-empty array", name, f)
			continue
		}
		// value and count always; label, annex2 and selected only when set.
		requireKeys(t, "facet "+name, vals[0].(map[string]any), "value", "count")
	}
	if _, ok := body["expansions"].([]any); !ok {
		t.Errorf("expansions = %#v, want an array", body["expansions"])
	}
}

func requireKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: missing %q in %v", what, k, slices.Sorted(func(yield func(string) bool) {
				for k := range m {
					if !yield(k) {
						return
					}
				}
			}))
		}
	}
}

func TestSearchFilters(t *testing.T) {
	a := sampleApp(t)
	all := allRecords(t, a)
	in := func(vals ...string) func(string) bool { return func(s string) bool { return slices.Contains(vals, s) } }
	anyMonth := func(months ...string) func(report.Record) bool {
		return func(r report.Record) bool { return slices.ContainsFunc(r.Months, in(months...)) }
	}
	tests := []struct {
		name  string
		query string
		match func(report.Record) bool
	}{
		{"one state", q("state", "日本"), func(r report.Record) bool { return r.State == "日本" }},
		{"states are ORed", q("state", "日本", "state", "德国"), func(r report.Record) bool { return in("日本", "德国")(r.State) }},
		{"one section", q("section", "1(a)"), func(r report.Record) bool { return r.Section == "1(a)" }},
		{"sections are ORed", q("section", "2(a)", "section", "2(b)"), func(r report.Record) bool { return in("2(a)", "2(b)")(r.Section) }},
		{"one month", q("month", "2007-02"), anyMonth("2007-02")},
		{"months are ORed", q("month", "2007-02", "month", "2006-10"), anyMonth("2007-02", "2006-10")},
		{"filters are ANDed", q("state", "日本", "state", "德国", "section", "1(a)"),
			func(r report.Record) bool { return in("日本", "德国")(r.State) && r.Section == "1(a)" }},
		{"all three ANDed", q("state", "澳大利亚", "section", "1(b)", "month", "2006-06"),
			func(r report.Record) bool {
				return r.State == "澳大利亚" && r.Section == "1(b)" && anyMonth("2006-06")(r)
			}},
		{"report", q("report", "a62-ctbt-universality"), func(report.Record) bool { return true }},
		{"unknown report", q("report", "a99-none"), func(report.Record) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, r := range all {
				if tt.match(r) {
					want = append(want, r.ID)
				}
			}
			res := a.search(t, tt.query+"&size=100")
			got := hitIDs(res)
			slices.Sort(got)
			slices.Sort(want)
			if res.Total != uint64(len(want)) || !slices.Equal(got, want) {
				t.Errorf("%s: total %d, ids %v\nwant %d: %v", tt.query, res.Total, got, len(want), want)
			}
			if len(want) == 0 && tt.name != "unknown report" {
				t.Errorf("the case matches no record of the sample; pick values that do")
			}
		})
	}
}

// TestDisjunctiveFacets checks that a facet's counts ignore its own filter
// (so the other values stay selectable) but honour the other filters.
func TestDisjunctiveFacets(t *testing.T) {
	a := sampleApp(t)
	unfiltered := a.search(t, "")
	filtered := a.search(t, q("section", "1(a)"))

	counts := func(fvs []facetValueJSON) map[string]int {
		m := map[string]int{}
		for _, fv := range fvs {
			m[fv.Value] = fv.Count
		}
		return m
	}
	wantSections := counts(unfiltered.Facets.Section)
	if len(wantSections) != 4 {
		t.Fatalf("unfiltered section facet = %v, want all four sections", wantSections)
	}
	if got := counts(filtered.Facets.Section); !equalMaps(got, wantSections) {
		t.Errorf("with section=1(a), section facet = %v, want the unfiltered counts %v", got, wantSections)
	}
	for _, fv := range filtered.Facets.Section {
		if fv.Selected != (fv.Value == "1(a)") {
			t.Errorf("section %s: selected = %v", fv.Value, fv.Selected)
		}
	}
	if filtered.Total != uint64(wantSections["1(a)"]) {
		t.Errorf("total with section=1(a) = %d, want %d", filtered.Total, wantSections["1(a)"])
	}
	// Other facets are narrowed by the section filter: each record has one
	// state, so the state counts add up to the total.
	sum := 0
	for _, fv := range filtered.Facets.State {
		sum += fv.Count
	}
	if uint64(sum) != filtered.Total {
		t.Errorf("state facet counts add up to %d, want the filtered total %d", sum, filtered.Total)
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestPaging(t *testing.T) {
	a := sampleApp(t)
	p1 := a.search(t, q("size", "10"))
	p2 := a.search(t, q("size", "10", "page", "2"))
	if p1.Total != p2.Total || p1.Total <= 10 {
		t.Fatalf("totals %d and %d; want equal and above one page", p1.Total, p2.Total)
	}
	if p2.Page != 2 || p2.Size != 10 || len(p2.Hits) != 10 {
		t.Errorf("page 2: page %d size %d with %d hits", p2.Page, p2.Size, len(p2.Hits))
	}
	for _, id := range hitIDs(p2) {
		if slices.Contains(hitIDs(p1), id) {
			t.Errorf("record %s is on pages 1 and 2", id)
		}
	}
	last := int(p1.Total+9) / 10
	pl := a.search(t, q("size", "10", "page", strconv.Itoa(last)))
	if want := int(p1.Total) - 10*(last-1); len(pl.Hits) != want {
		t.Errorf("last page has %d hits, want %d", len(pl.Hits), want)
	}
}

func TestSorting(t *testing.T) {
	a := sampleApp(t)
	starts := func(res searchJSON) []string {
		var s []string
		for _, h := range res.Hits {
			s = append(s, h.Start)
		}
		return s
	}
	tests := []struct {
		name     string
		query    string
		wantSort string
		ordered  func(searchJSON) bool
	}{
		{"no query defaults to newest", "", index.SortNewest, func(r searchJSON) bool {
			return slices.IsSortedFunc(starts(r), func(a, b string) int { return strings.Compare(b, a) })
		}},
		{"newest", q("sort", "newest", "q", "附件2"), index.SortNewest, func(r searchJSON) bool {
			return slices.IsSortedFunc(starts(r), func(a, b string) int { return strings.Compare(b, a) })
		}},
		{"oldest", q("sort", "oldest"), index.SortOldest, func(r searchJSON) bool { return slices.IsSorted(starts(r)) }},
		{"query defaults to relevance", q("q", "附件2 国家"), index.SortRelevance, func(r searchJSON) bool {
			// Rows matching through their section alone come last.
			return slices.IsSortedFunc(r.Hits, func(a, b hitJSON) int {
				switch {
				case a.SectionOnly != b.SectionOnly && b.SectionOnly:
					return -1
				case a.SectionOnly != b.SectionOnly:
					return 1
				case a.Score > b.Score:
					return -1
				case a.Score < b.Score:
					return 1
				}
				return 0
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.search(t, tt.query+"&size=100")
			if res.Sort != tt.wantSort {
				t.Errorf("sort = %q, want %q", res.Sort, tt.wantSort)
			}
			if len(res.Hits) < 2 || !tt.ordered(res) {
				t.Errorf("hits not in %s order: %v", tt.wantSort, starts(res))
			}
		})
	}
}

func TestCSVExport(t *testing.T) {
	a := sampleApp(t)
	for _, query := range []string{"", q("state", "日本", "state", "德国"), q("q", "附件2 国家", "sort", "oldest", "page", "2", "size", "5")} {
		t.Run(query, func(t *testing.T) {
			rec := a.get(t, "/api/search.csv?"+query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
				t.Errorf("Content-Disposition = %q", cd)
			}
			body := rec.Body.String()
			if !strings.HasPrefix(body, utf8BOM) {
				t.Fatalf("CSV does not start with a UTF-8 BOM: %q", body[:min(len(body), 20)])
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, utf8BOM))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows[0], csvHeader) {
				t.Errorf("header = %v", rows[0])
			}
			// Page and size do not apply to the export: it has every match.
			total := a.search(t, query).Total
			if got := len(rows) - 1; uint64(got) != total {
				t.Errorf("%d data rows, want total %d", got, total)
			}
			for _, row := range rows[1:] {
				if len(row) != len(csvHeader) {
					t.Fatalf("row has %d cells, want %d: %v", len(row), len(csvHeader), row)
				}
				for _, cell := range row {
					if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
						t.Errorf("cell starts with a formula character: %q", cell)
					}
				}
			}
		})
	}
}

func TestCSVFormulaGuard(t *testing.T) {
	rec := report.Record{
		ID: "x-1", State: "=cmd|' /C calc'!A0", Activity: "+1 talks", Comment: "-2", Period: "@SUM(A1)",
		Footnotes: []string{"=HYPERLINK(\"http://evil\")", "ordinary"}, Months: []string{"2006-06", "2006-07"}, Source: "\tx",
	}
	a := newApp(t, &fakeSearcher{records: []report.Record{rec}}, Options{})
	resp := a.get(t, "/api/search.csv")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(resp.Body.String(), utf8BOM))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows %v, err %v", rows, err)
	}
	got := map[string]string{}
	for i, name := range rows[0] {
		got[name] = rows[1][i]
	}
	want := map[string]string{
		"state": "'=cmd|' /C calc'!A0", "activity": "'+1 talks", "comment": "'-2", "period": "'@SUM(A1)",
		"footnotes": "'=HYPERLINK(\"http://evil\")\nordinary", "months": "2006-06;2006-07", "source": "'\tx", "annex2": "false",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestBadRequests(t *testing.T) {
	a := sampleApp(t)
	states := url.Values{}
	for i := range index.MaxFilterValues + 1 {
		states.Add("state", "国家"+strconv.Itoa(i))
	}
	tests := []struct {
		name, query, wantParam string
	}{
		{"page zero", "page=0", "page"},
		{"page not a number", "page=abc", "page"},
		{"size too big", "size=1000", "size"},
		{"sort bogus", "sort=bogus", "sort"},
		{"month 13", "month=2006-13", "month"},
		{"month with slash", "month=2006%2F06", "month"},
		{"query of 600 runes", q("q", strings.Repeat("核", 600)), "q"},
		{"invalid UTF-8", "q=%ff", "q"},
		{"invalid UTF-8 in a filter", "state=%ff%fe", "state"},
		{"too many states", states.Encode(), "state"},
		{"malformed escape", "q=%zz", "query string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/api/search", "/api/search.csv"} {
				rec := a.get(t, path+"?"+tt.query)
				if rec.Code != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400: %s", path, rec.Code, rec.Body)
					continue
				}
				var body errorJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Errorf("%s: error body %q is not JSON: %v", path, rec.Body, err)
				}
				if !strings.HasPrefix(body.Error, tt.wantParam+": ") {
					t.Errorf("%s: error %q does not name %q", path, body.Error, tt.wantParam)
				}
			}
			// The HTML page shows the search page with an explanation (see
			// TestSearchPageRefused for what is on it).
			rec := a.get(t, "/?"+tt.query)
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Errorf("/: status %d, Content-Type %q", rec.Code, rec.Header().Get("Content-Type"))
			}
			if page := rec.Body.String(); !strings.Contains(page, "检索条件有误</h1>") || !strings.Contains(page, `role="search"`) {
				t.Errorf("/: the search page does not explain the problem")
			}
		})
	}
	if log := a.log.String(); strings.Contains(log, "level=ERROR") {
		t.Errorf("client mistakes were logged as errors:\n%s", log)
	}
}

// TestIndexRequestError checks that a limit only the index enforces still
// reaches the client as a 400 with its message.
func TestIndexRequestError(t *testing.T) {
	fake := &fakeSearcher{err: &index.RequestError{Param: "q", Msg: "unbalanced quotes"}}
	a := newApp(t, fake, Options{})
	rec := a.get(t, "/api/search?q=%22x")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"q: unbalanced quotes"`) {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
}

func TestNotFound(t *testing.T) {
	a := sampleApp(t)
	tests := []struct {
		name, method, target string
		code                 int
		json                 bool
	}{
		{"unknown record API", "GET", "/api/records/a62-ctbt-universality-999", 404, true},
		{"unknown record page", "GET", "/records/a62-ctbt-universality-999", 404, false},
		{"impossible record id", "GET", "/api/records/%3Cscript%3E", 404, true},
		{"too long record id", "GET", "/records/" + strings.Repeat("a", 200), 404, false},
		{"dot record id", "GET", "/records/..", 404, false},
		{"unknown route", "GET", "/nope", 404, false},
		{"unknown API route", "GET", "/api/nope", 404, true},
		{"path traversal", "GET", "/static/../go.mod", 404, false},
		{"escaped path traversal", "GET", "/static/%2e%2e/go.mod", 404, false},
		{"static directory", "GET", "/static/", 404, false},
		{"unfingerprinted static name", "GET", "/static/style.css", 404, false},
		{"template source", "GET", "/static/../templates/layout.html", 404, false},
		{"method not allowed", "POST", "/api/search", 405, true},
		{"method not allowed on page", "DELETE", "/", 405, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := a.do(t, tt.method, tt.target)
			if rec.Code != tt.code {
				t.Fatalf("%s %s: status %d, want %d: %s", tt.method, tt.target, rec.Code, tt.code, rec.Body)
			}
			ct := rec.Header().Get("Content-Type")
			if tt.json {
				var body errorJSON
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" {
					t.Errorf("body %q is not a JSON error (%v)", rec.Body, err)
				}
			} else if !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want an HTML error page", ct)
			}
			if strings.Contains(rec.Body.String(), "module ctbtsearch") {
				t.Errorf("response leaks go.mod")
			}
		})
	}
}

func TestRecord(t *testing.T) {
	a := sampleApp(t)
	hit := a.search(t, q("q", "附件2 国家", "size", "1")).Hits[0]

	rec := a.get(t, "/api/records/"+hit.ID)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var got report.Record
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != hit.ID || got.Activity != hit.Activity || got.Source != hit.Source || !slices.Equal(got.Months, hit.Months) {
		t.Errorf("record %+v\ndoes not match its hit %+v", got, hit.Record)
	}

	rec = a.get(t, "/records/"+hit.ID)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	// The source by its file's base name: a local path means nothing to readers.
	for _, want := range []string{hit.State, hit.Activity, strings.Split(path.Base(hit.Source), ":")[0], hit.SectionTitle, `href="/"`, `href="/api/records/` + hit.ID + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("record page lacks %q", want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	a := sampleApp(t)
	css := regexp.MustCompile(`/static/style\.[0-9a-f]+\.css`).FindString(a.get(t, "/").Body.String())
	if css == "" {
		t.Fatal("the page links no fingerprinted stylesheet")
	}
	targets := []string{"/", "/?q=附件2", "/records/a62-ctbt-universality-001", "/api/search", "/api/search?page=0",
		"/api/search.csv", "/api/records/nope", "/nope", "/healthz", "/metrics", css}
	for _, target := range targets {
		rec := a.get(t, target)
		h := rec.Header()
		for name, want := range map[string]string{
			"Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s (%d): %s = %q, want %q", target, rec.Code, name, got, want)
			}
		}
	}
}

func TestStaticFiles(t *testing.T) {
	a := sampleApp(t)
	page := a.get(t, "/").Body.String()
	for _, re := range []string{`/static/style\.[0-9a-f]{12}\.css`, `/static/app\.[0-9a-f]{12}\.js`, `/static/favicon\.[0-9a-f]{12}\.svg`} {
		u := regexp.MustCompile(re).FindString(page)
		if u == "" {
			t.Errorf("page links nothing matching %s", re)
			continue
		}
		rec := a.get(t, u)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("%s: status %d, %d bytes", u, rec.Code, rec.Body.Len())
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control = %q", u, cc)
		}
		if ct := rec.Header().Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: Content-Type = %q", u, ct)
		}
		cond := httptest.NewRequest("GET", u, nil)
		cond.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		w := httptest.NewRecorder()
		a.e.ServeHTTP(w, cond)
		if w.Code != http.StatusNotModified {
			t.Errorf("%s with If-None-Match: status %d, want 304", u, w.Code)
		}
	}
}

func TestSearchPage(t *testing.T) {
	a := sampleApp(t)
	rec := a.get(t, "/?"+q("q", "附件2 国家"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	for _, want := range []string{
		`<html lang="zh-CN">`, `name="viewport"`, "CTBT 普遍加入报告检索",
		`<label for="q"`, `value="附件2 国家"`, `<label for="sort"`,
		"<mark>", "共 <strong>", "毫秒", `class="badge"`, `href="/records/a62-ctbt-universality-`,
		`class="bars"`, "/api/search.csv?q=",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "&lt;mark&gt;") {
		t.Errorf("highlights were escaped instead of rendered")
	}
	checkNoInlineCode(t, "search page", page)
}

func TestSearchPageFilters(t *testing.T) {
	a := sampleApp(t)
	page := a.get(t, "/?"+q("q", "批准", "state", "日本", "month", "2007-02", "sort", "oldest", "page", "1")).Body.String()
	for _, want := range []string{
		// chips remove one value and keep the rest of the state
		`href="/?q=%E6%89%B9%E5%87%86&amp;month=2007-02&amp;sort=oldest"`,
		// clear all keeps the query and the sort
		`href="/?q=%E6%89%B9%E5%87%86&amp;sort=oldest">清除全部</a>`,
		// a facet value adds itself to the selected ones
		`href="/?q=%E6%89%B9%E5%87%86&amp;state=%E6%97%A5%E6%9C%AC&amp;state=%E5%BE%B7%E5%9B%BD&amp;month=2007-02&amp;sort=oldest"`,
		// the forms carry the filters
		`<input type="hidden" name="state" value="日本">`,
		`<option value="oldest" selected>`,
		"2007年2月",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestSearchPagePagination(t *testing.T) {
	a := sampleApp(t)
	page := a.get(t, "/?page=2&size=10").Body.String()
	for _, want := range []string{`rel="prev" href="/?size=10"`, `rel="next" href="/?page=3&amp;size=10"`, `aria-current="page">2<`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestSearchPagePastTheEnd(t *testing.T) {
	a := sampleApp(t)
	rec := a.get(t, "/?"+q("state", "日本", "page", "50"))
	page := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(page, "页码超出了范围") || !strings.Contains(page, `href="/?state=%E6%97%A5%E6%9C%AC">回到第 1 页`) {
		t.Errorf("status %d; page past the end does not lead back:\n%s", rec.Code, page)
	}
}

func TestSearchPageEmpty(t *testing.T) {
	a := sampleApp(t)
	page := a.get(t, "/?"+q("q", "绝无此词", "state", "日本")).Body.String()
	for _, want := range []string{"没有找到与“绝无此词”匹配的记录", "移除全部筛选条件", `href="/?q=%E7%BB%9D%E6%97%A0%E6%AD%A4%E8%AF%8D"`} {
		if !strings.Contains(page, want) {
			t.Errorf("empty-result page lacks %s", want)
		}
	}
}

func TestExpansions(t *testing.T) {
	a := sampleApp(t)
	res := a.search(t, q("q", "英国"))
	if len(res.Expansions) == 0 || res.Expansions[0].Term != "英国" || !slices.Contains(res.Expansions[0].Variants, "大不列颠及北爱尔兰联合王国") {
		t.Fatalf("expansions = %+v", res.Expansions)
	}
	page := a.get(t, "/?"+q("q", "英国")).Body.String()
	for _, want := range []string{"已同时搜索：英国 → 大不列颠及北爱尔兰联合王国", `class="refine" href="/?q=%22%E8%8B%B1%E5%9B%BD%22"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// TestInjection puts markup into everything that reaches a page: the query,
// every record field and the highlight fragments.
func TestInjection(t *testing.T) {
	const evil = `<script>alert(1)</script>`
	const escaped = `&lt;script&gt;alert(1)&lt;/script&gt;`

	t.Run("real index", func(t *testing.T) {
		a := sampleApp(t)
		rec := a.get(t, "/?"+q("q", evil, "state", evil))
		page := rec.Body.String()
		if strings.Contains(page, evil) || !strings.Contains(page, escaped) {
			t.Errorf("status %d: query not escaped:\n%s", rec.Code, page)
		}
	})

	r := report.Record{
		ID: "evil-1", Report: evil, Section: "1(a)", SectionTitle: evil, State: evil, Period: evil,
		Activity: "activity " + evil, Comment: "comment " + evil, Footnotes: []string{evil}, Source: evil,
		Months: []string{"2006-06"},
	}
	fake := &fakeSearcher{
		records: []report.Record{r},
		highlights: map[string][]string{
			"activity": {"activity " + evil},               // not escaped: must be escaped whole
			"comment":  {"<mark>comment</mark> &lt;b&gt;"}, // well-formed: rendered as is
		},
		facets: index.Facets{
			State:  []index.FacetValue{{Value: evil, Label: evil, Count: 1}},
			Report: []index.FacetValue{{Value: evil, Label: evil, Count: 1}},
		},
		expansions: []index.Expansion{{Term: evil, Variants: []string{evil}}},
	}
	a := newApp(t, fake, Options{})
	for _, target := range []string{"/?" + q("q", evil), "/records/evil-1"} {
		t.Run(target, func(t *testing.T) {
			rec := a.get(t, target)
			page := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, page)
			}
			if strings.Contains(page, "<script>alert") || strings.Contains(page, "</script>alert") {
				t.Errorf("markup from data reached the page unescaped:\n%s", page)
			}
			if !strings.Contains(page, escaped) {
				t.Errorf("page does not show the escaped text")
			}
			checkNoInlineCode(t, target, page)
		})
	}
	if page := a.get(t, "/?q=x").Body.String(); !strings.Contains(page, "<mark>comment</mark> &lt;b&gt;") {
		t.Errorf("a well-formed highlight was not rendered as markup")
	}
}

func TestTrustedHighlight(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "abc 中文", "abc 中文"},
		{"marks", "a<mark>b</mark>c<mark>d</mark>", "a<mark>b</mark>c<mark>d</mark>"},
		{"entities", "&lt;b&gt; &amp; &#39; &#34; &#x4E2D; &quot;", "&lt;b&gt; &amp; &#39; &#34; &#x4E2D; &quot;"},
		{"script", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"mark with attribute", `<mark onmouseover="x">a</mark>`, "&lt;mark onmouseover=&#34;x&#34;&gt;a&lt;/mark&gt;"},
		{"unclosed mark", "<mark>a", "&lt;mark&gt;a"},
		{"nested mark", "<mark><mark>a</mark></mark>", "&lt;mark&gt;&lt;mark&gt;a&lt;/mark&gt;&lt;/mark&gt;"},
		{"stray close", "a</mark>", "a&lt;/mark&gt;"},
		{"raw ampersand", "a & b", "a &amp; b"},
		{"bad entity", "&#xZZ;", "&amp;#xZZ;"},
		{"raw quote", `say "hi"`, "say &#34;hi&#34;"},
		{"raw greater-than", "a > b", "a &gt; b"},
		{"upper-case tag", "<MARK>a</MARK>", "&lt;MARK&gt;a&lt;/MARK&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(trustedHighlight(tt.in)); got != tt.want {
				t.Errorf("trustedHighlight(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestInternalError checks that a failure inside the Searcher is answered
// with a generic 500, never its text, and logged once with the details.
func TestInternalError(t *testing.T) {
	const secret = "secret /internal/path"
	for _, target := range []string{"/api/search", "/", "/api/search.csv", "/api/records/x-1", "/records/x-1"} {
		t.Run(target, func(t *testing.T) {
			a := newApp(t, &fakeSearcher{err: errors.New(secret)}, Options{})
			rec := a.get(t, target)
			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status %d, want 500", rec.Code)
			}
			body := rec.Body.String()
			if strings.Contains(body, "secret") || strings.Contains(body, "/internal/") {
				t.Errorf("response leaks the error: %s", body)
			}
			if strings.HasPrefix(target, "/api/") {
				if strings.TrimSpace(body) != `{"error":"internal error"}` {
					t.Errorf("body = %s", body)
				}
			} else if !strings.Contains(body, "服务器出错") {
				t.Errorf("HTML error page lacks an explanation: %s", body)
			}
			if n := strings.Count(a.log.String(), secret); n != 1 {
				t.Errorf("the error was logged %d times, want once:\n%s", n, a.log)
			}
		})
	}
}

func TestPanicRecovered(t *testing.T) {
	a := newApp(t, &fakeSearcher{panicWith: "boom in the index"}, Options{})
	rec := a.get(t, "/api/search")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "boom") {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
	if !strings.Contains(a.log.String(), "boom in the index") {
		t.Errorf("the panic was not logged:\n%s", a.log)
	}
}

func TestRequestTimeout(t *testing.T) {
	a := newApp(t, &fakeSearcher{block: true}, Options{RequestTimeout: 20 * time.Millisecond})
	rec := a.get(t, "/api/search")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Errorf("status %d, body %s", rec.Code, rec.Body)
	}
}

func TestHealthz(t *testing.T) {
	a := sampleApp(t)
	rec := a.get(t, "/healthz")
	var body healthJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("status %d, body %s (%v)", rec.Code, rec.Body, err)
	}
	if body.Status != "ok" || body.Documents != sampleIndex(t).DocCount() || body.Documents == 0 {
		t.Errorf("healthz = %+v", body)
	}
	if rec := a.do(t, http.MethodHead, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("HEAD /healthz: %d", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	a := sampleApp(t)
	a.get(t, "/api/search")
	a.get(t, "/api/search?page=0")
	a.get(t, "/records/a62-ctbt-universality-999")
	a.get(t, "/no/such/page/"+strconv.Itoa(time.Now().Nanosecond()))
	a.do(t, "BREW", "/")

	rec := a.get(t, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	text := rec.Body.String()
	docs := strconv.FormatUint(sampleIndex(t).DocCount(), 10)
	for _, want := range []string{
		`http_requests_total{code="200",method="GET",route="/api/search"} 1`,
		`http_requests_total{code="400",method="GET",route="/api/search"} 1`,
		`http_requests_total{code="404",method="GET",route="/records/:id"} 1`,
		`http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`method="OTHER"`,
		`http_request_duration_seconds_bucket{route="/api/search",le=`,
		"ctbt_index_documents " + docs,
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(text, "/no/such/page") {
		t.Errorf("raw paths became label values")
	}
}

func TestHeadRequests(t *testing.T) {
	a := sampleApp(t)
	for _, target := range []string{"/", "/api/search", "/healthz"} {
		if rec := a.do(t, http.MethodHead, target); rec.Code != http.StatusOK {
			t.Errorf("HEAD %s: %d", target, rec.Code)
		}
	}
}

func TestRequestLog(t *testing.T) {
	a := sampleApp(t)
	a.get(t, "/api/search?"+q("q", "私密检索词"))
	log := a.log.String()
	for _, want := range []string{"method=GET", "path=/api/search", "status=200", "duration="} {
		if !strings.Contains(log, want) {
			t.Errorf("request log lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "私密") || strings.Contains(log, url.QueryEscape("私密")) {
		t.Errorf("the request log records search terms:\n%s", log)
	}
}

// checkNoInlineCode enforces what the Content-Security-Policy would block in
// a browser: inline scripts, <style> elements and style attributes.
func checkNoInlineCode(t *testing.T, what, page string) {
	t.Helper()
	if strings.Contains(page, "style=") || strings.Contains(page, "<style") {
		t.Errorf("%s has an inline style", what)
	}
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(m, "src=") {
			t.Errorf("%s has an inline script: %s", what, m)
		}
	}
	if regexp.MustCompile(`\son[a-z]+=`).MatchString(page) {
		t.Errorf("%s has an inline event handler", what)
	}
}

// fakeSearcher is a Searcher double: it serves fixed records, or fails in a
// chosen way.
type fakeSearcher struct {
	records    []report.Record
	highlights map[string][]string
	facets     index.Facets
	expansions []index.Expansion
	err        error
	panicWith  string
	block      bool // wait for the context to end
}

func (f *fakeSearcher) fail(ctx context.Context) error {
	if f.panicWith != "" {
		panic(f.panicWith)
	}
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.err
}

func (f *fakeSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	res := &index.Result{Query: req.Query, Total: uint64(len(f.records)), Took: 1234 * time.Microsecond,
		Page: 1, Size: index.DefaultPageSize, Sort: index.SortNewest, Facets: f.facets, Expansions: f.expansions}
	for _, r := range f.records {
		res.Hits = append(res.Hits, index.Hit{Record: r, Score: 1, Highlights: f.highlights})
	}
	return res, nil
}

func (f *fakeSearcher) Record(ctx context.Context, id string) (report.Record, error) {
	if err := f.fail(ctx); err != nil {
		return report.Record{}, err
	}
	for _, r := range f.records {
		if r.ID == id {
			return r, nil
		}
	}
	return report.Record{}, index.ErrNotFound
}

func (f *fakeSearcher) Export(ctx context.Context, req index.Request, fn func(report.Record) error) error {
	if err := f.fail(ctx); err != nil {
		return err
	}
	for _, r := range f.records {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSearcher) DocCount() uint64 { return uint64(len(f.records)) }

// queryBox returns the value of the search page's query box, unescaped.
func queryBox(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<input id="q" name="q" type="search" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page has no query box")
	}
	return html.UnescapeString(m[1])
}

// hiddenFields lists the search form's hidden fields as name=value.
func hiddenFields(page string) []string {
	form, _, _ := strings.Cut(page, "</form>")
	var out []string
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		out = append(out, m[1]+"="+html.UnescapeString(m[2]))
	}
	return out
}

// TestSearchPageRefused checks that a search the parameters or the index
// refuse is answered with the search page, status 400: the box keeps what
// was typed, a banner explains in Chinese with the English detail after it,
// a link drops what is wrong, and there are no results or facets.
func TestSearchPageRefused(t *testing.T) {
	sample := sampleApp(t)
	indexRefuses := newApp(t, &fakeSearcher{err: &index.RequestError{Param: "state", Msg: `state value "x" is not valid`}}, Options{})
	states := url.Values{}
	for i := range index.MaxFilterValues + 1 {
		states.Add("state", "国家"+strconv.Itoa(i))
	}
	tests := []struct {
		name       string
		app        *app
		query      string
		box        string   // the query box's value
		problem    string   // start of the Chinese explanation
		detail     string   // the English message, unescaped
		clear      string   // the link dropping the parameters at fault; "" for none
		clearLabel string   // its text
		hidden     []string // the form's hidden fields
		badQuery   bool     // the box is marked aria-invalid
	}{
		{name: "unknown field, refused by the index", app: sample, query: q("q", "colour:red"),
			box: "colour:red", problem: "检索词无法识别。", detail: `q: unknown field "colour"`, badQuery: true},
		{name: "bad query keeps the filters", app: sample, query: q("q", "colour:red", "state", "日本", "sort", "oldest"),
			box: "colour:red", problem: "检索词无法识别。", detail: `q: unknown field "colour"`,
			clear: "/?state=%E6%97%A5%E6%9C%AC&sort=oldest", clearLabel: "去掉有误的检索词",
			hidden: []string{"state=日本", "sort=oldest"}, badQuery: true},
		{name: "box keeps exactly what was typed", app: sample, query: q("q", " 附件2  colour:red "),
			box: " 附件2  colour:red ", problem: "检索词无法识别。", detail: `q: unknown field "colour"`, badQuery: true},
		{name: "query too long", app: sample, query: q("q", strings.Repeat("核", 600)),
			box: strings.Repeat("核", 600), problem: "检索词无法识别。", detail: "q: must be at most 512 characters long (got 600)", badQuery: true},
		{name: "query not UTF-8", app: sample, query: "q=%ff%E6%A0%B8",
			box: "\uFFFD核", problem: "检索词无法识别。", detail: "q: must be valid UTF-8 text", badQuery: true},
		{name: "page zero", app: sample, query: q("q", "英国", "page", "0"),
			box: "英国", problem: "页码应为 1 到 1000 之间的整数。", detail: "page: must be a whole number ≥ 1",
			clear: "/?q=%E8%8B%B1%E5%9B%BD", clearLabel: "去掉有误的页码"},
		{name: "page zero alone: the way out is starting over", app: sample, query: "page=0",
			problem: "页码应为 1 到 1000 之间的整数。", detail: "page: must be a whole number ≥ 1"},
		{name: "size", app: sample, query: q("q", "批准", "size", "1000"),
			box: "批准", problem: "每页条数应为 1 到 100 之间的整数。", detail: "size: must be at most 100",
			clear: "/?q=%E6%89%B9%E5%87%86", clearLabel: "去掉有误的每页条数"},
		{name: "sort", app: sample, query: q("q", "批准", "sort", "bogus"),
			box: "批准", problem: "排序只能是", detail: "sort: must be one of relevance, newest, oldest",
			clear: "/?q=%E6%89%B9%E5%87%86", clearLabel: "去掉有误的排序"},
		{name: "month", app: sample, query: q("q", "批准", "state", "日本", "month", "2006-13", "sort", "oldest", "size", "50"),
			box: "批准", problem: "月份应写作“年-月”", detail: `month: must be a month written YYYY-MM, such as 2006-06 (got "2006-13")`,
			clear: "/?q=%E6%89%B9%E5%87%86&state=%E6%97%A5%E6%9C%AC&sort=oldest&size=50", clearLabel: "去掉有误的月份",
			hidden: []string{"state=日本", "size=50", "sort=oldest"}},
		{name: "section", app: sample, query: q("section", "3(c)", "section", "1(a)"),
			problem: "部分只能是 1(a)、1(b)、2(a)、2(b)。", detail: `section: unknown section "3(c)"`},
		{name: "too many states", app: sample, query: states.Encode() + "&q=x",
			box: "x", problem: "国家筛选条件无效", detail: "state: at most 50 values can be selected at once",
			clear: "/?q=x", clearLabel: "去掉有误的国家"},
		{name: "report", app: sample, query: q("report", "a62\x01", "q", "x"),
			box: "x", problem: "报告筛选条件无效", detail: "report: must not contain control characters",
			clear: "/?q=x", clearLabel: "去掉有误的报告"},
		{name: "every bad parameter is dropped", app: sample, query: q("q", "x", "month", "2006-13", "page", "0", "state", "日本"),
			box: "x", problem: "月份应写作", detail: "month: ",
			clear: "/?q=x&state=%E6%97%A5%E6%9C%AC", clearLabel: "去掉有误的月份、页码", hidden: []string{"state=日本"}},
		{name: "malformed escape", app: sample, query: "q=%zz&state=%E6%97%A5%E6%9C%AC",
			problem: "网址中的参数无法解码。", detail: "query string: is malformed",
			clear: "/?state=%E6%97%A5%E6%9C%AC", clearLabel: "去掉有误的参数", hidden: []string{"state=日本"}},
		{name: "filter refused by the index", app: indexRefuses, query: q("q", "a", "state", "x"),
			box: "a", problem: "国家筛选条件无效", detail: `state: state value "x" is not valid`,
			clear: "/?q=a", clearLabel: "去掉有误的国家"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.app.get(t, "/?"+tt.query)
			page := rec.Body.String()
			if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("status %d, Content-Type %q, want 400 HTML", rec.Code, rec.Header().Get("Content-Type"))
			}
			if !strings.Contains(page, `role="search"`) {
				t.Fatalf("not the search page:\n%s", page)
			}
			if got := queryBox(t, page); got != tt.box {
				t.Errorf("query box = %q, want %q", got, tt.box)
			}
			banner := regexp.MustCompile(`(?s)<div id="search-error" class="alert" role="alert">(.*?)</div>`).FindStringSubmatch(page)
			if banner == nil {
				t.Fatalf("no alert banner:\n%s", page)
			}
			text := html.UnescapeString(banner[1])
			if !strings.Contains(text, "<h1 class=\"alert-title\">检索条件有误</h1>\n  <p>"+tt.problem) {
				t.Errorf("banner does not explain %q:\n%s", tt.problem, text)
			}
			if !strings.Contains(text, `<span class="detail" lang="en">`+tt.detail) {
				t.Errorf("banner lacks the English detail %q:\n%s", tt.detail, text)
			}
			links := regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`).FindAllStringSubmatch(banner[1], -1)
			var got []string
			for _, l := range links {
				got = append(got, html.UnescapeString(l[1])+" "+l[2])
			}
			want := []string{"/ 重新开始"}
			if tt.clear != "" {
				want = []string{tt.clear + " " + tt.clearLabel, "/ 重新开始"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("banner links %q, want %q", got, want)
			}
			if tt.clear != "" {
				if rec := tt.app.get(t, tt.clear); rec.Code != http.StatusOK && tt.app == sample {
					t.Errorf("the clear link %s answers %d", tt.clear, rec.Code)
				}
			}
			if got := hiddenFields(page); !slices.Equal(got, tt.hidden) {
				t.Errorf("hidden fields %q, want %q", got, tt.hidden)
			}
			if got := strings.Contains(page, `aria-invalid="true" aria-describedby="search-error"`); got != tt.badQuery {
				t.Errorf("query box marked invalid: %v, want %v", got, tt.badQuery)
			}
			for _, absent := range []string{`class="layout"`, `class="hits"`, `id="summary"`, `class="facets"`, `class="chips"`, `class="expansions"`, "请求参数有误"} {
				if strings.Contains(page, absent) {
					t.Errorf("a refused search shows %s", absent)
				}
			}
			checkNoInlineCode(t, "refused search", page)

			// The API answers the same request as before: a JSON error.
			api := tt.app.get(t, "/api/search?"+tt.query)
			var body errorJSON
			if api.Code != http.StatusBadRequest || json.Unmarshal(api.Body.Bytes(), &body) != nil || !strings.HasPrefix(body.Error, tt.detail) {
				t.Errorf("API: status %d, body %s; want 400 with %q", api.Code, api.Body, tt.detail)
			}
		})
	}
	for _, a := range []*app{sample, indexRefuses} {
		if log := a.log.String(); strings.Contains(log, "level=ERROR") {
			t.Errorf("refused searches were logged as errors:\n%s", log)
		}
	}
}

// backLink returns the record page's "‹ 返回检索" href, unescaped.
func backLink(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<a class="back" href="([^"]*)">‹ 返回检索`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the record page has no back link:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

// TestRecordBackLink checks that result links carry the search and that the
// record page links back to the same results, dropping whatever is invalid.
func TestRecordBackLink(t *testing.T) {
	a := sampleApp(t)
	id := a.search(t, q("q", "附件2 国家", "size", "1")).Hits[0].ID

	t.Run("result links carry the search", func(t *testing.T) {
		for _, search := range []string{
			"",
			q("state", "日本"),
			"q=%E9%99%84%E4%BB%B62+%E5%9B%BD%E5%AE%B6&section=1%28a%29&sort=oldest&page=2&size=5",
			"q=%E6%A0%B8&month=2006-10&month=2007-02&report=a62-ctbt-universality",
		} {
			page := a.get(t, "/?"+search).Body.String()
			links := regexp.MustCompile(`href="(/records/[^"?]+)([^"]*)"`).FindAllStringSubmatch(page, -1)
			if len(links) == 0 {
				t.Fatalf("/?%s: no result links", search)
			}
			wantQuery := ""
			if search != "" {
				wantQuery = "?" + search
			}
			for _, l := range links {
				if got := html.UnescapeString(l[2]); got != wantQuery {
					t.Fatalf("/?%s: result link %s%s, want it to carry %q", search, l[1], got, wantQuery)
				}
			}
			// Follow the first one and come back.
			rec := a.get(t, html.UnescapeString(links[0][1]+links[0][2]))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: status %d", links[0][1], rec.Code)
			}
			if got := backLink(t, rec.Body.String()); got != "/"+wantQuery {
				t.Errorf("/?%s: record page links back to %s", search, got)
			}
		}
	})

	tests := []struct {
		name, query, back string
	}{
		{"no search", "", "/"},
		{"whole search", "?q=x&state=%E6%97%A5%E6%9C%AC&state=%E5%BE%B7%E5%9B%BD&section=1%28a%29&month=2006-06&report=a62-ctbt-universality&sort=oldest&page=3&size=5",
			"/?q=x&state=%E6%97%A5%E6%9C%AC&state=%E5%BE%B7%E5%9B%BD&section=1%28a%29&month=2006-06&report=a62-ctbt-universality&sort=oldest&page=3&size=5"},
		{"re-encoded in canonical order", "?page=2&q=%E8%8B%B1%E5%9B%BD&utm_source=mail", "/?q=%E8%8B%B1%E5%9B%BD&page=2"},
		{"defaults left out", "?page=1&size=20&q=+x+", "/?q=x"},
		{"invalid parameters dropped", "?q=%E6%89%B9%E5%87%86&page=0&month=2006-13&sort=oldest", "/?q=%E6%89%B9%E5%87%86&sort=oldest"},
		{"malformed pair dropped", "?q=%zz&state=%E6%97%A5%E6%9C%AC", "/?state=%E6%97%A5%E6%9C%AC"},
		{"nothing valid", "?size=0&sort=x&page=-1", "/"},
		{"query not UTF-8", "?q=%ff&page=2", "/?page=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := a.get(t, recordURL(id)+tt.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := backLink(t, rec.Body.String()); got != tt.back {
				t.Errorf("back link %s, want %s", got, tt.back)
			}
			// The JSON route ignores the parameters.
			plain := a.get(t, "/api"+recordURL(id))
			withQuery := a.get(t, "/api"+recordURL(id)+tt.query)
			if withQuery.Code != http.StatusOK || withQuery.Body.String() != plain.Body.String() {
				t.Errorf("API with %q: status %d, body differs: %v", tt.query, withQuery.Code, withQuery.Body.String() != plain.Body.String())
			}
		})
	}
}

// TestExactPhraseLink checks the "仅精确短语" refinement: offered next to
// the result count for any query of two or more characters that is not one
// quoted phrase already, leading to the same search with the query quoted.
func TestExactPhraseLink(t *testing.T) {
	a := sampleApp(t)
	phrase := func(p string) string { return "/?q=" + url.QueryEscape(p) }
	tests := []struct {
		name, query string
		want        string // the link's target, unescaped; "" for no link
	}{
		{"with expansions", q("q", "英国"), phrase(`"英国"`)},
		{"without expansions", q("q", "批准"), phrase(`"批准"`)},
		{"two words", q("q", "附件2 国家"), phrase(`"附件2 国家"`)},
		{"quotes inside are merged", q("q", `"附件2" 国家`), phrase(`"附件2 国家"`)},
		{"keeps filters, sort and size, resets the page", q("q", "批准", "state", "日本", "sort", "oldest", "page", "2", "size", "5"),
			phrase(`"批准"`) + "&state=" + url.QueryEscape("日本") + "&sort=oldest&size=5"},
		{"already a phrase", q("q", `"附件2 国家"`), ""},
		{"already a phrase in Chinese quotes", q("q", "“附件2 国家”"), ""},
		{"one character", q("q", "核"), ""},
		{"no query", "", ""},
		{"field syntax", q("q", "state:日本 批准"), ""},
		{"operator", q("q", "-日本 批准"), ""},
		{"no results", q("q", "绝无此词"), ""},
	}
	linkRE := regexp.MustCompile(`<a class="refine" href="([^"]*)"[^>]*>仅精确短语</a>`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := a.get(t, "/?"+tt.query).Body.String()
			m := linkRE.FindStringSubmatch(page)
			switch {
			case tt.want == "" && m != nil:
				t.Fatalf("offers an exact phrase: %s", m[0])
			case tt.want == "":
				return
			case m == nil:
				t.Fatalf("offers no exact phrase")
			}
			if got := html.UnescapeString(m[1]); got != tt.want {
				t.Errorf("link to %s, want %s", got, tt.want)
			}
			// Next to the result count, not somewhere else on the page.
			if toolbar, _, _ := strings.Cut(page[strings.Index(page, `class="toolbar"`):], "</p>"); !strings.Contains(toolbar, "仅精确短语") {
				t.Errorf("the link is not by the result count")
			}
			// The phrase search works and offers nothing further.
			rec := a.get(t, tt.want)
			if rec.Code != http.StatusOK || linkRE.MatchString(rec.Body.String()) {
				t.Errorf("%s: status %d, still offers an exact phrase: %v", tt.want, rec.Code, linkRE.MatchString(rec.Body.String()))
			}
		})
	}
	if page := a.get(t, "/?"+q("q", "英国")).Body.String(); !strings.Contains(page, "已同时搜索：英国 → 大不列颠及北爱尔兰联合王国") {
		t.Errorf("the expansions are no longer explained")
	}
}

// TestAccessibleNames checks what assistive technology relies on: distinct
// names for the hits' links, the selected state of facet links, month
// labels in their bars' cells, and reports named as people cite them.
func TestAccessibleNames(t *testing.T) {
	a := sampleApp(t)
	tests := []struct {
		name, target string
		check        func(t *testing.T, page string)
	}{
		{"hit links have distinct names", "/?size=100", func(t *testing.T, page string) {
			names := regexp.MustCompile(`<h2 class="hit-title"><a href="[^"]+"><span class="state">([^<]+)</span> <span class="period">([^<]+)</span><span class="sr">([^<]+)</span></a>`).FindAllStringSubmatch(page, -1)
			hits := strings.Count(page, `<li class="hit">`)
			seen := map[string]bool{}
			for _, n := range names {
				name := n[1] + " " + n[2] + n[3]
				if seen[name] {
					t.Errorf("two links are named %s", name)
				}
				seen[name] = true
			}
			if hits < 50 || len(names) != hits {
				t.Errorf("%d named hit links for %d hits", len(names), hits)
			}
			if len(names) > 0 && names[0][3] != "（第 1 条）" {
				t.Errorf("the first hit's link ends in %q, want its rank", names[0][3])
			}
		}},
		{"ranks continue on later pages", "/?page=2&size=10", func(t *testing.T, page string) {
			if !strings.Contains(page, `<ol class="hits" start="11">`) || !strings.Contains(page, `（第 11 条）`) {
				t.Errorf("page 2 does not number its hits from 11")
			}
		}},
		{"selected facet values are marked", "/?" + q("state", "日本", "section", "1(a)", "month", "2007-02", "report", "a62-ctbt-universality"), func(t *testing.T, page string) {
			tags := regexp.MustCompile(`<a class="(fv|col)( on)?"[^>]*>`).FindAllStringSubmatch(page, -1)
			current := 0
			for _, tag := range tags {
				on, marked := tag[2] != "", strings.Contains(tag[0], `aria-current="true"`)
				if on != marked {
					t.Errorf("selected %v but aria-current %v: %s", on, marked, tag[0])
				}
				if marked {
					current++
				}
			}
			if current != 4 {
				t.Errorf("%d facet links marked current, want 4", current)
			}
		}},
		{"month labels sit in their bars' cells", "/", func(t *testing.T, page string) {
			rows := regexp.MustCompile(`(?s)<div class="bars">(.*?)</div>`).FindAllStringSubmatch(page, -1)
			if len(rows) == 0 {
				t.Fatal("no histogram")
			}
			want := []string{"1月", "", "", "4月", "", "", "7月", "", "", "10月", "", ""}
			for _, row := range rows {
				var cells []string
				for _, c := range regexp.MustCompile(`<span class="plot"><span class="bar h\d+"></span></span><span class="tick" aria-hidden="true">([^<]*)</span>`).FindAllStringSubmatch(row[1], -1) {
					cells = append(cells, c[1])
				}
				if !slices.Equal(cells, want) {
					t.Errorf("label cells %q, want one per month: %q", cells, want)
				}
			}
		}},
		{"results name the report", "/?size=5", func(t *testing.T, page string) {
			if !strings.Contains(page, `<span title="a62-ctbt-universality">第62届会议`) || strings.Contains(page, "<span>a62-ctbt-universality</span>") {
				t.Errorf("hits do not name their report by session")
			}
		}},
		{"record page names the report", "/records/a62-ctbt-universality-001", func(t *testing.T, page string) {
			if !strings.Contains(page, `">第62届会议 · 2007 · 2006年6月至2007年5月</a> <span class="code">a62-ctbt-universality</span>`) {
				t.Errorf("record page does not name its report by session")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := a.get(t, tt.target)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			tt.check(t, rec.Body.String())
		})
	}
}

// A state chosen by the name people use (英国) is selected under its
// official name, and the facet link removes it again.
func TestStateChosenByCommonName(t *testing.T) {
	a := sampleApp(t)
	rec := a.get(t, "/?"+q("state", "英国"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	official := url.QueryEscape("大不列颠及北爱尔兰联合王国")
	common := url.QueryEscape("英国")
	if strings.Contains(body, "state="+common+"&amp;state="+official) || strings.Contains(body, "state="+official+"&amp;state="+common) {
		t.Error("a facet link adds the official name beside the common one instead of removing the filter")
	}
	if !strings.Contains(body, `href="/"`) && !strings.Contains(body, `href="/?"`) {
		t.Error("no link leads back to the unfiltered search")
	}
}

// Why a hit matched and what the user may have meant: the API carries
// reasons and suggestions, the page shows them, footnotes included.
func TestReasonsAndSuggestions(t *testing.T) {
	a := sampleApp(t)
	res := a.search(t, q("q", "CTBT", "size", "100"))
	explained := 0
	for _, h := range res.Hits {
		if h.Reasons == nil {
			t.Fatalf("hit %s: reasons is null, want []", h.ID)
		}
		if len(h.Reasons) > 0 {
			explained++
		}
	}
	if explained == 0 {
		t.Error("no CTBT hit carries a reason, although most name the Treaty only as 《条约》")
	}
	page := a.get(t, "/?"+q("q", "CTBT", "size", "100")).Body.String()
	if !strings.Contains(page, `<p class="why">匹配原因：《条约》 = 全面禁止核试验条约`) {
		t.Error("page does not say why a 《条约》 hit matched CTBT")
	}

	// A match in a footnote is marked on the page.
	page = a.get(t, "/?"+q("q", "继承")).Body.String()
	if !strings.Contains(page, `<ul class="footnotes">`) || !strings.Contains(page, "<li>黑山于2007年10月23日<mark>继承</mark>了《条约》。</li>") {
		t.Error("a footnote match is not marked on the page")
	}

	// Section-only hits come last and say so.
	res = a.search(t, q("q", "附件2国家", "size", "100"))
	last := false
	for _, h := range res.Hits {
		if last && !h.SectionOnly {
			t.Errorf("%s matches by its own text after a section-only hit", h.ID)
		}
		if h.SectionOnly {
			last = true
			if len(h.Reasons) == 0 {
				t.Errorf("section-only hit %s has no reason", h.ID)
			}
		}
	}

	res = a.search(t, q("q", "附件2国加"))
	if res.Total != 0 || len(res.Suggestions) == 0 || res.Suggestions[0].Query != "附件2国家" || res.Query != "附件2国加" {
		t.Fatalf("total %d, query %q, suggestions %+v", res.Total, res.Query, res.Suggestions)
	}
	page = a.get(t, "/?"+q("q", "附件2国加")).Body.String()
	if !strings.Contains(page, `您是不是要找：<a href="/?q=%E9%99%84%E4%BB%B62%E5%9B%BD%E5%AE%B6">附件2国家</a>`) {
		t.Error("page lacks the did-you-mean link to 附件2国家")
	}
	if res := a.search(t, q("q", "英国")); res.Suggestions == nil || len(res.Suggestions) != 0 {
		t.Errorf("suggestions = %v for a query with hits, want []", res.Suggestions)
	}
}
