package report

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode"

	"ctbtsearch/internal/fold"
)

// A synthetic typesetter lays the text reports out on pages of positioned
// glyphs, as PDFium would report them, with geometry chosen here and not by
// Chromium: other paper, margins, type sizes, column widths, row padding
// (none at all in one), labels centred or not, headings spanning the table
// or wrapping in the first column. The table rebuild must give the text
// path's records for every one: it may depend on the document's own
// measures only.

type synthLayout struct {
	name          string
	pageW, pageH  float64
	top, side     float64 // margins
	size, leading float64 // glyph size (pt); baseline distance as a multiple of it
	widths        [4]float64
	pad, hpad     float64 // cell padding above and below; left and right
	centreLabels  bool
	spanHeadings  bool
	noRepeat      bool // the header row is printed once, not on every page
	notesAtBottom bool // footnotes at the foot of the page, as Word sets them
}

var synthLayouts = []synthLayout{
	{"A4 with row gaps", 595, 842, 72, 56, 10.5, 1.4, [4]float64{.15, .17, .46, .22}, 3, 4, true, true, false, false},
	{"Letter without row gaps, footnotes at the foot", 612, 792, 40, 40, 9, 1.25, [4]float64{.2, .15, .45, .2}, 0, 5, false, false, false, true},
	{"landscape, large type", 842, 595, 50, 50, 12, 1.5, [4]float64{.12, .2, .5, .18}, 2, 3, true, false, true, false},
	{"A5, small type, narrow first column", 420, 595, 30, 28, 8, 1.15, [4]float64{.1, .14, .56, .2}, 1, 2, false, false, false, true},
	{"B5, wide margins, tall rows, header printed once", 499, 709, 80, 70, 10, 1.6, [4]float64{.18, .18, .42, .22}, 6, 6, true, true, true, false},
}

type synthDoc struct {
	lay     synthLayout
	symbol  string
	pages   []pdfPage
	notes   [][]token // footnote lines waiting for the foot of the page
	notesH  float64   // the height they take there
	y       float64
	inTable bool
	header  []string
}

type token struct {
	text  string // one wide rune, a Latin word, or a marker label
	sup   bool
	space bool // a space precedes it
}

func glyphWidth(r rune, size float64) float64 {
	if fold.IsWide(r) {
		return size
	}
	return 0.5 * size
}

func tokenWidth(t token, size float64) float64 {
	w := 0.0
	if t.space {
		w += 0.3 * size
	}
	s := size
	if t.sup {
		s = 0.6 * size
	}
	for _, r := range t.text {
		w += glyphWidth(r, s)
	}
	return w
}

// tokenize splits text into wrap units: each wide rune, each Latin word,
// each "^x" marker.
func tokenize(text string) []token {
	var out []token
	rs := []rune(strings.TrimSpace(text))
	space := false
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			space = true
			i++
		case r == '^':
			j := i + 1
			for j < len(rs) && (rs[j] >= 'a' && rs[j] <= 'z' || rs[j] >= '0' && rs[j] <= '9') {
				j++
			}
			out = append(out, token{text: string(rs[i+1 : j]), sup: true, space: space})
			space = false
			i = j
		case fold.IsWide(r):
			out = append(out, token{text: string(r), space: space})
			space = false
			i++
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !fold.IsWide(rs[j]) && rs[j] != '^' {
				j++
			}
			out = append(out, token{text: string(rs[i:j]), space: space})
			space = false
			i = j
		}
	}
	return out
}

// wrap breaks tokens into lines no wider than width.
func wrap(ts []token, width, size float64) [][]token {
	var lines [][]token
	var cur []token
	w := 0.0
	for _, t := range ts {
		tw := tokenWidth(t, size)
		if len(cur) > 0 && w+tw > width {
			lines = append(lines, cur)
			cur, w = nil, 0
			t.space = false
			tw = tokenWidth(t, size)
		}
		if len(cur) == 0 {
			t.space = false
			tw = tokenWidth(t, size)
		}
		cur = append(cur, t)
		w += tw
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

func lineWidth(ts []token, size float64) float64 {
	w := 0.0
	for _, t := range ts {
		w += tokenWidth(t, size)
	}
	return w
}

func (d *synthDoc) page() *pdfPage { return &d.pages[len(d.pages)-1] }

func (d *synthDoc) draw(ts []token, x, baseline, size float64) {
	p := d.page()
	for _, t := range ts {
		if t.space {
			x += 0.3 * size
		}
		s, b := size, baseline
		if t.sup {
			s, b = 0.6*size, baseline+0.4*size
		}
		for _, r := range t.text {
			w := glyphWidth(r, s)
			p.glyphs = append(p.glyphs, glyph{r: r, x0: x, x1: x + w, top: b + 0.88*s, bottom: b - 0.12*s, baseline: b, size: s})
			x += w
		}
	}
}

// bottom is where the body of the page ends: above the footnotes set at
// its foot.
func (d *synthDoc) bottom() float64 { return d.lay.top + d.notesH }

// flushNotes sets the waiting footnotes at the foot of the page.
func (d *synthDoc) flushNotes() {
	size := 0.8 * d.lay.size
	y := d.lay.top + d.notesH
	for _, ln := range d.notes {
		d.draw(ln, d.lay.side, y-size, size)
		y -= d.lay.leading * size
	}
	d.notes, d.notesH = nil, 0
}

func (d *synthDoc) newPage() {
	l := d.lay
	if len(d.pages) > 0 {
		d.flushNotes()
	}
	n := len(d.pages) + 1
	d.pages = append(d.pages, pdfPage{number: n, width: l.pageW, height: l.pageH})
	sym := tokenize(d.symbol)
	d.draw(sym, l.pageW-l.side-lineWidth(sym, 9), l.pageH-l.top/2, 9)
	d.draw(tokenize("07-45678 (C)"), l.side, l.top/2, 8)
	num := tokenize(fmt.Sprint(n))
	d.draw(num, l.pageW-l.side-lineWidth(num, 10), l.top/2, 10)
	d.y = l.pageH - l.top
	if d.inTable && !d.lay.noRepeat {
		d.row(d.header, true)
	}
}

func (d *synthDoc) room(h float64) {
	if d.y-h < d.bottom() {
		d.newPage()
	}
}

// text draws a paragraph at the left margin, or centred when it fits.
func (d *synthDoc) text(s string, size float64, centre bool) {
	l := d.lay
	width := l.pageW - 2*l.side
	for _, ln := range wrap(tokenize(s), width, size) {
		d.room(l.leading * size)
		x := l.side
		if w := lineWidth(ln, size); centre && w < width-size {
			x += (width - w) / 2
		}
		d.draw(ln, x, d.y-size, size)
		d.y -= l.leading * size
	}
}

// row draws a table row, breaking it across pages line by line.
func (d *synthDoc) row(cells []string, isHeader bool) {
	l := d.lay
	width := l.pageW - 2*l.side
	var cols [4][][]token
	var xs [4]float64
	x := l.side
	for c := range 4 {
		xs[c] = x
		x += l.widths[c] * width
		if c < len(cells) {
			cols[c] = wrap(tokenize(cells[c]), l.widths[c]*width-2*l.hpad, l.size)
		}
	}
	n := 0
	for _, c := range cols {
		n = max(n, len(c))
	}
	d.y -= l.pad
	for k := range n {
		if d.y-l.leading*l.size < d.bottom() {
			d.newPage()
			d.y -= l.pad
		}
		for c := range 4 {
			if k < len(cols[c]) {
				cx := xs[c] + l.hpad
				if isHeader && l.centreLabels {
					cx = xs[c] + (l.widths[c]*width-lineWidth(cols[c][k], l.size))/2
				}
				d.draw(cols[c][k], cx, d.y-l.size, l.size)
			}
		}
		d.y -= l.leading * l.size
	}
	d.y -= l.pad
}

func typeset(text, symbol string, lay synthLayout) []pdfPage {
	d := &synthDoc{lay: lay, symbol: symbol}
	d.newPage()
	started := false
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			d.y -= lay.size
			continue
		}
		cells := strings.Split(raw, "\t")
		switch {
		case len(cells) >= 3 && strings.TrimSpace(cells[0]) == "国家":
			if !started {
				d.header = cells
				d.room(3 * lay.leading * lay.size)
				d.row(cells, true)
				d.inTable, started = true, true
			}
		case !started:
			d.text(line, lay.size, !strings.HasPrefix(line, "1.") && !strings.HasPrefix(line, "2."))
		case len(cells) == 1 && strings.HasPrefix(line, "^") && lay.notesAtBottom:
			size := 0.8 * lay.size
			lines := wrap(tokenize(line), lay.pageW-2*lay.side, size)
			h := float64(len(lines)) * lay.leading * size
			if d.y-h < d.bottom() { // no room left on this page for the note
				d.newPage()
			}
			d.notes = append(d.notes, lines...)
			d.notesH += h
		case len(cells) == 1 && strings.HasPrefix(line, "^"):
			d.text(line, 0.8*lay.size, false)
		case len(cells) == 1:
			d.text(line, lay.size, false)
		case strings.TrimSpace(strings.Join(cells[1:], "")) == "" && isHeading(strings.TrimSpace(cells[0])) && lay.spanHeadings:
			d.y -= lay.pad
			d.text(strings.TrimSpace(cells[0]), lay.size, false)
			d.y -= lay.pad
		default:
			d.row(cells, false)
		}
	}
	d.flushNotes()
	return d.pages
}

func TestSyntheticLayouts(t *testing.T) {
	checkLayouts(t, synthLayouts, true)
}

// TestRandomSyntheticLayouts draws layouts at random (seeded, so a failure
// repeats) within what a report could look like: every column wide enough
// for its label.
func TestRandomSyntheticLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2026))
	between := func(lo, hi float64) float64 { return lo + rng.Float64()*(hi-lo) }
	var lays []synthLayout
	for len(lays) < 100 {
		l := synthLayout{
			pageW: between(400, 850), pageH: between(560, 850),
			top: between(25, 90), side: between(25, 80),
			size: between(8, 12.5), leading: between(1.1, 1.7),
			pad: between(0, 6), hpad: between(1.5, 6),
			centreLabels: rng.IntN(2) == 0, spanHeadings: rng.IntN(2) == 0, noRepeat: rng.IntN(3) == 0, notesAtBottom: rng.IntN(2) == 0,
		}
		l.widths[0], l.widths[1], l.widths[3] = between(.1, .22), between(.12, .22), between(.12, .25)
		l.widths[2] = 1 - l.widths[0] - l.widths[1] - l.widths[3]
		content := l.pageW - 2*l.side
		if l.widths[0]*content-2*l.hpad < 3.5*l.size || l.widths[1]*content-2*l.hpad < 3.5*l.size ||
			l.widths[3]*content-2*l.hpad < 3*l.size || l.widths[2] < .33 {
			continue
		}
		l.name = fmt.Sprintf("%d: %.0fx%.0f size %.1f leading %.2f pad %.1f widths %.2f once %v notes at foot %v", len(lays), l.pageW, l.pageH, l.size, l.leading, l.pad, l.widths, l.noRepeat, l.notesAtBottom)
		lays = append(lays, l)
	}
	checkLayouts(t, lays, false)
}

// checkLayouts typesets both test reports in every layout, rebuilds their
// lines as from a PDF and requires the text path's records. Each fixed layout
// must also break pages and carry the symbol; random ones may fit one page.
func checkLayouts(t *testing.T, lays []synthLayout, fixed bool) {
	for _, fx := range docFixtures {
		data, err := os.ReadFile(fx.text)
		if err != nil {
			t.Fatal(err)
		}
		text, err := decodeText(data)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ParseReport(fx.text, data, DefaultGazetteer())
		if err != nil {
			t.Fatal(err)
		}
		for _, lay := range lays {
			t.Run(fx.name+"/"+lay.name, func(t *testing.T) {
				pages := typeset(text, fx.symbol, lay)
				lines, err := pdfLines(pages)
				if err != nil {
					t.Fatal(err)
				}
				logLines := func() {
					if fixed || testing.Verbose() {
						for _, l := range lines {
							t.Logf("%s %q", l.place, l.text)
						}
					}
				}
				got, err := parseSrcLines(fx.name+".pdf", lines, DefaultGazetteer())
				if err != nil {
					logLines()
					t.Fatal(err)
				}
				compareReports(t, want, got)
				if fixed {
					if got.Symbol != fx.symbol {
						t.Errorf("symbol %q, want %q", got.Symbol, fx.symbol)
					}
					if len(pages) < 2 {
						t.Errorf("only %d page: the layout tests no page break", len(pages))
					}
				}
				if t.Failed() && testing.Verbose() {
					logLines()
				}
			})
		}
	}
}
