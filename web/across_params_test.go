package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"ctbtsearch/index"
)

func TestParseOverviewParams(t *testing.T) {
	cases := []struct {
		name      string
		raw       string
		want      index.OverviewRequest
		wantParam string // the parameter refused; "" when accepted
	}{
		{"nothing", "", index.OverviewRequest{}, ""},
		{"search and options", "q=条约&section=1(a)&year=2007&every=1&order=name",
			index.OverviewRequest{Request: index.Request{Query: "条约", Section: []string{"1(a)"}, Years: []string{"2007"}}, EveryReport: true, Sort: index.OverviewByName}, ""},
		{"paging and sort of the search are ignored", "q=x&page=3&size=5&sort=oldest", index.OverviewRequest{Request: index.Request{Query: "x"}}, ""},
		{"switch off", "every=0", index.OverviewRequest{}, ""},
		{"bad switch", "every=yes please", index.OverviewRequest{}, paramEvery},
		{"switch twice", "every=1&every=1", index.OverviewRequest{}, paramEvery},
		{"bad order", "order=size", index.OverviewRequest{}, paramOrder},
		{"bad year", "year=2k07", index.OverviewRequest{}, paramYear},
		{"too many years", yearsParam(index.MaxFilterValues + 1), index.OverviewRequest{}, paramYear},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseOverviewParams(v)
			checkParamErr(t, err, tc.wantParam)
			if err == nil && !equalOverviewRequests(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// yearsParam is n distinct year values.
func yearsParam(n int) string {
	v := url.Values{}
	for i := range n {
		v.Add(paramYear, strconv.Itoa(1900+i))
	}
	return v.Encode()
}

func equalOverviewRequests(a, b index.OverviewRequest) bool {
	return a.Query == b.Query && strings.Join(a.Section, ",") == strings.Join(b.Section, ",") &&
		strings.Join(a.Years, ",") == strings.Join(b.Years, ",") && a.EveryReport == b.EveryReport && a.Sort == b.Sort &&
		a.Page == 0 && a.Size == 0 && a.Request.Sort == ""
}

func checkParamErr(t *testing.T, err error, wantParam string) {
	t.Helper()
	if wantParam == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var re *index.RequestError
	if !errors.As(err, &re) || re.Param != wantParam || re.Msg == "" {
		t.Fatalf("error %v, want a *index.RequestError for %s", err, wantParam)
	}
}

func TestParseCompareParams(t *testing.T) {
	reports := []index.ReportInfo{{ID: "r3", Session: 63}, {ID: "r2", Session: 62}, {ID: "r1", Session: 61}}
	cases := []struct {
		name, raw string
		reports   []index.ReportInfo
		a, b      string
		wantParam string
	}{
		{"defaults: the two newest", "", reports, "r2", "r3", ""},
		{"both given", "a=r1&b=r2", reports, "r1", "r2", ""},
		{"only a: b is the newest", "a=r1", reports, "r1", "r3", ""},
		{"only a, the newest: b is the next", "a=r3", reports, "r3", "r2", ""},
		{"only b: a is the next newest", "b=r1", reports, "r2", "r1", ""},
		{"unknown ids pass to the index", "a=zz&b=yy", reports, "zz", "yy", ""},
		{"one report", "", reports[:1], "", "", paramCompareA},
		{"no report", "", nil, "", "", paramCompareA},
		{"a twice", "a=r1&a=r2", reports, "", "", paramCompareA},
		{"too long", "b=" + strings.Repeat("x", maxFilterValueBytes+1), reports, "", "", paramCompareB},
		{"not UTF-8", "a=%ff", reports, "", "", paramCompareA},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			a, b, err := ParseCompareParams(v, tc.reports)
			checkParamErr(t, err, tc.wantParam)
			if err == nil && (a != tc.a || b != tc.b) {
				t.Errorf("got a=%s b=%s, want a=%s b=%s", a, b, tc.a, tc.b)
			}
		})
	}
}

func TestParseStateCode(t *testing.T) {
	for raw, want := range map[string]string{"JPN": "JPN", "jpn": "JPN", "JpN": "JPN", "JP": "", "JPNX": "", "J1N": "", "%E6%97%A5": "", "": ""} {
		got, err := ParseStateCode(raw)
		if want == "" {
			var he interface{ Error() string }
			if err == nil || !errors.As(err, &he) {
				t.Errorf("ParseStateCode(%q) = %q, want an error", raw, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseStateCode(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

// FuzzAcrossParams feeds arbitrary query strings to the overview and
// comparison parsers and to their pages and API: nothing panics, every
// refusal is a *index.RequestError, and every answer is below 500.
func FuzzAcrossParams(f *testing.F) {
	for _, raw := range []string{"", "every=1&order=name", "year=2007&year=2008", "a=a62-ctbt-universality&b=a62-ctbt-universality",
		"a=%zz", "order=%ff", "every=" + strings.Repeat("1", 100), "q=state:日本&every=1", "b=<script>"} {
		f.Add(raw)
	}
	e := New(sampleIndexTB(f), Options{Logger: slog.New(slog.DiscardHandler)})
	f.Fuzz(func(t *testing.T, raw string) {
		if v, err := url.ParseQuery(raw); err == nil {
			var re *index.RequestError
			if _, err := ParseOverviewParams(v); err != nil && !errors.As(err, &re) {
				t.Fatalf("ParseOverviewParams(%q): %v (%T)", raw, err, err)
			}
			if _, _, err := ParseCompareParams(v, []index.ReportInfo{{ID: "x"}, {ID: "y"}}); err != nil && !errors.As(err, &re) {
				t.Fatalf("ParseCompareParams(%q): %v (%T)", raw, err, err)
			}
		}
		for _, path := range []string{"/overview", "/api/overview", "/api/overview.csv", "/compare", "/api/compare"} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path, req.URL.RawQuery = path, raw
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Fatalf("%s?%s: %d %s", path, raw, rec.Code, rec.Body)
			}
		}
	})
}
