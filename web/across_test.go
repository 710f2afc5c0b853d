package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"ctbtsearch"
	"ctbtsearch/index"
	"ctbtsearch/report"
)

// The fake's answers to the calls behind the overview, state and compare
// pages: it has no reports, and fails as told.
func (f *fakeSearcher) Reports() []index.ReportInfo { return nil }

func (f *fakeSearcher) Overview(ctx context.Context, req index.OverviewRequest) (*index.Overview, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return &index.Overview{Request: req}, nil
}

func (f *fakeSearcher) StateHistory(ctx context.Context, code string) (*index.StateHistory, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return nil, index.ErrUnknownState
}

func (f *fakeSearcher) Compare(ctx context.Context, a, b string) (*index.Comparison, error) {
	if err := f.fail(ctx); err != nil {
		return nil, err
	}
	return nil, &index.RequestError{Param: "a", Msg: "no reports"}
}

const secondReport = "../report/testdata/a64-ctbt-universality.zh.txt"

var (
	twoOnce    sync.Once
	twoIx      *index.Index
	twoRecords []report.Record
	twoReps    []*report.Report
	twoErr     error
)

// twoReportsIndex is an in-memory index of the sample report and the a64
// fixture, and their parsed records, from which the tests compute what the
// pages must show.
func twoReportsIndex(t *testing.T) (*index.Index, []report.Record) {
	t.Helper()
	twoOnce.Do(func() {
		data, err := ctbtsearch.SampleReports.ReadFile(sampleReport)
		if err != nil {
			twoErr = err
			return
		}
		a62, err := report.ParseReport(sampleReport, data, report.DefaultGazetteer())
		if err != nil {
			twoErr = err
			return
		}
		a64, err := report.ParseReportFile(secondReport, report.DefaultGazetteer())
		if err != nil {
			twoErr = err
			return
		}
		ix, err := index.NewMemory()
		if err != nil {
			twoErr = err
			return
		}
		if err := ix.Add(context.Background(), nil, a62, a64); err != nil {
			twoErr = err
			return
		}
		twoIx, twoReps = ix, []*report.Report{a62, a64}
		twoRecords = slices.Concat(a62.Records, a64.Records)
	})
	if twoErr != nil {
		t.Fatalf("building the two-report index: %v", twoErr)
	}
	return twoIx, twoRecords
}

func twoApp(t *testing.T) (*app, []report.Record) {
	ix, recs := twoReportsIndex(t)
	return newApp(t, ix, Options{}), recs
}

// getJSON fetches target, expects status want and decodes the body into v.
func getJSON(t *testing.T, a *app, target string, want int, v any) {
	t.Helper()
	rec := a.get(t, target)
	if rec.Code != want {
		t.Fatalf("GET %s: %d %s, want %d", target, rec.Code, rec.Body, want)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}

func yearsOf(r report.Record) []string {
	var ys []string
	for _, m := range r.Months {
		if !slices.Contains(ys, m[:4]) {
			ys = append(ys, m[:4])
		}
	}
	return ys
}

func TestYearFacetAndFilterAPI(t *testing.T) {
	a, recs := twoApp(t)
	perYear := map[string]int{}
	spanning := 0
	for _, r := range recs {
		ys := yearsOf(r)
		if len(ys) > 1 {
			spanning++
		}
		for _, y := range ys {
			perYear[y]++
		}
	}
	if spanning == 0 || len(perYear) < 3 {
		t.Fatalf("%d records span two years, %d years in all; the test needs both", spanning, len(perYear))
	}

	all := a.search(t, "")
	got := map[string]int{}
	for _, fv := range all.Facets.Year {
		got[fv.Value] = fv.Count
	}
	if !equalMaps(got, perYear) {
		t.Errorf("year facet = %v, records per year = %v", got, perYear)
	}
	if len(all.Facets.Month) != 0 {
		t.Errorf("results over %d years carry %d month facet values; the chart is by year", len(perYear), len(all.Facets.Month))
	}

	cases := []struct {
		name  string
		query string
		want  func(report.Record) bool
	}{
		{"one year", q("year", "2007"), func(r report.Record) bool { return slices.Contains(yearsOf(r), "2007") }},
		{"two years ORed", q("year", "2006", "year", "2009"), func(r report.Record) bool {
			return slices.Contains(yearsOf(r), "2006") || slices.Contains(yearsOf(r), "2009")
		}},
		{"year with section", q("year", "2008", "section", "1(b)"), func(r report.Record) bool {
			return slices.Contains(yearsOf(r), "2008") && r.Section == "1(b)"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want, wantSpanning := 0, 0
			for _, r := range recs {
				if tc.want(r) {
					want++
					if len(yearsOf(r)) > 1 {
						wantSpanning++
					}
				}
			}
			if want == 0 || wantSpanning == 0 {
				t.Fatalf("case matches %d records, %d spanning two years; it must match both kinds", want, wantSpanning)
			}
			res := a.search(t, tc.query+"&size=100")
			if int(res.Total) != want {
				t.Errorf("total %d, want %d", res.Total, want)
			}
			for _, h := range res.Hits {
				if !tc.want(h.Record) {
					t.Errorf("hit %s (%s) does not match", h.ID, h.Period)
				}
			}
			// The CSV export honours the filter too.
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(a.get(t, "/api/search.csv?"+tc.query).Body.String(), utf8BOM))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows)-1 != want {
				t.Errorf("CSV has %d rows, want %d", len(rows)-1, want)
			}
		})
	}

	// Within one report (two calendar years) the month facet is back.
	one := a.search(t, q("report", "a62-ctbt-universality"))
	if len(one.Facets.Month) < 12 {
		t.Errorf("one report: %d month facet values, want its months", len(one.Facets.Month))
	}

	if rec := a.get(t, "/api/search?year=07"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "year") {
		t.Errorf("year=07: %d %s, want 400 naming the year", rec.Code, rec.Body)
	}
}

func TestTimeChart(t *testing.T) {
	a, _ := twoApp(t)
	page := a.get(t, "/").Body.String()
	if !strings.Contains(page, `class="facet yearchart"`) || strings.Contains(page, `class="facet months"`) {
		t.Error("over four years the page should chart by year, not by month")
	}
	if !strings.Contains(page, `href="/?year=2007"`) {
		t.Error("the 2007 bar does not link to the search filtered by 2007")
	}
	one := a.get(t, "/?report=a62-ctbt-universality").Body.String()
	if !strings.Contains(one, `class="facet months"`) || strings.Contains(one, `class="facet yearchart"`) {
		t.Error("within one report (two years) the page should chart by month")
	}
}

func TestReportLabels(t *testing.T) {
	a, _ := twoApp(t)
	ix, _ := twoReportsIndex(t)
	for _, info := range ix.Reports() {
		label := info.Label()
		if !strings.Contains(label, strconv.Itoa(info.Year)) || !strings.Contains(label, info.Period) || info.Period == "" {
			t.Errorf("label %q lacks the year %d or the period %q", label, info.Year, info.Period)
		}
		res := a.search(t, q("report", info.ID, "size", "1"))
		if !slices.ContainsFunc(res.Facets.Report, func(fv facetValueJSON) bool { return fv.Value == info.ID && fv.Label == label }) {
			t.Errorf("report facet does not label %s %q", info.ID, label)
		}
		page := a.get(t, "/?report="+info.ID).Body.String()
		if !strings.Contains(page, label) {
			t.Errorf("the cards of %s do not show %q", info.ID, label)
		}
		rec := a.get(t, recordURL(res.Hits[0].ID)).Body.String()
		if !strings.Contains(rec, label) {
			t.Errorf("the record page of %s does not show %q", res.Hits[0].ID, label)
		}
	}
}

// expectedMatrix counts records per state and report.
func expectedMatrix(recs []report.Record, keep func(report.Record) bool) map[string]map[string]int {
	out := map[string]map[string]int{}
	for _, r := range recs {
		if !keep(r) {
			continue
		}
		if out[r.State] == nil {
			out[r.State] = map[string]int{}
		}
		out[r.State][r.Report]++
	}
	return out
}

func TestOverviewAPI(t *testing.T) {
	a, recs := twoApp(t)
	ix, _ := twoReportsIndex(t)
	reportIDs := []string{}
	for _, info := range ix.Reports() {
		reportIDs = append(reportIDs, info.ID)
	}
	slices.Reverse(reportIDs) // session order

	everyReport := func(m map[string]map[string]int) map[string]map[string]int {
		out := map[string]map[string]int{}
		for st, counts := range m {
			if len(counts) == len(reportIDs) {
				out[st] = counts
			}
		}
		return out
	}
	cases := []struct {
		name  string
		query string
		want  map[string]map[string]int
	}{
		{"everything", "", expectedMatrix(recs, func(report.Record) bool { return true })},
		{"section filter", q("section", "1(a)"), expectedMatrix(recs, func(r report.Record) bool { return r.Section == "1(a)" })},
		{"year filter", q("year", "2008"), expectedMatrix(recs, func(r report.Record) bool { return slices.Contains(yearsOf(r), "2008") })},
		{"every report", q("every", "1"), everyReport(expectedMatrix(recs, func(report.Record) bool { return true }))},
		{"annex 2 states in every report", q("section", "1(a)", "every", "1"), everyReport(expectedMatrix(recs, func(r report.Record) bool { return r.Section == "1(a)" }))},
	}
	// A text query: which records match is the index's to judge, so the
	// expected matrix is counted from the search's own export.
	matched := map[string]bool{}
	for _, row := range csvRows(t, a, "/api/search.csv?"+q("q", "附件2 国家"))[1:] {
		matched[row[0]] = true
	}
	cases = append(cases, struct {
		name  string
		query string
		want  map[string]map[string]int
	}{"text query", q("q", "附件2 国家"), expectedMatrix(recs, func(r report.Record) bool { return matched[r.ID] })})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.want) == 0 {
				t.Fatal("the case has no rows; it tests nothing")
			}
			var o overviewJSON
			getJSON(t, a, "/api/overview?"+tc.query, http.StatusOK, &o)
			var ids []string
			for _, r := range o.Reports {
				ids = append(ids, r.ID)
				if r.Label == "" || r.Year == 0 || r.Session == 0 {
					t.Errorf("report %+v lacks its label, year or session", r)
				}
			}
			if !slices.Equal(ids, reportIDs) {
				t.Errorf("columns %v, want %v in session order", ids, reportIDs)
			}
			got := map[string]map[string]int{}
			rowSum, colSum := 0, map[string]int{}
			for _, row := range o.Rows {
				got[row.State] = row.Counts
				n := 0
				for id, c := range row.Counts {
					n += c
					colSum[id] += c
				}
				if n != row.Total {
					t.Errorf("row %s: counts add up to %d, total says %d", row.State, n, row.Total)
				}
				rowSum += n
			}
			if rowSum != o.Total {
				t.Errorf("rows add up to %d, total says %d", rowSum, o.Total)
			}
			for _, r := range o.Reports {
				if colSum[r.ID] != r.Total {
					t.Errorf("column %s adds up to %d, its total says %d", r.ID, colSum[r.ID], r.Total)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("matrix differs from the records:\n got %v\nwant %v", got, tc.want)
			}
		})
	}

	t.Run("sorted by total, then by name", func(t *testing.T) {
		var byTotal, byName overviewJSON
		getJSON(t, a, "/api/overview", http.StatusOK, &byTotal)
		getJSON(t, a, "/api/overview?order=name", http.StatusOK, &byName)
		if !slices.IsSortedFunc(byTotal.Rows, func(x, y overviewRowJSON) int { return y.Total - x.Total }) {
			t.Error("rows are not sorted by total")
		}
		if len(byName.Rows) != len(byTotal.Rows) || slices.EqualFunc(byName.Rows, byTotal.Rows, func(x, y overviewRowJSON) bool { return x.State == y.State }) {
			t.Error("ordering by name gives the same order as by total")
		}
	})

	t.Run("CSV is the matrix", func(t *testing.T) {
		var o overviewJSON
		getJSON(t, a, "/api/overview?section=1(b)", http.StatusOK, &o)
		rows := csvRows(t, a, "/api/overview.csv?section=1(b)")
		if len(rows) != len(o.Rows)+1 || len(rows[0]) != 4+len(o.Reports) {
			t.Fatalf("CSV is %d×%d, want %d×%d", len(rows), len(rows[0]), len(o.Rows)+1, 4+len(o.Reports))
		}
		for i, row := range o.Rows {
			line := rows[i+1]
			if line[0] != row.State || line[3] != strconv.Itoa(row.Total) {
				t.Errorf("CSV row %d = %v, want %s with %d", i+1, line, row.State, row.Total)
			}
			for j, r := range o.Reports {
				if line[4+j] != strconv.Itoa(row.Counts[r.ID]) {
					t.Errorf("CSV %s × %s = %s, want %d", row.State, r.ID, line[4+j], row.Counts[r.ID])
				}
			}
		}
	})

	for _, bad := range []string{"every=maybe", "order=size", "year=20x7"} {
		if rec := a.get(t, "/api/overview?"+bad); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "error") {
			t.Errorf("overview?%s: %d %s, want 400 with a message", bad, rec.Code, rec.Body)
		}
	}
}

func csvRows(t *testing.T, a *app, target string) [][]string {
	t.Helper()
	rec := a.get(t, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), utf8BOM))).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	return rows
}

func TestStateAPI(t *testing.T) {
	a, recs := twoApp(t)
	// Every state with a code, checked against its records.
	codes := map[string]bool{}
	for _, r := range recs {
		if r.StateCode != "" {
			codes[r.StateCode] = true
		}
	}
	for code := range codes {
		var s stateJSON
		getJSON(t, a, "/api/states/"+strings.ToLower(code), http.StatusOK, &s)
		want := map[string]map[string]int{} // report → section → records
		total := 0
		for _, r := range recs {
			if r.StateCode == code {
				if want[r.Report] == nil {
					want[r.Report] = map[string]int{}
				}
				want[r.Report][r.Section]++
				total++
			}
		}
		if s.Code != code || s.Total != total || s.Name == "" || s.English == "" {
			t.Errorf("%s: code %s, name %q, english %q, total %d; want total %d", code, s.Code, s.Name, s.English, s.Total, total)
		}
		got := map[string]map[string]int{}
		for i, r := range s.Reports {
			if i > 0 && r.Session > s.Reports[i-1].Session {
				t.Errorf("%s: reports are not newest first", code)
			}
			got[r.ID] = map[string]int{}
			n := 0
			for _, sc := range r.Sections {
				got[r.ID][sc.Section] = sc.Count
				n += sc.Count
			}
			if n != r.Total || len(r.Records) != r.Total {
				t.Errorf("%s in %s: sections add up to %d, %d records, total %d", code, r.ID, n, len(r.Records), r.Total)
			}
			for _, rec := range r.Records {
				if rec.StateCode != code || rec.Report != r.ID {
					t.Errorf("%s in %s: record %s is of %s in %s", code, r.ID, rec.ID, rec.StateCode, rec.Report)
				}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: per report and section %v, records say %v", code, got, want)
		}
	}

	// A state of the gazetteer that no report mentions has a page, empty.
	for _, st := range report.DefaultGazetteer().States() {
		if codes[st.Code] {
			continue
		}
		var s stateJSON
		getJSON(t, a, "/api/states/"+st.Code, http.StatusOK, &s)
		if s.Total != 0 || len(s.Reports) != 0 || s.Name != st.Name {
			t.Errorf("%s: %+v, want an empty history", st.Code, s)
		}
		break
	}

	for _, bad := range []string{"XXX", "JP", "J1N", "JPNX", "%E6%97%A5"} {
		rec := a.get(t, "/api/states/"+bad)
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"error"`) {
			t.Errorf("/api/states/%s: %d %s, want 404 with a message", bad, rec.Code, rec.Body)
		}
	}
	if rec := a.get(t, "/states/XXX"); rec.Code != http.StatusNotFound {
		t.Errorf("/states/XXX: %d, want 404", rec.Code)
	}
}

func TestCompareAPI(t *testing.T) {
	a, recs := twoApp(t)
	const a62, a64 = "a62-ctbt-universality", "a64-ctbt-universality"
	var def, explicit compareJSON
	getJSON(t, a, "/api/compare", http.StatusOK, &def)
	getJSON(t, a, "/api/compare?"+q("a", a62, "b", a64), http.StatusOK, &explicit)
	if def.A.ID != a62 || def.B.ID != a64 {
		t.Errorf("default comparison is %s → %s, want the two newest, %s → %s", def.A.ID, def.B.ID, a62, a64)
	}
	if !reflect.DeepEqual(def, explicit) {
		t.Error("the default comparison differs from the same one asked for explicitly")
	}

	inA, inB := map[string]int{}, map[string]int{}
	for _, r := range recs {
		switch r.Report {
		case a62:
			inA[r.State]++
		case a64:
			inB[r.State]++
		}
	}
	seen := map[string]bool{}
	for _, s := range def.States {
		seen[s.State] = true
		want := map[bool]map[bool]string{true: {true: "both", false: "only_a"}, false: {true: "only_b"}}[inA[s.State] > 0][inB[s.State] > 0]
		if s.A != inA[s.State] || s.B != inB[s.State] || s.Status != want {
			t.Errorf("%s: a %d b %d %s, records say a %d b %d %s", s.State, s.A, s.B, s.Status, inA[s.State], inB[s.State], want)
		}
	}
	for st := range inA {
		if !seen[st] {
			t.Errorf("%s is in A but not in the comparison", st)
		}
	}
	for st := range inB {
		if !seen[st] {
			t.Errorf("%s is in B but not in the comparison", st)
		}
	}

	// Every activity of a state in both reports appears exactly once in the
	// pairs, and Japan's bilateral-consultation rows, which differ only in
	// their lists of countries, are paired.
	listed := map[string]int{}
	japan := false
	for _, p := range def.Pairs {
		for _, side := range []*pairSideJSON{p.A, p.B} {
			if side != nil {
				listed[side.ID]++
			}
		}
		switch {
		case p.Kind == "continued" && (p.A == nil || p.B == nil || p.Similarity < index.MinPairSimilarity):
			t.Errorf("continued pair %+v lacks a side or similarity", p)
		case p.Kind == "stopped" && (p.A == nil || p.B != nil), p.Kind == "new" && (p.B == nil || p.A != nil):
			t.Errorf("%s pair %+v has the wrong sides", p.Kind, p)
		}
		if p.StateCode == "JPN" && p.Kind == "continued" && strings.HasPrefix(p.A.Activity, "在双边协商中") && strings.HasPrefix(p.B.Activity, "在双边协商中") {
			japan = true
		}
	}
	for _, r := range recs {
		if (r.Report == a62 || r.Report == a64) && inA[r.State] > 0 && inB[r.State] > 0 && listed[r.ID] != 1 {
			t.Errorf("record %s of %s is listed %d times in the pairs, want once", r.ID, r.State, listed[r.ID])
		}
	}
	if !japan {
		t.Error("Japan's 在双边协商中… rows of the two reports are not paired")
	}

	for _, bad := range []struct{ query, param string }{
		{q("a", "a99-nothing", "b", a64), "a99-nothing"},
		{q("a", a62, "b", "nope"), "nope"},
		{q("a", a62, "b", a62), "different"},
		{q("a", a62, "a", a64), "at most once"},
	} {
		rec := a.get(t, "/api/compare?"+bad.query)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), bad.param) {
			t.Errorf("compare?%s: %d %s, want 400 naming %s", bad.query, rec.Code, rec.Body, bad.param)
		}
		if page := a.get(t, "/compare?"+bad.query); page.Code != http.StatusBadRequest {
			t.Errorf("/compare?%s: %d, want 400", bad.query, page.Code)
		}
	}

	// One report only: nothing to compare, said so.
	one := sampleApp(t)
	if rec := one.get(t, "/api/compare"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "two") {
		t.Errorf("compare with one report: %d %s", rec.Code, rec.Body)
	}
}

// TestAcrossLinks follows the links between the pages: card → state page,
// overview → cell search and state page, record → the state in other
// reports, state page → compare.
func TestAcrossLinks(t *testing.T) {
	a, recs := twoApp(t)
	var jpn report.Record
	for _, r := range recs {
		if r.StateCode == "JPN" {
			jpn = r
			break
		}
	}
	search := a.get(t, "/?"+q("state", jpn.State)).Body.String()
	if !strings.Contains(search, `class="state-page" href="/states/JPN"`) {
		t.Error("the state name on a card does not link to its state page")
	}
	if !strings.Contains(search, `href="/overview?state=`) {
		t.Error("the search page does not link to its overview")
	}

	ov := a.get(t, "/overview?"+q("state", jpn.State))
	if ov.Code != http.StatusOK {
		t.Fatalf("/overview: %d", ov.Code)
	}
	page := ov.Body.String()
	cell := "/?" + encodeQuery(encodeRequest(index.Request{States: []string{jpn.State}, Reports: []string{jpn.Report}}))
	if !strings.Contains(page, `href="`+strings.ReplaceAll(cell, "&", "&amp;")+`"`) {
		t.Errorf("the overview has no cell linking to %s", cell)
	}
	if !strings.Contains(page, `href="/states/JPN"`) || !strings.Contains(page, `href="/compare?`) {
		t.Error("the overview does not link to the state page and the comparison")
	}

	rec := a.get(t, recordURL(jpn.ID)).Body.String()
	if !strings.Contains(rec, `href="/states/JPN"`) {
		t.Error("the record page does not link to the state page")
	}
	for _, other := range []string{"a62-ctbt-universality", "a64-ctbt-universality"} {
		link := "/?" + encodeQuery(encodeRequest(index.Request{States: []string{jpn.State}, Reports: []string{other}}))
		if other != jpn.Report && !strings.Contains(rec, strings.ReplaceAll(link, "&", "&amp;")) {
			t.Errorf("the record page does not link to %s in %s", jpn.State, other)
		}
	}

	st := a.get(t, "/states/JPN").Body.String()
	if !strings.Contains(st, `href="/compare?a=a62-ctbt-universality&amp;b=a64-ctbt-universality"`) {
		t.Error("the state page does not link to the comparison of its reports")
	}
	cmpPage := a.get(t, "/compare")
	if cmpPage.Code != http.StatusOK || !strings.Contains(cmpPage.Body.String(), `href="/states/JPN"`) {
		t.Errorf("/compare: %d, or no link to Japan's page", cmpPage.Code)
	}
	for _, p := range []string{"/overview", "/states/JPN", "/compare"} {
		checkNoInlineCode(t, p, a.get(t, p).Body.String())
	}
}

// Errors of the across-years pages speak to people: a comparison on an index
// of one report says, in Chinese, what it needs; a state code keeps its case.
func TestAcrossErrorMessages(t *testing.T) {
	a := sampleApp(t) // one report
	for _, tc := range []struct {
		name, target string
		status       int
		want         string
	}{
		{"compare page with one report", "/compare", http.StatusBadRequest, "比较需要索引中的两份不同报告"},
		{"compare API with one report", "/api/compare", http.StatusBadRequest, "a comparison needs two"},
		{"overview order", "/overview?order=sideways", http.StatusBadRequest, "概览只能按总数"},
		{"unknown state code keeps its case", "/api/states/XXX", http.StatusNotFound, "no state has the code XXX"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := a.get(t, tc.target)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.want) {
				t.Errorf("%s: %d %.2000s; want %d with %q", tc.target, rec.Code, rec.Body.String(), tc.status, tc.want)
			}
		})
	}
}
