package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ctbtsearch/index"
)

// TestBrowserAcrossYears walks the path of following states across the
// reports in headless Chromium, over the index of two reports: search, open
// the overview of the results, keep the states present in every report,
// click a cell (the search narrowed to that state and report), open the
// state's page from its card, and compare its two reports. Every count the
// pages show is checked against the index.
//
// With SCREENSHOT_DIR=dir set it writes search-years.png, overview.png,
// state.png and compare.png there, 1280 px wide (the README's screenshots in docs/ are
// made this way).
func TestBrowserAcrossYears(t *testing.T) {
	browser := findBrowser(t)
	began := time.Now()
	ix, _ := twoReportsIndex(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	const query = "附件2 国家"

	srv := httptest.NewServer(New(ix, Options{}))
	defer srv.Close()
	bctx := startChromium(t, ctx, browser, 1280, 900)

	navigate := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		resp, err := chromedp.RunResponse(bctx, steps...)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if resp.Status != 200 {
			t.Fatalf("%s: %s answered %d", what, resp.URL, resp.Status)
		}
	}
	eval := func(what, js string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	number := func(what, js string) int {
		t.Helper()
		s := eval(what, js)
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("%s: %q is not a number", what, s)
		}
		return n
	}
	location := func() *url.URL {
		t.Helper()
		loc, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(loc)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	screenshot := func(name string) {
		t.Helper()
		dir := os.Getenv("SCREENSHOT_DIR")
		if dir == "" {
			return
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Search.
	navigate("opening /", chromedp.Navigate(srv.URL+"/"))
	if _, err := chromedp.Run(bctx, chromedp.SendKeys(chromedp.ID("q"), query)); err != nil {
		t.Fatal(err)
	}
	navigate("searching", chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)))
	// Four calendar years of results: the time chart is by year, a bar per year.
	if got := number("counting year bars", `String(document.querySelectorAll(".facet.yearchart .ycol").length)`); got < 3 {
		t.Errorf("the results span several years but the chart has %d year bars", got)
	}
	screenshot("search-years.png")

	// 2. The overview of the same search.
	navigate("opening the overview", chromedp.Click(chromedp.CSS(`a.to-overview`)))
	if loc := location(); loc.Path != "/overview" || loc.Query().Get("q") != query {
		t.Errorf("overview URL is %s, want /overview carrying q=%s", loc, query)
	}
	want, err := ix.Overview(ctx, index.OverviewRequest{Request: index.Request{Query: query}})
	if err != nil {
		t.Fatal(err)
	}
	if got := number("reading the overview total", `document.querySelector("#overview-summary strong")?.textContent ?? ""`); got != want.Total {
		t.Errorf("overview says %d records, the index %d", got, want.Total)
	}
	if got := number("counting rows", `String(document.querySelectorAll("table.matrix tbody tr").length)`); got != len(want.Rows) {
		t.Errorf("overview shows %d states, the index %d", got, len(want.Rows))
	}
	screenshot("overview.png")

	// 3. Only the states in every report.
	every, err := ix.Overview(ctx, index.OverviewRequest{Request: index.Request{Query: query}, EveryReport: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(every.Rows) == 0 {
		t.Fatalf("no state has records for %q in every report; the walk needs one", query)
	}
	navigate("switching to every report", chromedp.Click(chromedp.CSS(`a.switch`)))
	if got := number("counting rows", `String(document.querySelectorAll("table.matrix tbody tr").length)`); got != len(every.Rows) {
		t.Errorf("with the switch on the overview shows %d states, the index %d", got, len(every.Rows))
	}

	// 4. A cell: the first state's records in the newest report.
	row, col := every.Rows[0], len(every.Reports)-1
	cellJS := `document.querySelector("table.matrix tbody tr:first-child td.cell:last-child a")`
	if got := number("reading the cell", cellJS+`?.textContent ?? ""`); got != row.Counts[col] {
		t.Errorf("cell %s × %s reads %d, the index %d", row.State, every.Reports[col].ID, got, row.Counts[col])
	}
	navigate("clicking the cell", chromedp.Click(chromedp.JSPath(cellJS)))
	loc := location()
	if loc.Path != "/" || loc.Query().Get("state") != row.State || loc.Query().Get("report") != every.Reports[col].ID || loc.Query().Get("q") != query {
		t.Errorf("the cell led to %s, want the search for %q narrowed to %s and %s", loc, query, row.State, every.Reports[col].ID)
	}
	if got := number("reading the result count", `document.querySelector("#summary strong")?.textContent ?? ""`); got != row.Counts[col] {
		t.Errorf("the narrowed search finds %d, the cell said %d", got, row.Counts[col])
	}

	// 5. The state's page, from the state name on its card.
	navigate("opening the state page", chromedp.Click(chromedp.CSS(`ol.hits li.hit a.state-page`)))
	if loc := location(); loc.Path != "/states/"+row.StateCode {
		t.Fatalf("the card's state name led to %s, want /states/%s", loc, row.StateCode)
	}
	hist, err := ix.StateHistory(ctx, row.StateCode)
	if err != nil {
		t.Fatal(err)
	}
	if got := number("reading the state total", `document.getElementById("state-total")?.textContent ?? ""`); got != hist.Total {
		t.Errorf("state page says %d records, the index %d", got, hist.Total)
	}
	if got := number("counting report sections", `String(document.querySelectorAll("section.state-report").length)`); got != len(hist.Reports) {
		t.Errorf("state page shows %d reports, the index %d", got, len(hist.Reports))
	}
	screenshot("state.png")

	// 6. Compare the state's newest report with the one before.
	navigate("opening the comparison", chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll("section.state-report a")].find(a => a.textContent.includes("比较"))`)))
	loc = location()
	cmp, err := ix.Compare(ctx, loc.Query().Get("a"), loc.Query().Get("b"))
	if err != nil {
		t.Fatalf("the comparison link %s: %v", loc, err)
	}
	if cmp.B.ID != hist.Reports[0].Report.ID {
		t.Errorf("comparison's B is %s, want the state's newest report %s", cmp.B.ID, hist.Reports[0].Report.ID)
	}
	counts := map[string]int{}
	for _, s := range cmp.States {
		counts[s.Status]++
	}
	for sel, status := range map[string]string{"both": index.StatusBoth, "only-a": index.StatusOnlyA, "only-b": index.StatusOnlyB} {
		if got := number("counting "+sel, `String(document.querySelectorAll("section.status-`+sel+` li").length)`); got != counts[status] {
			t.Errorf("comparison lists %d states as %s, the index %d", got, status, counts[status])
		}
	}
	if got := number("counting pairs", `String(document.querySelectorAll("table.pairs tbody tr").length)`); got != len(cmp.Pairs) {
		t.Errorf("comparison shows %d activity rows, the index %d", got, len(cmp.Pairs))
	}
	screenshot("compare.png")
	t.Logf("walk done in %s", time.Since(began).Round(time.Millisecond))
}
