package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func chartResults() []*Result {
	var out []*Result
	for i, n := range []int{10000, 100000, 1000000} {
		f := float64(i + 1)
		for _, tool := range []string{ToolOurs, ToolBleve} {
			s := newResult(tool, PhaseSearch, n)
			s.Overall = &Summary{P50: 0.5 * f * f, P99: 5 * f * f * f}
			ix := newResult(tool, PhaseIndex, n)
			ix.RecordsPerSec = 4000 - 300*f
			out = append(out, s, ix)
		}
	}
	// A repeated measurement: the last one counts.
	again := newResult(ToolOurs, PhaseIndex, 10000)
	again.RecordsPerSec = 5500
	// Results the chart ignores.
	load := newResult(ToolOurs, PhaseLoad, 10000)
	load.Overall = &Summary{P50: 99999}
	return append(out, again, load, newResult(ToolSynth, PhaseGen, 10000))
}

// TestChartStructure parses the SVG and checks what it must show.
func TestChartStructure(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteChart(&buf, chartResults()); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	elems := map[string]int{}
	var texts []string
	var polylines []string
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
				if tok.Name.Space != "http://www.w3.org/2000/svg" {
					t.Errorf("root namespace %q", tok.Name.Space)
				}
			}
			elems[tok.Name.Local]++
			if tok.Name.Local == "polyline" {
				for _, a := range tok.Attr {
					if a.Name.Local == "points" {
						polylines = append(polylines, a.Value)
					}
				}
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
	// Four latency lines and two throughput lines, three points each.
	if len(polylines) != 6 || elems["circle"] != 18 {
		t.Errorf("%d polylines and %d points, want 6 and 18", len(polylines), elems["circle"])
	}
	for _, p := range polylines {
		if n := len(strings.Fields(p)); n != 3 {
			t.Errorf("polyline with %d points: %s", n, p)
		}
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"10k", "100k", "1M", "ours cold p50", "ours cold p99", "plain Bleve p50", "plain Bleve p99",
		"records in the corpus (log scale)", "Indexing throughput", "ours: 5.5k at 10k records"} {
		if !strings.Contains(all, want) {
			t.Errorf("chart has no text %q", want)
		}
	}
	if strings.Contains(all, "99999") || strings.Contains(all, "1e+05") {
		t.Error("load results leaked into the chart")
	}
	var again bytes.Buffer
	WriteChart(&again, chartResults())
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("the same results gave a different SVG")
	}
	// Ours is drawn cold, as plain Bleve runs: a later search with the
	// match cache on changes nothing.
	cached := newResult(ToolOurs, PhaseSearch, 1000000)
	cached.MatchCache, cached.Overall = CacheOn, &Summary{P50: 0.001, P99: 0.002}
	var withCached bytes.Buffer
	WriteChart(&withCached, append(chartResults(), cached))
	if !bytes.Equal(buf.Bytes(), withCached.Bytes()) {
		t.Error("a search with the match cache on was drawn")
	}
}

func TestChartEmpty(t *testing.T) {
	if err := WriteChart(io.Discard, []*Result{newResult(ToolSynth, PhaseGen, 10)}); err == nil {
		t.Error("a chart of nothing should be an error")
	}
}

func TestTicks(t *testing.T) {
	if got := logTicks(-1, 1); len(got) != 7 || got[0] != 0.1 || got[6] != 10 {
		t.Errorf("logTicks(-1, 1) = %v", got)
	}
	for raw, want := range map[float64]float64{0.7: 1, 1: 1, 1.2: 2, 3: 5, 7: 10, 880: 1000, 1100: 2000} {
		if got := niceStep(raw); got != want {
			t.Errorf("niceStep(%v) = %v, want %v", raw, got, want)
		}
	}
	for n, want := range map[float64]string{1e4: "10k", 1e5: "100k", 1e6: "1M", 2.5e6: "2.5M", 500: "500"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%v) = %q, want %q", n, got, want)
		}
	}
}
