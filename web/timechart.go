package web

import (
	"strconv"

	"ctbtsearch/index"
)

// The time chart adapts to the span of the results: inside one or two
// calendar years (index.MonthFacetMaxYears) it is the month histogram, one
// row of twelve bars per year; over more years it is one bar per year, so a
// collection of thirty reports stays one row instead of thirty. Every bar is
// a link that toggles its month or year filter.

// yearChart is the bar chart of the year facet, first to last year with
// records, empty years included so gaps show.
type yearChart struct {
	Bars []timeBar
}

// timeBar is one year of the chart.
type timeBar struct {
	Value    string // YYYY
	Label    string // 2007年
	Tick     string // label under the bar; "" for most years of a long span
	Count    int
	Level    int // bar height class h0…h10, relative to the busiest year
	Selected bool
	URL      string // toggles the year; "" for an empty, unselected year
}

// yearTickEvery labels every fifth year under a long chart; a chart of at
// most maxAllTicks years labels each.
const (
	yearTickEvery = 5
	maxAllTicks   = 8
)

// chartByMonth reports whether a result is charted by month: it spans at
// most index.MonthFacetMaxYears years, the span over which the index sends
// its month facet.
func chartByMonth(res *index.Result) bool {
	return res.FirstYear > 0 && res.LastYear-res.FirstYear+1 <= index.MonthFacetMaxYears
}

func newYearChart(req index.Request, fvs []index.FacetValue) *yearChart {
	counts := map[int]int{}
	selected := map[int]bool{}
	first, last, busiest := 0, 0, 0
	note := func(y int) {
		if first == 0 || y < first {
			first = y
		}
		last = max(last, y)
	}
	for _, fv := range fvs {
		y, err := strconv.Atoi(fv.Value)
		if err != nil || !index.ValidYear(fv.Value) {
			continue
		}
		counts[y] = fv.Count
		busiest = max(busiest, fv.Count)
		if fv.Count > 0 || fv.Selected {
			note(y)
		}
		selected[y] = fv.Selected
	}
	for _, v := range req.Years {
		if y, err := strconv.Atoi(v); err == nil {
			selected[y] = true
			note(y)
		}
	}
	if first == 0 {
		return nil
	}
	c := &yearChart{}
	for y := first; y <= last; y++ {
		value := strconv.Itoa(y)
		bar := timeBar{Value: value, Label: value + "年", Count: counts[y], Selected: selected[y]}
		if last-first+1 <= maxAllTicks || y%yearTickEvery == 0 || y == first || y == last {
			bar.Tick = value
		}
		if bar.Count > 0 {
			// Round up, so that a year with one record is still visible.
			bar.Level = (bar.Count*histogramLevels + busiest - 1) / busiest
		}
		if bar.Count > 0 || bar.Selected {
			bar.URL = searchURL(withFilter(req, paramYear, value))
		}
		c.Bars = append(c.Bars, bar)
	}
	return c
}
