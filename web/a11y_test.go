package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// RecordDetail serves the fake's records with no neighbours and no report
// information; the text is escaped and, for a query found verbatim, marked.
func (f *fakeSearcher) RecordDetail(ctx context.Context, id, query string) (index.RecordDetail, error) {
	rec, err := f.Record(ctx, id)
	if err != nil {
		return index.RecordDetail{}, err
	}
	mark := func(s string) string {
		s = html.EscapeString(s)
		if q := html.EscapeString(query); q != "" {
			s = strings.ReplaceAll(s, q, "<mark>"+q+"</mark>")
		}
		return s
	}
	d := index.RecordDetail{Record: rec}
	d.Marked.Activity, d.Marked.Comment = mark(rec.Activity), mark(rec.Comment)
	for _, fn := range rec.Footnotes {
		d.Marked.Footnotes = append(d.Marked.Footnotes, mark(fn))
	}
	return d, nil
}

// withReport is a Searcher whose records belong to a report it knows.
type withReport struct {
	*fakeSearcher
	info index.ReportInfo
}

func (w withReport) RecordDetail(ctx context.Context, id, query string) (index.RecordDetail, error) {
	d, err := w.fakeSearcher.RecordDetail(ctx, id, query)
	d.ReportInfo = w.info
	return d, err
}

// TestRecordPage checks what makes a record page worth citing: the report's
// year and symbol with a link to the UN document, the row's place in the
// original by file name and line (never a local path), the query's matches
// marked, and the ways on: the state in every report, the neighbouring rows.
func TestRecordPage(t *testing.T) {
	a := sampleApp(t)
	all := a.search(t, q("size", "100", "sort", "oldest", "report", "a62-ctbt-universality"))
	if len(all.Hits) < 3 {
		t.Fatalf("%d records in the sample report", len(all.Hits))
	}
	ids := make(map[string]bool)
	for _, h := range all.Hits {
		ids[h.ID] = true
	}
	mid := a.search(t, q("q", "附件2 国家", "size", "1")).Hits[0].Record
	file, line, _ := strings.Cut(mid.Source[strings.LastIndex(mid.Source, "/")+1:], ":")

	search := q("q", "附件2 国家", "section", mid.Section)
	page := a.get(t, "/records/"+mid.ID+"?"+search).Body.String()
	for _, tc := range []struct{ name, want string }{
		{"file and line", `<span class="code">` + file + `</span>，第 ` + line + ` 行`},
		{"year", " · 2007 · "},
		{"state in every report", `href="/?state=` + url.QueryEscape(mid.State) + `">` + mid.State + `在各年报告中的全部记录</a>`},
		{"marked query", "<mark>"},
		{"symbol unknown", "报告未载明"},
	} {
		if !strings.Contains(page, tc.want) {
			t.Errorf("%s: record page lacks %s", tc.name, tc.want)
		}
	}
	if m := regexp.MustCompile(`<a class="back" href="([^"]*)"`).FindStringSubmatch(page); m == nil || html.UnescapeString(m[1]) != "/?"+search {
		t.Errorf("back link %q, want the search /?%s", m, search)
	}
	if dir := mid.Source[:strings.LastIndex(mid.Source, "/")+1]; dir == "" || strings.Contains(page, dir) {
		t.Errorf("the record page shows the local directory %q, or the source %q has none", dir, mid.Source)
	}
	if !strings.Contains(page, "已标出检索词“附件2 国家”的匹配之处") {
		t.Error("the page does not say that the query's matches are marked")
	}
	if other := a.get(t, "/records/"+mid.ID+"?"+q("q", "zzzz")).Body.String(); strings.Contains(other, "<mark>") || strings.Contains(other, "已标出检索词") {
		t.Error("a query that does not match the record still claims marks")
	}
	if strings.Contains(page, "undocs.org") {
		t.Error("a link to undocs.org without a symbol")
	}

	// Prev and next lead to rows of the same report that exist, and keep
	// the search in their URL.
	for _, rel := range []string{"prev", "next"} {
		m := regexp.MustCompile(`<a rel="` + rel + `" href="/records/([^"?]+)\?([^"]*)">(?:‹ 上一条：)?([^<]*?)(?: ›)?</a>`).FindStringSubmatch(page)
		if m == nil {
			t.Errorf("no %s link on a middle row", rel)
			continue
		}
		if !ids[m[1]] || m[1] == mid.ID {
			t.Errorf("%s link to %s, not another row of the report", rel, m[1])
		}
		if html.UnescapeString(m[2]) != search {
			t.Errorf("%s link carries %q, want the search %q", rel, html.UnescapeString(m[2]), search)
		}
		rec := a.get(t, "/records/"+m[1])
		if rec.Code != http.StatusOK {
			t.Fatalf("%s link: status %d", rel, rec.Code)
		}
		if state := strings.TrimPrefix(m[3], "下一条："); !strings.Contains(rec.Body.String(), "<h1>"+state) {
			t.Errorf("%s link is named %q, not after the state of the row it leads to", rel, m[3])
		}
	}
	firstID := all.Hits[0].ID
	for id := range ids {
		firstID = min(firstID, id)
	}
	first := a.get(t, "/records/"+firstID).Body.String()
	if strings.Contains(first, `rel="prev"`) || !strings.Contains(first, `rel="next"`) {
		t.Error("the first row should have a next link and no prev link")
	}

	// With a symbol: the document on undocs.org, segments escaped.
	fake := withReport{&fakeSearcher{records: []report.Record{mid}}, index.ReportInfo{ID: mid.Report, Symbol: "A/62/50", Year: 2007}}
	page = newApp(t, fake, Options{}).get(t, "/records/"+mid.ID).Body.String()
	if !strings.Contains(page, `<a href="https://undocs.org/zh/A/62/50" hreflang="zh">A/62/50</a>`) {
		t.Error("no link to the UN document by its symbol")
	}
}

func TestSourcePlace(t *testing.T) {
	for _, tc := range []struct{ name, source, file, line string }{
		{"relative path", "data/reports/a62.zh.txt:17", "a62.zh.txt", "第 17 行"},
		{"absolute path", "/home/someone/reports/a62.zh.txt:170", "a62.zh.txt", "第 170 行"},
		{"windows path", `C:\reports\a62.zh.txt:3`, "a62.zh.txt", "第 3 行"},
		{"bare file", "a62.zh.txt:1", "a62.zh.txt", "第 1 行"},
		{"PDF page", "/downloads/A_64_136.pdf:p.3", "A_64_136.pdf", "第 3 页"},
		{"DOCX table row", "reports/第64届.docx:row 12", "第64届.docx", "表格第 12 行"},
		{"page zero is no page", "a.pdf:p.0", "a.pdf:p.0", ""},
		{"no line", "a62.zh.txt", "a62.zh.txt", ""},
		{"colon without a number", "dir/a:b.txt", "a:b.txt", ""},
		{"empty", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if file, line := sourcePlace(tc.source); file != tc.file || line != tc.line {
				t.Errorf("sourcePlace(%q) = %q, %q; want %q, %q", tc.source, file, line, tc.file, tc.line)
			}
		})
	}
}

func TestUndocsURL(t *testing.T) {
	for _, tc := range []struct{ name, symbol, want string }{
		{"unknown", "", ""},
		{"general assembly", "A/62/50", "https://undocs.org/zh/A/62/50"},
		{"revision", "A/64/91/Rev.1", "https://undocs.org/zh/A/64/91/Rev.1"},
		{"space and query characters escaped", "A/62 x?y", "https://undocs.org/zh/A/62%20x%3Fy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := undocsURL(tc.symbol); got != tc.want {
				t.Errorf("undocsURL(%q) = %q, want %q", tc.symbol, got, tc.want)
			}
		})
	}
}

// TestPageStructure checks, on every page type, what the layout and the
// templates promise in their structure: one <h1>, a heading and one link
// per hit, the skip links, and long facets split behind "show more" with
// English state names beside the Chinese ones. The browser test checks the
// rendered pages with axe-core; this one says which template is at fault.
func TestPageStructure(t *testing.T) {
	a := sampleApp(t)
	hitRE := regexp.MustCompile(`(?s)<li class="hit">(.*?)</li>\s*(?:<li class="hit">|</ol>)`)
	for _, tc := range []struct {
		name, target string
		status       int
		filters      bool
	}{
		{"home", "/", http.StatusOK, true},
		{"results", "/?" + q("q", "附件2 国家"), http.StatusOK, true},
		{"filtered results", "/?" + q("q", "附件2 国家", "state", "日本", "section", "1(a)"), http.StatusOK, true},
		{"zero results", "/?" + q("q", "没有这个词语的记录"), http.StatusOK, false},
		{"refused search", "/?" + q("month", "2006-13"), http.StatusBadRequest, false},
		{"record", "/records/a62-ctbt-universality-002", http.StatusOK, false},
		{"not found", "/nowhere", http.StatusNotFound, false},
		{"record not found", "/records/a62-ctbt-universality-999", http.StatusNotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := a.get(t, tc.target)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			page := rec.Body.String()
			if n := strings.Count(page, "<h1"); n != 1 {
				t.Errorf("%d <h1> elements, want 1", n)
			}
			if !strings.Contains(page, `<a class="skip" href="#main">`) {
				t.Error("no link to skip to the content")
			}
			skipFilters := strings.Contains(page, `<a class="skip" href="#filters">`)
			hasFilters := strings.Contains(page, `id="filters"`)
			if skipFilters != hasFilters || (tc.filters && !hasFilters) {
				t.Errorf("skip-to-filters link %v, filters %v; want both %v", skipFilters, hasFilters, tc.filters || hasFilters)
			}
			for _, m := range hitRE.FindAllStringSubmatch(page, -1) {
				// One link to the record; the only other is to the state
				// across the reports, a different place.
				if n := strings.Count(m[1], `<a href="/records/`); n != 1 {
					t.Errorf("a hit has %d links to its record, want 1: %.200s", n, m[1])
				}
				if n, states := strings.Count(m[1], "<a "), strings.Count(m[1], `href="/states/`); n != 1+states || states > 1 {
					t.Errorf("a hit has %d links, %d of them to a state page; want its record's and at most one state page: %.200s", n, states, m[1])
				}
				if !regexp.MustCompile(`^\s*<h2 class="hit-title"><a href="/records/`).MatchString(m[1]) {
					t.Errorf("a hit does not start with a heading linking to its record: %.200s", m[1])
				}
			}
		})
	}
}

// TestLongFacets checks the state facet of a collection with many states:
// the most frequent ones in sight, selected ones too, the rest behind "show
// more", English names beside Chinese ones, and a find box whose form keeps
// the rest of the search.
func TestLongFacets(t *testing.T) {
	a := sampleApp(t)
	states := a.search(t, "").Facets.State
	if len(states) <= facetShown+facetSlack {
		t.Fatalf("the sample has %d states; the test needs more than %d", len(states), facetShown+facetSlack)
	}
	rare := states[len(states)-1]
	page := a.get(t, "/?"+q("q", "条约", "state", rare.Value, "sort", "oldest")).Body.String()
	start := strings.Index(page, `<h2 id="facet-state">`)
	end := strings.Index(page, `<h2 id="facet-section">`)
	if start < 0 || end < start {
		t.Fatal("no state facet followed by the section facet")
	}
	facet := page[start:end]
	shown, more, ok := strings.Cut(facet, `<details class="more">`)
	if !ok {
		t.Fatal("no show-more for a long state list")
	}
	if n := strings.Count(shown, `<a class="fv`); n != facetShown+1 {
		t.Errorf("%d states in sight, want %d and the selected one", n, facetShown)
	}
	if !strings.Contains(shown, `aria-current="true"`) || strings.Contains(more, `aria-current="true"`) {
		t.Error("the selected state is not in sight")
	}
	if !strings.Contains(facet, `<span class="en" lang="en">Japan</span>`) {
		t.Error("no English name beside 日本")
	}
	for _, want := range []string{
		`<form class="facet-find" action="/" method="get">`,
		`<input type="hidden" name="q" value="条约">`,
		`<input type="hidden" name="state" value="` + rare.Value + `">`,
		`<input type="hidden" name="sort" value="oldest">`,
		`<input id="find-state" name="state" type="search"`,
	} {
		if !strings.Contains(facet, want) {
			t.Errorf("the find box lacks %s", want)
		}
	}
	// Without JavaScript, what is typed in the box becomes a filter.
	if got := a.search(t, q("q", "条约", "state", "Japan")); got.Total == 0 {
		t.Error("a state typed in English finds nothing")
	}
}

// TestRecordPageEscapesQuery: the query carried to a record page reaches it
// only escaped, in the marks and in the links, even when it matches.
func TestRecordPageEscapesQuery(t *testing.T) {
	a := sampleApp(t)
	const evil = `国家 <script>alert(1)</script> "x'`
	hit := a.search(t, q("q", "国家", "size", "1")).Hits[0]
	page := a.get(t, "/records/"+hit.ID+"?"+q("q", evil)).Body.String()
	if strings.Contains(page, "<script>alert") {
		t.Errorf("the query reached the record page unescaped")
	}
	if !strings.Contains(page, "<mark>国家</mark>") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the page does not mark 国家 and show the rest of the query escaped")
	}
	checkNoInlineCode(t, "record page", page)
}
