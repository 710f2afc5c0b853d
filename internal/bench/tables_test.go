package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTablesRewriteOnlyTheirSection(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run.jsonl")
	ours := newResult(ToolOurs, PhaseSearch, 10000)
	ours.MatchCache = CacheOff
	ours.Classes = map[string]Summary{ClassPhrase: {N: 10, P50: 2, P99: 5}, ClassFilter3: {N: 10, P50: 0.4, P99: 3}}
	ours.Overall = &Summary{N: 10, P50: 2, P99: 5}
	bleve := newResult(ToolBleve, PhaseSearch, 10000)
	bleve.Classes = map[string]Summary{ClassPhrase: {N: 10, P50: 4, P99: 20}}
	bleve.Overall = &Summary{N: 10, P50: 4, P99: 20}
	load := newResult(ToolOurs, PhaseLoad, 10000)
	load.Mix, load.Clients, load.RPS, load.Overall, load.MatchCache = MixProduct, 16, 1300, &Summary{N: 100, P50: 1.5, P99: 9}, CacheOn
	cached := newResult(ToolOurs, PhaseSearch, 10000)
	cached.MatchCache = CacheOn
	cached.Classes = map[string]Summary{ClassPhrase: {N: 10, P50: 0.5, P99: 0.9}}
	cached.Overall = &Summary{N: 10, P50: 0.5, P99: 0.9}
	same := newResult(ToolBleveSameFacets, PhaseSearch, 10000)
	same.Classes = map[string]Summary{ClassFilter3: {N: 10, P50: 0.8, P99: 3}}
	floor := newResult(ToolFloor, PhaseLoad, 10000)
	floor.Mix, floor.Clients, floor.RPS, floor.Overall = MixProduct, 16, 39000, &Summary{N: 100, P50: 0.3, P99: 1}
	// Carried over from the run that built plain Bleve's index: not this run's date.
	carried := newResult(ToolBleve, PhaseIndex, 10000)
	carried.Time, carried.RecordsPerSec = "2001-01-01T00:00:00Z", 2600
	if err := AppendJSON(run, carried, ours, bleve, load, floor, cached, same); err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "PERF.md")
	before, after := "# Perf\n\nhand-written\n\n", "\n\nmore by hand\n"
	if err := os.WriteFile(doc, []byte(before+TablesBegin+"\nold\n"+TablesEnd+after), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Tables(run, doc); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(doc)
	got := string(data)
	for _, want := range []string{before + TablesBegin, TablesEnd + after, "| 10000 | phrase | 2.00 | 5.00 | 4.00 | 20.00 | 2.0× | 4.0× | 0.50 | 0.90 |",
		"| 10000 | product | on | 16 | 1300 | 1.50 | 9.00 |", "| 10000 | filter3 | 0.40 | 3.00 | 0.80 | 3.00 | 2.0× | 1.0× |", "| 39000 | 0.30 | 5.0× | 30.0× |"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if strings.Contains(got, "Run of 2001") || !strings.Contains(got, "Run of "+ours.Time) {
		t.Errorf("the run is dated by a carried-over line:\n%s", got)
	}
	if strings.Contains(got, "\nold\n") {
		t.Error("the old section is still there")
	}
	if err := os.WriteFile(doc, []byte("no markers"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Tables(run, doc); err == nil {
		t.Error("a document without the markers is accepted")
	}
}
