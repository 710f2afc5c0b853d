package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"ctbtsearch"
	"ctbtsearch/index"
	"ctbtsearch/report"
)

// FuzzParseSearchParams feeds arbitrary raw query strings to the parameter
// parser and to the whole application. The parser never panics, accepts
// only requests within the limits, and refuses with *index.RequestError
// alone; the application answers every one of them, on the API and on the
// search page, with a status below 500.
func FuzzParseSearchParams(f *testing.F) {
	for _, raw := range []string{
		"",
		"q=%E6%9D%A1%E7%BA%A6",
		"q=附件2国家&state=日本&state=德国&section=1(a)&month=2006-09&report=a62-ctbt-universality&sort=oldest&page=2&size=10",
		"q=%22%E9%99%84%E4%BB%B62%E5%9B%BD%E5%AE%B6%22",
		"q=state:日本+-美国+%2B条约",
		"page=0", "page=99999999999999999999", "page=+1", "size=101", "sort=bogus",
		"month=2006-13", "section=9(z)", "state=%01", "q=%zz", "q=%ff", "q=a&q=b", "q=a;b",
		"q=colour:red", "q=" + strings.Repeat("核", index.MaxQueryRunes+1),
		"state=" + strings.Repeat("x", 300), "&&&==&=", "q", "%", "q=%00", "q=<script>alert(1)</script>",
	} {
		f.Add(raw)
	}
	ix := sampleIndexTB(f)
	e := New(ix, Options{Logger: slog.New(slog.DiscardHandler)})

	f.Fuzz(func(t *testing.T, raw string) {
		v, parseErr := url.ParseQuery(raw)
		if parseErr == nil {
			req, err := ParseSearchParams(v)
			if err != nil {
				var re *index.RequestError
				if !errors.As(err, &re) || re.Param == "" || re.Msg == "" {
					t.Fatalf("ParseSearchParams(%q): %v (%T), want a *index.RequestError with a parameter and a message", raw, err, err)
				}
			} else {
				if !utf8.ValidString(req.Query) || utf8.RuneCountInString(req.Query) > index.MaxQueryRunes {
					t.Fatalf("ParseSearchParams(%q) accepted query %q", raw, req.Query)
				}
				if req.Page < 0 || req.Page > index.MaxPage || req.Size < 0 || req.Size > index.MaxPageSize {
					t.Fatalf("ParseSearchParams(%q) accepted page %d size %d", raw, req.Page, req.Size)
				}
				for _, vals := range [][]string{req.States, req.Section, req.Months, req.Reports} {
					if len(vals) > index.MaxFilterValues {
						t.Fatalf("ParseSearchParams(%q) accepted %d filter values", raw, len(vals))
					}
					for _, s := range vals {
						if s == "" || !utf8.ValidString(s) || len(s) > maxFilterValueBytes {
							t.Fatalf("ParseSearchParams(%q) accepted filter value %q", raw, s)
						}
					}
				}
			}
		}

		for _, path := range []string{"/api/search", "/"} {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.URL.RawQuery = raw
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code >= 500 {
				t.Fatalf("GET %s?%q: %d %s", path, raw, w.Code, w.Body)
			}
			if parseErr != nil && w.Code != http.StatusBadRequest {
				t.Fatalf("GET %s?%q: %d for a malformed query string, want 400", path, raw, w.Code)
			}
			if path == "/api/search" {
				var body map[string]any
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
					t.Fatalf("GET %s?%q: %d, body is not JSON: %v", path, raw, w.Code, err)
				}
				if w.Code == http.StatusBadRequest && body["error"] == nil {
					t.Fatalf("GET %s?%q: 400 without an error message", path, raw)
				}
			}
		}
	})
}

// fuzzIndex is the in-memory sample index for the fuzz target, built once.
var fuzzIndex = sync.OnceValues(func() (*index.Index, error) {
	data, err := ctbtsearch.SampleReports.ReadFile(sampleReport)
	if err != nil {
		return nil, err
	}
	rep, err := report.ParseReport(sampleReport, data, report.DefaultGazetteer())
	if err != nil {
		return nil, err
	}
	ix, err := index.NewMemory()
	if err != nil {
		return nil, err
	}
	if err := ix.Add(context.Background(), nil, rep); err != nil {
		return nil, err
	}
	return ix, nil
})

func sampleIndexTB(tb testing.TB) *index.Index {
	tb.Helper()
	ix, err := fuzzIndex()
	if err != nil {
		tb.Fatalf("building the sample index: %v", err)
	}
	return ix
}
