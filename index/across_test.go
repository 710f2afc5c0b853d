package index

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"ctbtsearch/internal/synth"
	"ctbtsearch/report"
)

// TestAcrossSynthetic checks the overview, the state histories and the
// comparisons on a synthetic corpus (internal/synth: reports, sessions and
// states our fixtures do not have) against its parsed records.
func TestAcrossSynthetic(t *testing.T) {
	dir := t.TempDir()
	if _, err := synth.Write(dir, synth.Options{Records: 1200, RecordsPerReport: 60, Sessions: 12, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	paths, err := report.FindReportFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	reps, _, err := report.ParseFiles(context.Background(), paths, report.KeepAll)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewMemoryShards(2) // two shards, so merging is tested too
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Add(context.Background(), nil, reps...); err != nil {
		t.Fatal(err)
	}
	var recs []report.Record
	for _, r := range reps {
		recs = append(recs, r.Records...)
	}
	ctx := context.Background()

	t.Run("overview", func(t *testing.T) {
		o, err := ix.Overview(ctx, OverviewRequest{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		for _, r := range recs {
			want[r.State+"|"+r.Report]++
		}
		got := map[string]int{}
		for _, row := range o.Rows {
			for i, n := range row.Counts {
				if n > 0 {
					got[row.State+"|"+o.Reports[i].ID] = n
				}
			}
		}
		if o.Total != len(recs) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("overview: total %d of %d records; matrix equal to the records: %v", o.Total, len(recs), fmt.Sprint(got) == fmt.Sprint(want))
		}
		if !slices.IsSortedFunc(o.Reports, func(a, b ReportColumn) int { return a.Session - b.Session }) {
			t.Error("columns are not in session order")
		}
	})

	t.Run("years", func(t *testing.T) {
		want := map[string]int{}
		for _, r := range recs {
			for _, y := range recordYears(r) {
				want[y]++
			}
		}
		res, err := ix.Search(ctx, Request{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, v := range res.Facets.Year {
			got[v.Value] = v.Count
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("year facet %v, records %v", got, want)
		}
	})

	t.Run("states", func(t *testing.T) {
		perState := map[string]int{}
		for _, r := range recs {
			if r.StateCode != "" {
				perState[r.StateCode]++
			}
		}
		if len(perState) < 20 {
			t.Fatalf("only %d states in the corpus", len(perState))
		}
		for code, n := range perState {
			h, err := ix.StateHistory(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			loaded := 0
			for _, r := range h.Reports {
				loaded += len(r.Records)
			}
			if h.Total != n || loaded != n {
				t.Errorf("%s: total %d, %d loaded; the records have %d", code, h.Total, loaded, n)
			}
		}
	})

	t.Run("comparisons", func(t *testing.T) {
		infos := ix.Reports()
		for i := 0; i+1 < len(infos); i += 3 {
			a, b := infos[i+1].ID, infos[i].ID
			c, err := ix.Compare(ctx, a, b)
			if err != nil {
				t.Fatal(err)
			}
			both := map[string]bool{}
			for _, s := range c.States {
				if s.Status == StatusBoth {
					both[s.State] = true
				}
			}
			want := 0
			for _, r := range recs {
				if (r.Report == a || r.Report == b) && both[r.State] {
					want++
				}
			}
			listed := 0
			for _, p := range c.Pairs {
				if p.A != nil {
					listed++
				}
				if p.B != nil {
					listed++
				}
			}
			if listed != want {
				t.Errorf("%s / %s: %d activities in the pairs, %d records of states in both", a, b, listed, want)
			}
		}
	})
}

// TestOverviewCapped: with more reports than MaxOverviewReports and none
// selected, the overview keeps the newest ones, and its counts are those of
// the reports it shows.
func TestOverviewCapped(t *testing.T) {
	dir := t.TempDir()
	n := MaxOverviewReports + 5
	if _, err := synth.Write(dir, synth.Options{Records: n * 8, RecordsPerReport: 8, Sessions: n, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	paths, err := report.FindReportFiles([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	reps, _, err := report.ParseFiles(context.Background(), paths, report.KeepAll)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Add(context.Background(), nil, reps...); err != nil {
		t.Fatal(err)
	}
	o, err := ix.Overview(context.Background(), OverviewRequest{})
	if err != nil {
		t.Fatal(err)
	}
	newest := ix.Reports()[:MaxOverviewReports]
	shown := map[string]bool{}
	for _, r := range newest {
		shown[r.ID] = true
	}
	want := 0
	for _, rep := range reps {
		if shown[rep.ID] {
			want += len(rep.Records)
		}
	}
	if !o.Capped || len(o.Reports) != MaxOverviewReports || o.Total != want {
		t.Errorf("capped %v, %d columns, total %d; want capped, %d columns, total %d", o.Capped, len(o.Reports), o.Total, MaxOverviewReports, want)
	}
	for _, c := range o.Reports {
		if !shown[c.ID] {
			t.Errorf("column %s (session %d) is not among the newest reports", c.ID, c.Session)
		}
	}
	// Selected reports are shown whatever their number.
	old := ix.Reports()[n-1].ID
	sel, err := ix.Overview(context.Background(), OverviewRequest{Request: Request{Reports: []string{old}}})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Capped || len(sel.Reports) != 1 || sel.Reports[0].ID != old || sel.Total == 0 {
		t.Errorf("selecting the oldest report: %d columns, total %d", len(sel.Reports), sel.Total)
	}
}
