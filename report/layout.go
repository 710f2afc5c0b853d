package report

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"ctbtsearch/internal/fold"
)

// Rebuilding a report's lines from positioned characters (PDF). The result
// is the text form ParseReport reads (tab-separated rows, headings, "^b"
// markers, footnote lines), so the one parser gives every field its meaning.
// Every threshold is relative to the document's own measures (glyph height,
// line pitch, header label positions), never to one layout's coordinates:
// the fixtures are printed in three layouts to keep it that way.

// srcLine is one line of report text and where it came from.
type srcLine struct {
	text  string
	place string // "p.3"; "" for a text file, whose line number says it
}

// pglyph is a glyph placed in a line.
type pglyph struct {
	glyph
	sup bool // a raised, smaller footnote marker
}

// pline is a line of text on a page: glyphs sharing a baseline, left to right.
type pline struct {
	page     int
	baseline float64
	h        float64 // median loose-box height: the unit of every distance
	glyphs   []pglyph
	kind     lineKind
}

type lineKind int

const (
	lineText lineKind = iota
	lineRunning
	lineFootnote
	lineHeader // a line of a header row (国家 日期/期间 活动和背景 评论)
)

func (l *pline) x0() float64 { return l.glyphs[0].x0 }
func (l *pline) x1() float64 { return l.glyphs[len(l.glyphs)-1].x1 }

// text is the line's characters with spaces where the gap says a space
// stood (PDF producers often draw no space glyph) and "^x" for markers.
func (l *pline) text() string { return glyphText(l.glyphs, l.h) }

func glyphText(gs []pglyph, h float64) string {
	var b strings.Builder
	for i, g := range gs {
		if g.sup && g.r == '*' {
			b.WriteRune(g.r) // the agenda footnote's mark (暂定项目表*) is no table footnote
			continue
		}
		if g.sup {
			if i == 0 || !gs[i-1].sup {
				b.WriteString(" ^")
			}
			b.WriteRune(g.r)
			if i == len(gs)-1 || !gs[i+1].sup {
				b.WriteString(" ")
			}
			continue
		}
		if i > 0 && !gs[i-1].sup && g.x0-gs[i-1].x1 > 0.2*h && !unicode.IsSpace(g.r) {
			b.WriteByte(' ')
		}
		b.WriteRune(g.r)
	}
	return strings.TrimSpace(b.String())
}

// joinWrapped joins the lines of a wrapped cell or paragraph: Chinese text
// wraps anywhere and takes no space; Latin text wraps at a space.
func joinWrapped(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			s := b.String()
			last := []rune(s)[len([]rune(s))-1]
			first := []rune(p)[0]
			if !fold.IsWide(last) && !fold.IsWide(first) {
				b.WriteByte(' ')
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

// pageLines groups a page's glyphs into lines and attaches raised markers
// to the line they belong to.
func pageLines(p pdfPage) []*pline {
	gs := slices.Clone(p.glyphs)
	gs = slices.DeleteFunc(gs, func(g glyph) bool { return unicode.IsSpace(g.r) || g.x1 <= g.x0 && g.top <= g.bottom })
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].baseline > gs[j].baseline })
	var lines []*pline
	var cur *pline
	var ref float64
	for _, g := range gs {
		h := g.top - g.bottom
		// Baselines within one line differ by up to ~0.15 of the glyph
		// height (measured 1.7 pt at 11 pt); a raised marker sits ~0.45
		// above: 0.25 separates them.
		if cur != nil && ref-g.baseline <= 0.25*math.Max(h, cur.h) {
			cur.glyphs = append(cur.glyphs, pglyph{glyph: g})
			continue
		}
		cur = &pline{page: p.number, baseline: g.baseline, h: h, glyphs: []pglyph{{glyph: g}}}
		ref = g.baseline
		lines = append(lines, cur)
	}
	for _, l := range lines {
		finishLine(l)
	}
	// A line of small glyphs just above a line of bigger ones, beside its
	// glyphs, is that line's footnote markers.
	var out []*pline
	for i, l := range lines {
		if i+1 < len(lines) && isMarkerLine(l, lines[i+1]) {
			below := lines[i+1]
			for _, g := range l.glyphs {
				g.sup = true
				below.glyphs = append(below.glyphs, g)
			}
			finishLine(below)
			continue
		}
		out = append(out, l)
	}
	// A marker wrapped onto a line of its own, nothing beside it: smaller
	// than the page's usual text.
	var hs []float64
	for _, l := range out {
		hs = append(hs, l.h)
	}
	if len(hs) > 0 {
		usual := median(hs)
		for _, l := range out {
			all := true
			for _, g := range l.glyphs {
				all = all && isMarkerRune(g.r) && g.size < 0.8*usual
			}
			if all && len(l.glyphs) <= 3 {
				for i := range l.glyphs {
					l.glyphs[i].sup = true
				}
			}
		}
	}
	return out
}

func finishLine(l *pline) {
	slices.SortStableFunc(l.glyphs, func(a, b pglyph) int { return cmp.Compare(a.x0, b.x0) })
	var hs, bs []float64
	for _, g := range l.glyphs {
		if !g.sup {
			hs = append(hs, g.top-g.bottom)
			bs = append(bs, g.baseline)
		}
	}
	if len(hs) > 0 {
		l.h = median(hs)
		l.baseline = median(bs)
	}
	// A marker raised only a little stays in its line's baseline cluster:
	// it is still smaller than the line and above its baseline.
	for i := range l.glyphs {
		g := &l.glyphs[i]
		if !g.sup && isMarkerRune(g.r) && g.size < 0.8*l.h && g.baseline-l.baseline > 0.12*l.h {
			g.sup = true
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func isMarkerLine(l, below *pline) bool {
	if len(l.glyphs) > 3 {
		return false
	}
	var size float64
	for _, g := range below.glyphs {
		size = math.Max(size, g.size)
	}
	for _, g := range l.glyphs {
		if !isMarkerRune(g.r) || g.size >= 0.85*size {
			return false
		}
	}
	rise := l.baseline - below.baseline
	return rise > 0 && rise < 0.9*below.h
}

func isMarkerRune(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '*' }

// digitsRE makes page numbers and job numbers of different pages alike.
var digitsRE = regexp.MustCompile(`[0-9]+`)

func runningKey(l *pline) string {
	return digitsRE.ReplaceAllString(fold.RemoveSpaces(l.text()), "#")
}

// markRunning marks the running header and footer: lines in the top or
// bottom eighth of the page whose text, digits aside, recurs at about the
// same height on at least half of the pages. It returns the document
// symbol the running header carries, if any.
func markRunning(pages []pdfPage, lines [][]*pline) string {
	if len(pages) < 2 {
		return ""
	}
	type key struct {
		text string
		y    int
	}
	count := map[key]int{}
	// Below a page's table header row nothing is a running header: the
	// lines just under it sit at the same height on every page.
	headerTop := make([]float64, len(lines))
	for i, ls := range lines {
		headerTop[i] = math.Inf(-1)
		for _, l := range ls {
			if l.kind == lineHeader {
				headerTop[i] = math.Max(headerTop[i], l.baseline)
			}
		}
	}
	// A running header or footer is among the first or last three lines
	// of a page, in its top or bottom eighth, and says something: a line of
	// punctuation (a wrapped "。") recurs at the same height by chance.
	band := func(i, j int, l *pline) bool {
		p := pages[i]
		inBand := l.baseline > p.height*7/8 && l.baseline > headerTop[i] || l.baseline < p.height/8
		edge := j < 3 || j >= len(lines[i])-3
		says := strings.IndexFunc(l.text(), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
		return l.kind == lineText && inBand && edge && says
	}
	for i, ls := range lines {
		seen := map[key]bool{}
		for j, l := range ls {
			if band(i, j, l) {
				k := key{runningKey(l), int(math.Round(l.baseline / 4))}
				if !seen[k] {
					seen[k] = true
					count[k]++
				}
			}
		}
	}
	symbols := map[string]int{}
	for i, ls := range lines {
		for j, l := range ls {
			if !band(i, j, l) {
				continue
			}
			k := key{runningKey(l), int(math.Round(l.baseline / 4))}
			n := count[k]
			for _, d := range []int{-1, 1} {
				n = max(n, count[key{k.text, k.y + d}])
			}
			if n*2 >= len(pages) && n >= 2 {
				l.kind = lineRunning
				if m := symbolRE.FindString(l.text()); m != "" {
					symbols[m]++
				}
			}
		}
	}
	best := ""
	for s, n := range symbols {
		if best == "" || n > symbols[best] || n == symbols[best] && s < best {
			best = s
		}
	}
	return best
}

// headerLabels are the annex table's column labels, found by their first
// characters (a label may wrap: 日期/ over 期间).
var headerLabels = [4]string{"国家", "日期", "活动", "评论"}

// labelSpan finds label in a line, starting at or right of minX: the x
// range of the chunk it starts (the label runs to the next gap wider than
// most of a glyph).
func labelSpan(l *pline, label string, minX float64) ([2]float64, bool) {
	lr := []rune(label)
	for i := 0; i+len(lr) <= len(l.glyphs); i++ {
		if l.glyphs[i].x0 < minX {
			continue
		}
		match := true
		for k, r := range lr {
			if l.glyphs[i+k].r != r {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		// Labels hold no spaces: any visible gap, or the next label,
		// ends one (narrow columns may leave only the padding between).
		end := i
		for end+1 < len(l.glyphs) && l.glyphs[end+1].x0-l.glyphs[end].x1 < 0.3*l.h && !startsLabel(l.glyphs[end+1:]) {
			end++
		}
		return [2]float64{l.glyphs[i].x0, l.glyphs[end].x1}, true
	}
	return [2]float64{}, false
}

// startsLabel reports whether glyphs begin with a header label.
func startsLabel(gs []pglyph) bool {
	for _, label := range headerLabels {
		lr := []rune(label)
		if len(gs) < len(lr) {
			continue
		}
		match := true
		for k, r := range lr {
			match = match && gs[k].r == r
		}
		if match {
			return true
		}
	}
	return false
}

// findHeaderGroup finds the header row whose 国家 label is on line i of a
// page: the labels' x ranges and the first and last of its lines. Labels may
// sit on different baselines (centred vertically beside a wrapped label, as
// Word does), so each is looked for on the nearest line within 2.5 glyph
// heights, left to right.
func findHeaderGroup(ls []*pline, i int) (spans [4][2]float64, first, last int, ok bool) {
	l := ls[i]
	sp, found := labelSpan(l, headerLabels[0], math.Inf(-1))
	if l.kind != lineText || !found {
		return spans, 0, 0, false
	}
	spans[0] = sp
	first, last = i, i
	for k := 1; k < 4; k++ {
		best, bestD := -1, math.Inf(1)
		var bestSpan [2]float64
		for j, o := range ls {
			d := math.Abs(o.baseline - l.baseline)
			if o.kind != lineText || d > 2.5*l.h || d >= bestD {
				continue
			}
			if s, ok := labelSpan(o, headerLabels[k], spans[k-1][1]); ok {
				best, bestD, bestSpan = j, d, s
			}
		}
		if best < 0 {
			return spans, 0, 0, false
		}
		spans[k] = bestSpan
		first, last = min(first, best), max(last, best)
	}
	// The rest of a wrapped label below the lowest label line: 期间 under 日期/.
	for last+1 < len(ls) && ls[last+1].kind == lineText && ls[last].baseline-ls[last+1].baseline < 2.2*ls[last].h && labelRestLine(ls[last+1]) {
		last++
	}
	return spans, first, last, true
}

// fullLabels are the header labels as the reports print them.
var fullLabels = []string{"国家", "日期/期间", "活动和背景", "评论"}

// labelRestLine reports whether a line holds only the wrapped ends of
// header labels (期间 under 日期/), not the first line of the body, which
// may follow without a gap.
func labelRestLine(l *pline) bool {
	for _, c := range chunks(l) {
		t := fold.RemoveSpaces(glyphText(c, l.h))
		rest := false
		for _, full := range fullLabels {
			rest = rest || t != full && strings.HasSuffix(full, t)
		}
		if !rest {
			return false
		}
	}
	return true
}

// chunks splits a line where the gap between glyphs is wider than most of
// a glyph: no space inside a cell is that wide, column padding is.
func chunks(l *pline) [][]pglyph {
	var out [][]pglyph
	start := 0
	for i := 1; i <= len(l.glyphs); i++ {
		if i == len(l.glyphs) || l.glyphs[i].x0-l.glyphs[i-1].x1 > 0.8*l.h {
			out = append(out, l.glyphs[start:i])
			start = i
		}
	}
	return out
}

// columnEdges derives the left edge of each column: cells are left-aligned,
// so the leftmost x at which body text starts repeatedly between one label's
// end and the next label's start is the next column's edge. Labels may be
// centred, left- or right-aligned; the body text decides.
func columnEdges(labels [4][2]float64, body []*pline) [4]float64 {
	var starts []float64
	for _, l := range body {
		for _, c := range chunks(l) {
			starts = append(starts, c[0].x0)
		}
	}
	slices.Sort(starts)
	var edges [4]float64
	edges[0] = math.Inf(-1)
	for i := 1; i < 4; i++ {
		lo, hi := labels[i-1][1], labels[i][0]+1
		var cand []float64
		for _, x := range starts {
			if x > lo && x <= hi {
				cand = append(cand, x)
			}
		}
		edges[i] = (lo + labels[i][0]) / 2
		// The leftmost cluster (within 1.5 pt) holding at least two starts.
		for j := 0; j < len(cand); j++ {
			k := j
			for k+1 < len(cand) && cand[k+1]-cand[j] <= 1.5 {
				k++
			}
			if k > j {
				edges[i] = cand[j] - 0.5
				break
			}
		}
		if edges[i] == (lo+labels[i][0])/2 && len(cand) > 0 {
			edges[i] = cand[0] - 0.5
		}
	}
	return edges
}

// tableRow is one row of the rebuilt table.
type tableRow struct {
	page   int
	cells  [4][]string // lines of each cell
	free   string      // a line that crosses column edges: heading or text
	isFree bool
	header bool // the header row
}

func (r *tableRow) cell(i int) string { return joinWrapped(r.cells[i]) }

// splitColumns puts a line's glyphs in columns; ok is false when text runs
// across a column edge without a gap (a heading spanning the table).
func splitColumns(l *pline, edges [4]float64) (cols [4][]pglyph, ok bool) {
	ok = true
	prev := -1
	for i, g := range l.glyphs {
		c := 0
		mid := (g.x0 + g.x1) / 2
		for k := 3; k >= 0; k-- {
			if mid >= edges[k] {
				c = k
				break
			}
		}
		// Text running on across a column edge is one line across the
		// table (a heading). Cells are padded, so a new cell starts after a
		// gap; a narrow gap counts only where the glyph starts at the edge.
		if prev >= 0 && c != prev {
			gap := g.x0 - l.glyphs[i-1].x1
			if gap < 0.25*l.h || gap < 0.5*l.h && math.Abs(g.x0-edges[c]) > 2 {
				ok = false
			}
		}
		prev = c
		cols[c] = append(cols[c], g)
	}
	return cols, ok
}

// pdfLines rebuilds a PDF report's lines. It returns an error, with advice,
// when the document has no text layer or no annex table.
func pdfLines(pages []pdfPage) ([]srcLine, error) {
	total := 0
	for _, p := range pages {
		total += len(p.glyphs)
	}
	if total < 20 {
		return nil, &pdfError{"the PDF has no text layer (it is a scanned image): run OCR on it first (for example `ocrmypdf --language chi_sim in.pdf out.pdf`) or download the text PDF from the UN's document system"}
	}
	lines := make([][]*pline, len(pages))
	for i, p := range pages {
		lines[i] = pageLines(p)
	}

	// The first header row, and everything from it on, is the table
	// region. Every header row's lines are marked: they make their own row.
	hp, hi := -1, -1
	var labels [4][2]float64
	for i, ls := range lines {
		for j := 0; j < len(ls); j++ {
			sp, first, last, ok := findHeaderGroup(ls, j)
			if !ok {
				continue
			}
			for k := first; k <= last; k++ {
				ls[k].kind = lineHeader
			}
			if hp < 0 {
				hp, hi, labels = i, first, sp
			}
			j = last
		}
	}
	// After the headers: a header row repeated at the top of every page
	// recurs like a running header but is not one.
	symbol := markRunning(pages, lines)
	if hp < 0 {
		if total < 200*len(pages) {
			// A real report page carries 500–1,500 characters: this one is
			// mostly image, as a scan with a stamped header is.
			return nil, &pdfError{fmt.Sprintf("no annex table found, and the PDF has little text (%d characters on %d page(s)): if", total, len(pages)) + " it is a scanned report, run OCR on it first (for example `ocrmypdf --language chi_sim in.pdf out.pdf`); otherwise it is not a CTBT universality report"}
		}
		return nil, &pdfError{"no annex table found (no header row 国家 / 日期/期间 / 活动和背景 / 评论): this PDF is not a CTBT universality report, or its text is not readable"}
	}

	var out []srcLine
	place := func(page int) string { return fmt.Sprintf("p.%d", page) }
	if symbol != "" {
		out = append(out, srcLine{symbol, place(1)})
	}
	// Preamble: every line before the header, wrapped paragraph lines joined
	// when a line reaches the right margin (justified text).
	var pre []*pline
	for i := 0; i <= hp; i++ {
		for j, l := range lines[i] {
			if i == hp && j >= hi {
				break
			}
			if l.kind == lineText {
				pre = append(pre, l)
			}
		}
	}
	right, left := 0.0, math.Inf(1)
	for _, l := range pre {
		right, left = math.Max(right, l.x1()), math.Min(left, l.x0())
	}
	var para []string
	paraPage := 0
	flush := func() {
		if len(para) > 0 {
			out = append(out, srcLine{joinWrapped(para), place(paraPage)})
			para = nil
		}
	}
	for i, l := range pre {
		if len(para) == 0 {
			paraPage = l.page
		}
		para = append(para, l.text())
		// A paragraph goes on when its line reaches the right margin and
		// the next starts at the left one: a centred line (the reporting
		// period under the title) is a line of its own.
		if l.x1() < right-0.5*l.h || i+1 < len(pre) && pre[i+1].x0() > left+0.5*l.h {
			flush()
		}
	}
	flush()

	// Table region: the body lines, footnotes marked.
	var hs []float64
	for i := hp; i < len(lines); i++ {
		for _, l := range lines[i] {
			if l.kind == lineText {
				hs = append(hs, l.h)
			}
		}
	}
	bodyH := median(hs)
	var body []*pline
	var noteH float64 // glyph height of the last footnote, 0 before one
	for i := hp; i < len(lines); i++ {
		inNote := false
		for j, l := range lines[i] {
			if i == hp && j < hi || l.kind != lineText {
				continue
			}
			if isFootnoteLine(l) && l.x0() < labels[1][0] {
				l.kind, inNote, noteH = lineFootnote, true, l.h
				continue
			}
			// A footnote goes on in lines of its size under it, and on the
			// next page when footnotes are set smaller than the table.
			sameSize := noteH > 0 && math.Abs(l.h-noteH) < 0.1*noteH && l.x0() < labels[1][0]
			if sameSize && (inNote || noteH < 0.9*bodyH) {
				l.kind = lineFootnote
				continue
			}
			inNote = false
			body = append(body, l)
		}
	}
	edges := columnEdges(labels, body)
	pitch := linePitch(body, edges)

	// Rows, page by page, in reading order with the footnotes.
	var rows []*tableRow
	var lastRow *tableRow // the last data row, which a page break may cut
	var heading *tableRow // the heading the next lines may continue, even on the next page
	var headingBase float64
	var headingPage int
	var lastNote *tableRow // the last footnote, which may go on over the page
	for i := hp; i < len(lines); i++ {
		var cur *tableRow
		var prevBase float64
		var prevHad [4]bool // which columns the current row's last line had text in

		firstOnPage := true
		var note []string
		flushNote := func() {
			if len(note) > 0 {
				lastNote = &tableRow{page: i + 1, isFree: true, free: joinWrapped(note)}
				rows = append(rows, lastNote, &tableRow{page: i + 1, isFree: true})
				note = nil
			}
		}
		endRow := func() {
			if cur == nil {
				return
			}
			if isHeaderCells(cur) {
				firstOnPage = true
			} else if !cur.isFree {
				if firstOnPage && lastRow != nil && continues(lastRow, cur) {
					for c := range 4 {
						lastRow.cells[c] = append(lastRow.cells[c], cur.cells[c]...)
					}
					cur = nil
					firstOnPage = false
					return
				}
				firstOnPage = false
				lastRow = cur
			}
			rows = append(rows, cur)
			cur = nil
		}
		for j, l := range lines[i] {
			if i == hp && j < hi || l.kind == lineRunning {
				continue
			}
			if l.kind == lineFootnote {
				endRow()
				if isFootnoteLine(l) {
					flushNote()
				} else if len(note) == 0 && lastNote != nil {
					lastNote.free = joinWrapped([]string{lastNote.free, l.text()})
					continue
				}
				note = append(note, l.text())
				continue
			}
			flushNote()
			cols, ok := splitColumns(l, edges)
			if l.kind == lineHeader {
				if cur == nil || !cur.header {
					endRow()
					cur = &tableRow{page: l.page, header: true}
				}
				for c := range 4 {
					if t := glyphText(cols[c], l.h); t != "" {
						cur.cells[c] = append(cur.cells[c], t)
					}
				}
				prevBase = l.baseline
				continue
			}
			if cur != nil && cur.header {
				endRow()
			}
			var texts [4]string
			for c := range 4 {
				texts[c] = glyphText(cols[c], l.h)
			}
			// A heading across the table whose space happens to fall on a
			// column edge is still one heading: no state starts "1(a)."
			// and no date follows one.
			if ok && texts[1] != "" && isHeading(texts[0]) && !yearRE.MatchString(texts[1]) {
				ok = false
			}
			// A heading may wrap, in a narrow first column or across the
			// table: lines right under it with nothing in the other
			// columns continue it.
			firstOnly := ok && texts[1] == "" && texts[2] == "" && texts[3] == ""
			if heading != nil && (headingPage == l.page && headingBase-l.baseline <= 1.2*pitch || headingPage != l.page && cur == nil) &&
				(firstOnly || !ok) && !isHeading(l.text()) {
				heading.free = joinWrapped([]string{heading.free, l.text()})
				headingBase, headingPage = l.baseline, l.page
				continue
			}
			heading = nil
			if !ok || firstOnly && isHeading(texts[0]) {
				// A line across the columns (a heading spanning the table,
				// text after it) or a heading in the first column is a row
				// of its own, gap or no gap.
				endRow()
				r := &tableRow{page: l.page, isFree: true, free: l.text()}
				rows = append(rows, r)
				lastRow = nil
				if isHeading(r.free) {
					heading, headingBase, headingPage = r, l.baseline, l.page
				}
				continue
			}
			// A new row starts after a gap wider than the line pitch; in a
			// layout without such gaps, a date that begins below a
			// complete one starts a new row too.
			// Cells are top-aligned and their text contiguous: state or
			// date text below a line without any starts a new row.
			restarts := cur != nil && (texts[0] != "" && !prevHad[0] || texts[1] != "" && !prevHad[1])
			dateSoFar := ""
			if cur != nil {
				dateSoFar = cur.cell(1)
				// The rest of a row cut by the page break: its date began
				// on the page before.
				if firstOnPage && lastRow != nil && continues(lastRow, cur) {
					dateSoFar = joinWrapped(append(slices.Clone(lastRow.cells[1]), cur.cells[1]...))
				}
			}
			if cur != nil && (prevBase-l.baseline > 1.2*pitch || restarts ||
				len(cols[1]) > 0 && startsNewDate(dateSoFar, texts[1])) {
				endRow()
			}
			if cur == nil {
				cur = &tableRow{page: l.page}
			}
			for c := range 4 {
				if texts[c] != "" {
					cur.cells[c] = append(cur.cells[c], texts[c])
				}
				prevHad[c] = texts[c] != ""
			}
			prevBase = l.baseline
		}
		endRow()
		flushNote()
	}
	for _, r := range rows {
		if r.isFree {
			out = append(out, srcLine{r.free, place(r.page)})
			continue
		}
		cells := [4]string{r.cell(0), r.cell(1), r.cell(2), r.cell(3)}
		if cells[1] == "" && cells[2] == "" && cells[3] == "" {
			// A line alone in the first column: a heading in a narrow
			// table, or the closing date after it, is free text.
			if _, err := ParsePeriod(cells[0]); err == nil || sectionRE.MatchString(cells[0]) || groupRE.MatchString(cells[0]) {
				out = append(out, srcLine{cells[0], place(r.page)})
				continue
			}
		}
		out = append(out, srcLine{strings.Join(cells[:], "\t"), place(r.page)})
	}
	return out, nil
}

func isHeaderCells(r *tableRow) bool {
	return !r.isFree && fold.RemoveSpaces(r.cell(0)) == "国家" && strings.Contains(fold.RemoveSpaces(r.cell(1)), "日期")
}

// continues reports whether the first row of a page is the rest of the
// last row of the page before: no state, and no date or the end of a date
// the page break cut ("2006年6月至" / "2007年5月").
func continues(prev, r *tableRow) bool {
	if r.cell(1) == "" {
		// Not the closing date or a heading alone in the first column.
		if r.cell(2) == "" && r.cell(3) == "" {
			if _, err := ParsePeriod(r.cell(0)); err == nil || isHeading(r.cell(0)) {
				return false
			}
		}
		return true
	}
	// A date cut in two: the first part cannot end there, or the second
	// cannot stand alone ("至2007年5月", "月"); the state may be cut too.
	pd := strings.TrimSpace(prev.cell(1))
	if pd == "" {
		return false
	}
	if _, err := ParsePeriod(pd); err != nil {
		return true
	}
	if _, err := ParsePeriod(r.cell(1)); err != nil {
		return true
	}
	return r.cell(0) == "" && (strings.HasSuffix(pd, "至") || strings.HasSuffix(pd, "和") || strings.HasSuffix(pd, "-") || strings.HasSuffix(pd, "–"))
}

// linePitch is the usual distance between the baselines of consecutive
// lines inside one cell: the smallest recurring distance between lines that
// follow each other in a column, row gaps being the larger ones.
func linePitch(body []*pline, edges [4]float64) float64 {
	var ds []float64
	for c := range 4 {
		var prev *pline
		for _, l := range body {
			cols, ok := splitColumns(l, edges)
			if !ok || len(cols[c]) == 0 {
				continue
			}
			if prev != nil && prev.page == l.page {
				if d := prev.baseline - l.baseline; d > 0.5*l.h {
					ds = append(ds, d)
				}
			}
			prev = l
		}
	}
	if len(ds) == 0 {
		return math.Inf(1)
	}
	// The smallest distance that recurs (three times within 5%): in a
	// table of short cells most distances are between rows, so a quantile
	// would take a row gap for the pitch.
	slices.Sort(ds)
	for i, d := range ds {
		n := 0
		for _, e := range ds[i:] {
			if e > d*1.05 {
				break
			}
			n++
		}
		if n >= 3 {
			return median(ds[i : i+n])
		}
	}
	return ds[len(ds)/4]
}

// yearRE is the start of a date cell: a year.
var yearRE = regexp.MustCompile(`^[0-9０-９]{4}\s*年`)

// startsNewDate reports whether a date cell line begins a new date after a
// complete one: "2006年6月" under "2006年6月至" continues it, under
// "2006年5月" it does not.
func startsNewDate(sofar, line string) bool {
	if sofar == "" || !yearRE.MatchString(line) {
		return false
	}
	if strings.HasSuffix(sofar, "至") || strings.HasSuffix(sofar, "和") || strings.HasSuffix(sofar, "、") ||
		strings.HasSuffix(sofar, "-") || strings.HasSuffix(sofar, "–") || strings.HasSuffix(sofar, "—") {
		return false
	}
	_, err := ParsePeriod(sofar)
	return err == nil
}

// isHeading reports whether text is a group or section heading: 1. 双边努力,
// 1(a). 与附件2国家有关的活动.
func isHeading(text string) bool {
	return sectionRE.MatchString(text) || groupRE.MatchString(text)
}

// isFootnoteLine reports whether a line is a footnote text: it starts with
// a marker and its text follows at once (a marker wrapped alone in a cell
// has a column gap after it).
func isFootnoteLine(l *pline) bool {
	i := 0
	for i < len(l.glyphs) && l.glyphs[i].sup {
		i++
	}
	return i > 0 && i < len(l.glyphs) && l.glyphs[i].x0-l.glyphs[i-1].x1 < l.h
}
