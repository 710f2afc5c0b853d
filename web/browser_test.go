package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"ctbtsearch/index"
	"ctbtsearch/internal/testutil"
)

// browserNames are the executables the browser test looks for, in order.
// Debian's package installs chromium; the others are other distributions'
// names for the same browser.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome"}

// browserTimeout bounds the whole browser test, browser start included. The
// test takes a few seconds; this only keeps a hung browser from hanging CI.
const browserTimeout = 60 * time.Second

// findBrowser returns the path of a Chromium executable. Without one the test
// is skipped, except under CI=true, where .ci/run installs Chromium and a
// missing browser means the installation failed.
func findBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range browserNames {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := fmt.Sprintf("browser test needs Chromium, but none of %s is on PATH "+
		"(Debian: apt-get install chromium fonts-noto-cjk)", strings.Join(browserNames, ", "))
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; with CI=true it must run: .ci/run installs Chromium, see its output for why it could not")
	}
	t.Skip(msg)
	return ""
}

// TestBrowser walks the main user path in headless Chromium: open the search
// page, search, see highlighted hits and their count, tick a section facet,
// see the URL and the count change, open a record and go back to the same
// results. On the way it checks what only a browser can: that the month
// histogram's labels sit under their bars.
//
// With SCREENSHOT=file.png set it also writes a full-page screenshot of the
// results, 1280 px wide (docs/screenshot.png is made this way).
func TestBrowser(t *testing.T) {
	browser := findBrowser(t)
	began := time.Now()

	const (
		query   = "附件2 国家"
		section = "1(a)"
	)
	ix := sampleIndex(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()

	// What the pages must show, from the index itself.
	all, err := ix.Search(ctx, index.Request{Query: query})
	if err != nil {
		t.Fatal(err)
	}
	filtered, err := ix.Search(ctx, index.Request{Query: query, Section: []string{section}})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total == 0 || filtered.Total == 0 || filtered.Total == all.Total {
		t.Fatalf("sample index: %d hits for %q, %d of them in %s; the test needs some in %[4]s and some elsewhere",
			all.Total, query, filtered.Total, section)
	}
	first := filtered.Hits[0].Record

	// As cmd/search serves it (no version in the footer), on loopback.
	srv := httptest.NewServer(New(ix, Options{}))
	defer srv.Close()

	// Chromium's own output, shown only when the test fails.
	var browserOut testutil.SyncBuffer
	defer func() {
		if t.Failed() {
			t.Logf("Chromium output (D-Bus complaints left out):\n%s", withoutDBus(browserOut.String()))
		}
	}()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox, // CI and developers run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&browserOut),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Close the browser before t.TempDir removes its profile.
	defer func() {
		if err := chromedp.Cancel(bctx); err != nil {
			t.Logf("closing Chromium: %v", err)
		}
		cancelBrowser()
	}()

	// Start the browser and collect what the pages report as errors: script
	// exceptions, and console errors such as Content-Security-Policy
	// violations or failed loads of our own assets.
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("starting %s: %v", browser, err)
	}
	t.Logf("%s started in %s", browser, time.Since(began).Round(time.Millisecond))
	var (
		mu       sync.Mutex
		pageErrs []string
	)
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				pageErrs = append(pageErrs, fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *cdpruntime.EventExceptionThrown:
			pageErrs = append(pageErrs, "exception: "+ev.ExceptionDetails.Text)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range pageErrs {
			t.Errorf("page reported an error: %s", e)
		}
	}()

	// navigate runs steps that load a new page and checks the response.
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
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
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
	location := func() string {
		t.Helper()
		loc, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatalf("reading the location: %v", err)
		}
		return loc
	}
	summaryCount := func() uint64 {
		t.Helper()
		s := eval("reading the result count", `document.querySelector("#summary strong")?.textContent ?? ""`)
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			t.Fatalf("result count %q is not a number", s)
		}
		return n
	}

	// 1. The search page, and its search box found by its label.
	navigate("opening /", chromedp.Navigate(srv.URL+"/"))
	box := eval("finding the search box", `(() => {
		const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === "检索词");
		return l && l.control ? l.control.id : "";
	})()`)
	if box == "" {
		t.Fatal(`the search page has no input labelled "检索词"`)
	}

	// 2. Type the query and submit it.
	run("typing the query", chromedp.SendKeys(chromedp.ID(box), query))
	navigate("submitting the search", chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)))
	if loc := location(); !strings.Contains(loc, "q=") {
		t.Errorf("after the search the URL is %s, without the query", loc)
	}
	if got := eval("reading the search box", `document.getElementById("q").value`); got != query {
		t.Errorf("search box shows %q after the search, want %q", got, query)
	}
	marks := eval("counting highlights", `String(document.querySelectorAll("ol.hits li.hit mark").length)`)
	if marks == "0" {
		t.Error("no <mark> highlight inside any result")
	}
	if got := summaryCount(); got != all.Total {
		t.Errorf("page says %d results for %q, the index has %d", got, query, all.Total)
	}

	// The month labels (1月, 6月, 12月) are centred under their own bars.
	// A label is the i-th cell of .ticks, its bar the i-th column of .bars.
	misaligned := eval("measuring the histogram", `(() => {
		const out = [], centre = r => r.left + r.width / 2;
		for (const y of document.querySelectorAll(".facet.months .year")) {
			const cols = y.querySelectorAll(".bars .col"), ticks = y.querySelectorAll(".ticks span");
			if (cols.length !== 12 || ticks.length !== 12) { out.push(cols.length + " bars, " + ticks.length + " tick cells"); continue; }
			ticks.forEach((t, i) => {
				if (!t.textContent) return;
				const d = centre(t.getBoundingClientRect()) - centre(cols[i].getBoundingClientRect());
				if (Math.abs(d) > 1) out.push(t.textContent + " is " + d.toFixed(1) + "px off its bar");
			});
		}
		return out.join("; ");
	})()`)
	if misaligned != "" {
		t.Errorf("month histogram: %s", misaligned)
	}
	if n := eval("counting histogram labels", `String(document.querySelectorAll(".facet.months .ticks span:not(:empty)").length)`); n == "0" {
		t.Error("the month histogram has no labels")
	}

	if path := os.Getenv("SCREENSHOT"); path != "" {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // 100: PNG
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", path, len(png))
	}

	// 3. Tick the section facet, found by its group and label as a person
	// finds it. (Its href would not do: once 1(a) is ticked, the other
	// sections' links carry section=1(a) too, and its own link does not.)
	// Its count is the number of results that ticking it gives.
	facetJS := `[...document.querySelectorAll("aside.facets section.facet")]
		.filter(s => s.querySelector("h2")?.textContent === "部分")
		.flatMap(s => [...s.querySelectorAll("a.fv")])
		.find(a => a.querySelector(".name")?.textContent.startsWith(` + strconv.Quote(section+" ") + `))`
	facetState := func() (count, class string) {
		t.Helper()
		s := eval("reading the facet", `(() => {
			const a = `+facetJS+`;
			return a ? a.querySelector(".count")?.textContent + " " + a.className : "";
		})()`)
		count, class, ok := strings.Cut(s, " ")
		if !ok {
			t.Fatalf("the 部分 facet has no value %s", section)
		}
		return count, class
	}
	count, class := facetState()
	if count != strconv.FormatUint(filtered.Total, 10) || strings.Contains(class, "on") {
		t.Errorf("before ticking, facet %s shows count %s, class %q; want %d, not on", section, count, class, filtered.Total)
	}
	navigate("clicking the section facet", chromedp.Click(chromedp.JSPath(facetJS)))
	if loc := location(); !strings.Contains(loc, "section=1%28a%29") {
		t.Errorf("after ticking section %s the URL is %s", section, loc)
	}
	if got := summaryCount(); got != filtered.Total {
		t.Errorf("page says %d results with section %s, the index has %d", got, section, filtered.Total)
	}
	if _, class := facetState(); !strings.Contains(" "+class+" ", " on ") {
		t.Errorf("facet %s is not shown as ticked (class %q)", section, class)
	}
	if got := eval("reading the chips", `document.querySelector(".chips")?.textContent ?? ""`); !strings.Contains(got, section) {
		t.Errorf("no chip for the selected section; chips read %q", got)
	}

	// 4. Open the first result's record. Its URL carries the search.
	results := location()
	if got := eval("reading the first hit", `document.querySelector("ol.hits li.hit a.state")?.textContent ?? ""`); got != first.State {
		t.Errorf("first hit is %q, the index ranks %q first", got, first.State)
	}
	navigate("opening the first record", chromedp.Click(chromedp.CSS(`ol.hits li.hit a.details`)))
	if loc, err := url.Parse(location()); err != nil || loc.Path != recordURL(first.ID) ||
		loc.Query().Get("q") != query || loc.Query().Get("section") != section {
		t.Errorf("record URL is %s, want %s carrying q=%s and section=%s", loc, recordURL(first.ID), query, section)
	}
	heading := eval("reading the record", `document.querySelector("article.record h1")?.textContent ?? ""`)
	period := eval("reading the record", `document.querySelector("article.record p.period")?.textContent ?? ""`)
	if !strings.HasPrefix(heading, first.State) || period != first.Period {
		t.Errorf("record page shows %q / %q, want state %q and period %q", heading, period, first.State, first.Period)
	}

	// 5. Back to the same results: same URL, count and ticked facet.
	navigate("going back to the results", chromedp.Click(chromedp.CSS(`p.back a`)))
	if loc := location(); loc != results {
		t.Errorf("back link led to %s, want the results %s", loc, results)
	}
	if got := summaryCount(); got != filtered.Total {
		t.Errorf("back on the results, the page says %d results, want %d", got, filtered.Total)
	}
	if _, class := facetState(); !strings.Contains(" "+class+" ", " on ") {
		t.Errorf("back on the results, facet %s is no longer ticked (class %q)", section, class)
	}

	t.Logf("browser test took %s", time.Since(began).Round(time.Millisecond))
}

// withoutDBus drops the lines in which Chromium complains that it finds no
// D-Bus, which it does on every start in a container and which say nothing
// about a failure.
func withoutDBus(out string) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if !strings.Contains(line, ":ERROR:dbus/") {
			b.WriteString(line)
		}
	}
	return b.String()
}
