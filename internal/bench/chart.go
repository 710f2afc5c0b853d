package bench

import (
	"bufio"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// The chart: search latency and indexing throughput against corpus size,
// ours against plain Bleve, as a dependency-free SVG.

// chartPoint is one measurement of a series.
type chartPoint struct {
	x, y float64
}

type chartSeries struct {
	name   string
	color  string
	dashed bool
	points []chartPoint
}

type chartPanel struct {
	title  string
	logY   bool
	series []chartSeries
}

const (
	colorOurs  = "#1f5fa8"
	colorBleve = "#d9711a"
)

// WriteChart draws results (as read from a results file) as an SVG with
// two panels: in-process search latency p50 and p99 (ms, log scale) and
// end-to-end indexing throughput (records/s), each against the corpus size
// on a log axis. When a measurement was repeated, the last one counts.
func WriteChart(w io.Writer, results []*Result) error {
	type key struct {
		tool, phase string
		records     int
	}
	last := map[key]*Result{}
	for _, r := range results {
		// Ours cold, as plain Bleve runs: every search walks its matches.
		if r.Records > 0 && (r.Tool == ToolOurs || r.Tool == ToolBleve) && (r.Mix == "" || r.Mix == MixScale) && cacheOf(r) == CacheOff {
			last[key{r.Tool, r.Phase, r.Records}] = r
		}
	}
	series := func(tool, phase, name, color string, dashed bool, y func(*Result) float64) chartSeries {
		s := chartSeries{name: name, color: color, dashed: dashed}
		for k, r := range last {
			if k.tool == tool && k.phase == phase {
				if v := y(r); v > 0 {
					s.points = append(s.points, chartPoint{float64(k.records), v})
				}
			}
		}
		slices.SortFunc(s.points, func(a, b chartPoint) int { return int(math.Copysign(1, a.x-b.x)) })
		return s
	}
	p50 := func(r *Result) float64 {
		if r.Overall == nil {
			return 0
		}
		return r.Overall.P50
	}
	p99 := func(r *Result) float64 {
		if r.Overall == nil {
			return 0
		}
		return r.Overall.P99
	}
	rate := func(r *Result) float64 { return r.RecordsPerSec }
	panels := []chartPanel{
		{title: "Search latency, in process (ms, log scale)", logY: true, series: []chartSeries{
			series(ToolOurs, PhaseSearch, "ours cold p50", colorOurs, false, p50),
			series(ToolOurs, PhaseSearch, "ours cold p99", colorOurs, true, p99),
			series(ToolBleve, PhaseSearch, "plain Bleve p50", colorBleve, false, p50),
			series(ToolBleve, PhaseSearch, "plain Bleve p99", colorBleve, true, p99),
		}},
		{title: "Indexing throughput, parse + index (records/s)", series: []chartSeries{
			series(ToolOurs, PhaseIndex, "ours", colorOurs, false, rate),
			series(ToolBleve, PhaseIndex, "plain Bleve", colorBleve, false, rate),
		}},
	}
	n := 0
	for _, p := range panels {
		for _, s := range p.series {
			n += len(s.points)
		}
	}
	if n == 0 {
		return errors.New("chart: no search or index results of ours or plain Bleve to draw")
	}
	return writeSVG(w, "CTBT search: ours vs plain Bleve by corpus size", panels)
}

// Layout of the SVG, in pixels.
const (
	svgW, svgH   = 960, 420
	panelW       = 440
	plotL, plotR = 70, 20 // margins inside a panel
	plotT, plotB = 60, 90
)

func writeSVG(out io.Writer, title string, panels []chartPanel) error {
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgW, svgH, svgW, svgH)
	fmt.Fprintf(w, "<title>%s</title>\n", html.EscapeString(title))
	fmt.Fprintf(w, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", svgW, svgH)
	fmt.Fprintf(w, `<text x="%d" y="22" font-size="15" font-weight="bold" text-anchor="middle">%s</text>`+"\n", svgW/2, html.EscapeString(title))

	// One x domain for both panels: always at least 10k..1M.
	xmin, xmax := 1e4, 1e6
	for _, p := range panels {
		for _, s := range p.series {
			for _, pt := range s.points {
				xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
			}
		}
	}
	for i, p := range panels {
		writePanel(w, float64(20+i*(panelW+40)), p, xmin, xmax)
	}
	fmt.Fprintln(w, "</svg>")
	return w.Flush()
}

func writePanel(w *bufio.Writer, left float64, p chartPanel, xmin, xmax float64) {
	x0, x1 := left+plotL, left+panelW-plotR
	y0, y1 := float64(svgH-plotB), float64(plotT) // y0 is the bottom
	fmt.Fprintf(w, "<g>\n")
	fmt.Fprintf(w, `<text x="%.1f" y="%d" font-size="13" text-anchor="middle">%s</text>`+"\n", (x0+x1)/2, plotT-20, html.EscapeString(p.title))

	lx0, lx1 := math.Log10(xmin), math.Log10(xmax)
	sx := func(x float64) float64 { return x0 + (math.Log10(x)-lx0)/(lx1-lx0)*(x1-x0) }

	var ys []float64
	for _, s := range p.series {
		for _, pt := range s.points {
			ys = append(ys, pt.y)
		}
	}
	var ticks []float64
	var sy func(float64) float64
	if p.logY {
		lo, hi := 0.1, 10.0
		if len(ys) > 0 {
			lo, hi = slices.Min(ys), slices.Max(ys)
		}
		dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
		if dhi == dlo {
			dhi++
		}
		sy = func(y float64) float64 { return y0 - (math.Log10(y)-dlo)/(dhi-dlo)*(y0-y1) }
		ticks = logTicks(dlo, dhi)
	} else {
		hi := 1.0
		if len(ys) > 0 {
			hi = slices.Max(ys)
		}
		step := niceStep(hi / 5)
		top := math.Ceil(hi/step) * step
		sy = func(y float64) float64 { return y0 - y/top*(y0-y1) }
		for v := 0.0; v <= top+step/2; v += step {
			ticks = append(ticks, v)
		}
	}

	// Grid and axes.
	for _, t := range ticks {
		y := sy(t)
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#dddddd"/>`+"\n", x0, y, x1, y)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n", x0-6, y, formatTick(t))
	}
	for d := math.Ceil(lx0); d <= math.Floor(lx1)+1e-9; d++ {
		x := sx(math.Pow(10, d))
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#dddddd"/>`+"\n", x, y0, x, y1)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, y0+18, sizeLabel(math.Pow(10, d)))
	}
	fmt.Fprintf(w, `<path d="M%.1f %.1fV%.1fH%.1f" fill="none" stroke="#333333"/>`+"\n", x0, y1, y0, x1)
	fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle">records in the corpus (log scale)</text>`+"\n", (x0+x1)/2, y0+36)

	// Series and legend.
	for i, s := range p.series {
		dash := ""
		if s.dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		if len(s.points) > 0 {
			fmt.Fprintf(w, `<polyline fill="none" stroke="%s" stroke-width="2"%s points="`, s.color, dash)
			for j, pt := range s.points {
				if j > 0 {
					w.WriteByte(' ')
				}
				fmt.Fprintf(w, "%.1f,%.1f", sx(pt.x), sy(pt.y))
			}
			fmt.Fprintln(w, `"/>`)
			for _, pt := range s.points {
				fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s: %s at %s records</title></circle>`+"\n",
					sx(pt.x), sy(pt.y), s.color, html.EscapeString(s.name), formatTick(pt.y), sizeLabel(pt.x))
			}
		}
		lx := x0 + float64(i%2)*((x1-x0)/2)
		ly := y0 + 56 + float64(i/2)*16
		fmt.Fprintf(w, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>`+"\n", lx, ly, lx+24, ly, s.color, dash)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" dominant-baseline="middle">%s</text>`+"\n", lx+30, ly, html.EscapeString(s.name))
	}
	fmt.Fprintf(w, "</g>\n")
}

// logTicks are 1, 2 and 5 times each power of ten from 10^lo to 10^hi.
func logTicks(lo, hi float64) []float64 {
	var out []float64
	for d := lo; d <= hi; d++ {
		for _, m := range []float64{1, 2, 5} {
			if d == hi && m > 1 {
				break
			}
			out = append(out, m*math.Pow(10, d))
		}
	}
	return out
}

// niceStep rounds a raw step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func formatTick(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// sizeLabel writes a corpus size as 10k, 100k, 1M.
func sizeLabel(n float64) string {
	switch {
	case n >= 1e6:
		return strconv.FormatFloat(n/1e6, 'g', 3, 64) + "M"
	case n >= 1e3:
		return strconv.FormatFloat(n/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(n, 'g', 3, 64)
}

// Chart reads the results file in and writes the chart to out.
func Chart(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	results, err := ReadJSON(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("chart: %s: %w", in, err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	tmp := out + ".tmp"
	g, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	if err := WriteChart(g, results); err != nil {
		g.Close()
		os.Remove(tmp)
		return err
	}
	if err := g.Close(); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	return os.Rename(tmp, out)
}
