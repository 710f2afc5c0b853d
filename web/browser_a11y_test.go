package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"ctbtsearch/index"
)

// axeSource is axe-core, committed so that the test needs no network (see
// testdata/axe/README.md).
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// Thresholds of WCAG 2.2 AA that axe-core cannot check on its own.
const (
	minGraphicsContrast = 3.0 // 1.4.11: bars, highlight underlines, control borders, focus indicators
	minFocusOutline     = 2.0 // px: an outline thinner than this is not a visible indicator
	minTouchTarget      = 44.0
	maxTabsToFilters    = 10  // from the top of a results page
	maxFocusWalk        = 300 // Tab presses through one page; the busiest has about 80 controls
	narrowWidth         = 390
	reflowWidth         = 320 // WCAG 1.4.10's reference width
	narrowHeight        = 844
	wideWidth           = 1280
	wideHeight          = 900
)

// a11yJS holds the colour arithmetic of WCAG 2.2 (relative luminance and
// contrast ratio) and the checks built on it, injected into every page.
const a11yJS = `window.__a11y = (() => {
	const rgb = s => {
		const m = /rgba?\(([^)]+)\)/.exec(s || "");
		if (!m) return null;
		const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
		return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
	};
	const lum = c => {
		const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
	};
	const ratio = (a, b) => {
		const x = lum(a), y = lum(b);
		return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
	};
	// The colour behind an element: the first opaque background up the tree.
	const bg = el => {
		for (let e = el; e; e = e.parentElement) {
			const c = rgb(getComputedStyle(e).backgroundColor);
			if (c && c.a > 0) return c;
		}
		return {r: 255, g: 255, b: 255, a: 1};
	};
	const describe = el => {
		const text = (el.textContent || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 40);
		return el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "") + (text ? " “" + text + "”" : "");
	};
	return {
		// The focused element and whether its focus indicator is visible:
		// an outline at least minFocusOutline wide with minGraphicsContrast
		// against what is around it, on screen.
		focus(minWidth, minRatio) {
			const el = document.activeElement;
			if (!el || el === document.body) return {what: "nothing", visible: false, problem: "nothing has focus"};
			const s = getComputedStyle(el), r = el.getBoundingClientRect();
			const path = [];
			for (let e = el; e && e !== document.body; e = e.parentElement) path.unshift(e.tagName + ":" + [...e.parentElement.children].indexOf(e));
			const out = {what: describe(el), path: path.join("/"), inFilters: !!el.closest("#filters"),
				skipToFilters: el.matches("a.skip[href='#filters']"), visible: true, problem: "",
				width: r.width, height: r.height};
			const c = rgb(s.outlineColor);
			if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < minWidth || !c) {
				out.visible = false;
				out.problem = "outline " + s.outlineStyle + " " + s.outlineWidth;
			} else {
				out.ratio = ratio(c, bg(el.parentElement));
				if (out.ratio < minRatio) { out.visible = false; out.problem = "outline contrast " + out.ratio.toFixed(2) + ":1"; }
			}
			if (r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.top >= innerHeight) {
				out.visible = false; out.problem += " off screen";
			}
			return out;
		},
		// Graphics that carry meaning, each with its contrast against its
		// surroundings: histogram bars, the highlight's underline, ticked
		// boxes, the borders of inputs and tick boxes.
		graphics() {
			const out = [];
			const add = (el, kind, colour) => {
				const c = rgb(colour);
				if (!c || c.a === 0) { out.push({kind, what: describe(el), ratio: 0}); return; }
				out.push({kind, what: describe(el), ratio: ratio(c, bg(el.parentElement))});
			};
			for (const el of document.querySelectorAll(".bar")) {
				if (el.getBoundingClientRect().height > 0) add(el, "histogram bar", getComputedStyle(el).backgroundColor);
			}
			for (const el of document.querySelectorAll("mark")) {
				const s = getComputedStyle(el);
				if (parseFloat(s.borderBottomWidth) < 2) out.push({kind: "highlight without an underline", what: describe(el), ratio: 0});
				else add(el, "highlight underline", s.borderBottomColor);
			}
			for (const el of document.querySelectorAll(".fv.on .box")) add(el, "ticked box", getComputedStyle(el).backgroundColor);
			for (const el of document.querySelectorAll("input[type=search], select, .box")) {
				if (el.getBoundingClientRect().width > 0) add(el, "control border", getComputedStyle(el).borderTopColor);
			}
			return out;
		},
		// Controls smaller than min in either direction. Links inside running
		// text (display: inline) are exempt, as in WCAG 2.5.8; skip links are
		// measured when focused, since only then are they on screen.
		smallTargets(min) {
			document.querySelectorAll("details").forEach(d => d.open = true);
			const out = [];
			for (const el of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, summary")) {
				const r = el.getBoundingClientRect(), s = getComputedStyle(el);
				if (r.width === 0 || r.height === 0 || s.visibility === "hidden" || s.display === "inline" || el.matches(".skip")) continue;
				if (r.width < min - 0.5 || r.height < min - 0.5) out.push(describe(el) + " " + r.width.toFixed(0) + "×" + r.height.toFixed(0));
			}
			return out;
		},
	};
})(); true`

// axeViolation is what the test reports of one axe-core violation.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

type focusInfo struct {
	What          string  `json:"what"`
	Path          string  `json:"path"` // the element's place in the document, to tell controls apart
	InFilters     bool    `json:"inFilters"`
	SkipToFilters bool    `json:"skipToFilters"`
	Visible       bool    `json:"visible"`
	Problem       string  `json:"problem"`
	Ratio         float64 `json:"ratio"`
	Width         float64 `json:"width"`
	Height        float64 `json:"height"`
}

type graphic struct {
	Kind  string  `json:"kind"`
	What  string  `json:"what"`
	Ratio float64 `json:"ratio"`
}

// TestBrowserAccessibility checks every page type in headless Chromium at
// 1280 and 390 px against WCAG 2.2 AA: axe-core finds no violation of any
// impact; bars, highlights and control borders have 3:1 contrast; on the
// phone every control is at least 44 px and no page scrolls sideways (nor
// the overview at 320 px, where its matrix scrolls in its own region); every
// control shows its focus; and from the top of a results page
// the keyboard reaches the first filter within maxTabsToFilters presses,
// with a visible focus indicator at every step.
//
// With SCREENSHOT=file.png set it also writes the first screen of the
// results at 390 px beside it, as file-390.png (docs/screenshot-390.png).
func TestBrowserAccessibility(t *testing.T) {
	browser := findBrowser(t)
	began := time.Now()
	// Two reports, so that the across-years pages (compare) have content.
	ix, _ := twoReportsIndex(t)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()

	const query = "附件2 国家"
	res, err := ix.Search(ctx, index.Request{Query: query, Size: 1})
	if err != nil || len(res.Hits) == 0 {
		t.Fatalf("sample index: no hit for %q (%v)", query, err)
	}
	srv := httptest.NewServer(New(ix, Options{}))
	defer srv.Close()
	bctx := startChromium(t, ctx, browser, wideWidth, wideHeight)

	search := func(pairs ...string) string { return "/?" + q(pairs...) }
	pages := []struct {
		name, path string
		status     int64
	}{
		{"home", "/", 200},
		{"results", search("q", query), 200},
		{"filtered results", search("q", query, "section", "1(a)", "state", res.Hits[0].State), 200},
		{"record", hitURL(res.Hits[0].ID, index.Request{Query: query}), 200},
		{"refused search", search("q", query, "month", "2006-13"), 400},
		{"zero results", search("q", "没有这个词语的记录"), 200},
		{"404", "/records/no-such-record", 404},
		{"overview", "/overview?" + q("q", query), 200},
		{"state", "/states/" + res.Hits[0].StateCode, 200},
		{"compare", "/compare", 200},
	}
	open := func(path string, status int64) {
		t.Helper()
		resp, err := chromedp.RunResponse(bctx, chromedp.Navigate(srv.URL+path))
		if err != nil {
			t.Fatalf("opening %s: %v", path, err)
		}
		if resp.Status != status {
			t.Fatalf("%s answered %d, want %d", path, resp.Status, status)
		}
		if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](a11yJS)); err != nil {
			t.Fatalf("%s: injecting the checks: %v", path, err)
		}
	}
	evalJSON := func(what, js string, out any) {
		t.Helper()
		raw, err := chromedp.Run(bctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v in %s", what, err, raw)
		}
	}

	// runAxe reports every axe-core violation on the open page.
	runAxe := func(t *testing.T) {
		t.Helper()
		if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
			t.Fatalf("injecting axe-core: %v", err)
		}
		var violations []axeViolation
		evalJSON("running axe-core", `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ")),
		})))`, &violations)
		for _, v := range violations {
			t.Errorf("axe %s (%s): %s\n\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		}
	}

	for _, size := range []struct{ w, h int64 }{{wideWidth, wideHeight}, {narrowWidth, narrowHeight}} {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			t.Run(fmt.Sprintf("%d/%s", size.w, p.name), func(t *testing.T) {
				open(p.path, p.status)
				runAxe(t)
				var gs []graphic
				evalJSON("measuring graphics", `__a11y.graphics()`, &gs)
				lowest := map[string]float64{}
				for _, g := range gs {
					if g.Ratio < minGraphicsContrast {
						t.Errorf("%s %s: contrast %.2f:1, want at least %.0f:1", g.Kind, g.What, g.Ratio, minGraphicsContrast)
					}
					if r, ok := lowest[g.Kind]; !ok || g.Ratio < r {
						lowest[g.Kind] = g.Ratio
					}
				}
				for kind, r := range lowest {
					t.Logf("lowest contrast of a %s: %.2f:1", kind, r)
				}
				if size.w == narrowWidth {
					// 1.4.10 Reflow: nothing wider than the phone's screen.
					var wide int
					evalJSON("measuring the page width", `document.documentElement.scrollWidth`, &wide)
					if wide > narrowWidth {
						t.Errorf("the page is %d px wide on a %d px screen: it scrolls sideways", wide, narrowWidth)
					}
					var small []string
					evalJSON("measuring touch targets", fmt.Sprintf(`__a11y.smallTargets(%g)`, minTouchTarget), &small)
					for _, s := range small {
						t.Errorf("touch target smaller than %.0f px: %s", minTouchTarget, s)
					}
				}
			})
		}

		// The keyboard path: Tab from the top; the skip link to the filters
		// is followed with Enter, as a keyboard user would.
		t.Run(fmt.Sprintf("%d/keyboard to the filters", size.w), func(t *testing.T) {
			open(search("q", query), 200)
			var path []string
			reached := false
			for press := 1; press <= maxTabsToFilters && !reached; press++ {
				if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Tab)); err != nil {
					t.Fatal(err)
				}
				var f focusInfo
				evalJSON("reading the focus", fmt.Sprintf(`__a11y.focus(%g, %g)`, minFocusOutline, minGraphicsContrast), &f)
				path = append(path, f.What)
				if !f.Visible {
					t.Errorf("Tab %d: focus on %s is not visible: %s", press, f.What, f.Problem)
				} else {
					t.Logf("Tab %d: %s, outline contrast %.2f:1", press, f.What, f.Ratio)
				}
				if size.w == narrowWidth && (f.Width < minTouchTarget-0.5 || f.Height < minTouchTarget-0.5) && f.SkipToFilters {
					t.Errorf("Tab %d: skip link %s is %.0f×%.0f px", press, f.What, f.Width, f.Height)
				}
				reached = f.InFilters
				if f.SkipToFilters {
					if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Enter)); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !reached {
				t.Errorf("no filter reached in %d Tab presses; focus went %s", maxTabsToFilters, strings.Join(path, " → "))
			} else {
				t.Logf("first filter reached in %d Tab presses: %s", len(path), strings.Join(path, " → "))
			}
		})
	}

	// 1.4.10 Reflow at its own reference width, 320 px, on the widest page:
	// the overview's matrix may be wider than the screen (a data table may
	// scroll within a region), but then only inside its region, which
	// keyboard users can focus (to scroll it with the arrow keys) and
	// screen readers can name; the page itself stays 320 px wide. document.documentElement.scrollWidth measures the page:
	// what overflows inside a scrolling region is clipped by it and does not
	// count, so the same check as at 390 px is the right one here.
	t.Run(fmt.Sprintf("%d/overview", reflowWidth), func(t *testing.T) {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(reflowWidth, narrowHeight)); err != nil {
			t.Fatal(err)
		}
		open("/overview?"+q("q", query), 200)
		runAxe(t)
		var width struct {
			Page, Region, RegionVisible int
			Focusable, Named            bool
		}
		evalJSON("measuring the page width", `(() => { const r = document.querySelector(".matrix-wrap");
			return {page: document.documentElement.scrollWidth, region: r ? r.scrollWidth : 0, regionVisible: r ? r.clientWidth : 0,
				focusable: !!r && r.tabIndex >= 0,
				named: !!r && r.getAttribute("role") === "region" && !!(r.getAttribute("aria-label") || r.getAttribute("aria-labelledby"))}; })()`, &width)
		if width.Page > reflowWidth {
			t.Errorf("the overview is %d px wide on a %d px screen: it scrolls sideways", width.Page, reflowWidth)
		}
		if width.Region > width.RegionVisible && !(width.Focusable && width.Named) {
			t.Errorf("the matrix scrolls inside its container, which is not a focusable, named region (focusable %v, named %v)", width.Focusable, width.Named)
		}
		t.Logf("page %d px; matrix %d px in a region showing %d px", width.Page, width.Region, width.RegionVisible)
	})

	// Every control of the busiest pages, in tab order, shows its focus;
	// the overview's matrix (shaded cells, a scrolling region) and the
	// comparison included.
	for _, p := range []string{search("q", query, "size", "5"), "/", hitURL(res.Hits[0].ID, index.Request{Query: query}),
		"/overview?" + q("q", query), "/states/" + res.Hits[0].StateCode, "/compare"} {
		t.Run("focus visible on "+p, func(t *testing.T) {
			for _, size := range []struct{ w, h int64 }{{wideWidth, wideHeight}, {narrowWidth, narrowHeight}} {
				if err := chromedp.Do(bctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
					t.Fatal(err)
				}
				open(p, 200)
				seen := map[string]bool{}
				for press := 1; press <= maxFocusWalk; press++ {
					if err := chromedp.Do(bctx, chromedp.KeyEvent(kb.Tab)); err != nil {
						t.Fatal(err)
					}
					var f focusInfo
					evalJSON("reading the focus", fmt.Sprintf(`__a11y.focus(%g, %g)`, minFocusOutline, minGraphicsContrast), &f)
					if f.What == "nothing" || seen[f.Path] {
						break // past the last control, or round again
					}
					seen[f.Path] = true
					if !f.Visible {
						t.Errorf("%d px, Tab %d: focus on %s is not visible: %s", size.w, press, f.What, f.Problem)
					}
				}
				if len(seen) < 5 {
					t.Errorf("%d px: only %d controls reached by Tab", size.w, len(seen))
				}
				t.Logf("%d px: %d controls in tab order", size.w, len(seen))
			}
		})
	}

	// In forced colours (Windows contrast themes) the bars, ticked boxes
	// and highlights keep a colour of their own.
	t.Run("forced colours", func(t *testing.T) {
		setForced := func(v string) error {
			_, err := chromedp.Call(bctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "forced-colors", Value: v}}})
			return err
		}
		if err := setForced("active"); err != nil {
			t.Fatal(err)
		}
		defer setForced("")
		open(search("q", query, "state", res.Hits[0].State), 200)
		var gs []graphic
		evalJSON("measuring graphics", `__a11y.graphics()`, &gs)
		for _, g := range gs {
			if g.Ratio < minGraphicsContrast {
				t.Errorf("forced colours: %s %s: contrast %.2f:1", g.Kind, g.What, g.Ratio)
			}
		}
		if !slices.ContainsFunc(gs, func(g graphic) bool { return g.Kind == "ticked box" }) {
			t.Error("no ticked box measured on a page with a state ticked")
		}
		t.Logf("forced colours: %d graphics measured", len(gs))
	})

	// The state facet's find box: typing narrows the list, rarer states
	// behind "show more" included; Enter filters by what was typed.
	t.Run("find a state", func(t *testing.T) {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(wideWidth, wideHeight)); err != nil {
			t.Fatal(err)
		}
		open("/", 200)
		if err := chromedp.Do(bctx, chromedp.SendKeys("#find-state", "japan")); err != nil {
			t.Fatalf("typing in the find box: %v", err)
		}
		var got struct {
			Visible []string `json:"visible"`
			Status  string   `json:"status"`
		}
		evalJSON("reading the state list", `({
			visible: [...document.querySelectorAll("#filters .facet ul.fvs > li")]
				.filter(li => li.closest("section").querySelector("#find-state") && li.getClientRects().length > 0)
				.map(li => li.querySelector(".name").textContent),
			status: document.getElementById("find-state-status").textContent,
		})`, &got)
		if len(got.Visible) != 1 || !strings.HasPrefix(got.Visible[0], "日本") || got.Status != "找到 1 项" {
			t.Errorf("after typing japan the list shows %q, status %q; want only 日本 and 找到 1 项", got.Visible, got.Status)
		}
		resp, err := chromedp.RunResponse(bctx, chromedp.KeyEvent(kb.Enter))
		if err != nil || resp.Status != 200 {
			t.Fatalf("pressing Enter in the find box: %v", err)
		}
		var chips string
		evalJSON("reading the chips", `document.querySelector(".chips")?.textContent ?? ""`, &chips)
		if !strings.Contains(chips, "日本") {
			t.Errorf("after Enter the chips read %q, want the state 日本", chips)
		}
	})

	if shot := os.Getenv("SCREENSHOT"); shot != "" {
		if err := chromedp.Do(bctx, chromedp.EmulateViewport(narrowWidth, narrowHeight)); err != nil {
			t.Fatal(err)
		}
		open(search("q", query), 200)
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		path := strings.TrimSuffix(shot, ".png") + "-390.png"
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", path, len(png))
	}
	t.Logf("accessibility test took %s", time.Since(began).Round(time.Millisecond))
}
