package index

import (
	"context"
	"slices"
	"testing"
	"time"

	"ctbtsearch/internal/synth"
	"ctbtsearch/report"
)

// synthIndex is an index of a synthetic corpus of n records
// (internal/synth) as a server has it: published, so with the shards and
// segments Publish makes for that size, and opened read-only.
func synthIndex(b testing.TB, n int) *Index {
	b.Helper()
	loc := b.TempDir()
	if _, err := Publish(context.Background(), loc, synthReports(b, n), nil); err != nil {
		b.Fatal(err)
	}
	ix, _, err := OpenCurrent(loc)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// synthIndexShards is an in-memory index of a synthetic corpus of n
// records with a given number of shards.
func synthIndexShards(b testing.TB, n, shards int) *Index {
	b.Helper()
	ix, err := NewMemoryShards(shards)
	if err != nil {
		b.Fatal(err)
	}
	if err := ix.Add(context.Background(), nil, synthReports(b, n)...); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// synthReports are the reports of a synthetic corpus of n records.
func synthReports(b testing.TB, n int) []*report.Report {
	b.Helper()
	dir := b.TempDir()
	if _, err := synth.Write(dir, synth.Options{Records: n, Seed: 11}); err != nil {
		b.Fatal(err)
	}
	paths, err := report.FindReportFiles([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	reps, _, err := report.ParseFiles(context.Background(), paths, report.KeepAll)
	if err != nil {
		b.Fatal(err)
	}
	return reps
}

// BenchmarkAcross measures the overview, a state's history and the
// comparison of two reports over 10k synthetic records (100 reports over 30
// sessions): the target is 20 ms p50 for the overview and the comparison.
//
//	go test ./index -run XXX -bench Across -benchtime 200x
func BenchmarkAcross(b *testing.B) {
	ix := synthIndex(b, 10000)
	ctx := context.Background()
	reports := ix.Reports()
	newest, previous := reports[0].ID, reports[1].ID
	var code string
	for _, st := range ix.gz.States() {
		if st.Annex2 {
			code = st.Code
			break
		}
	}
	if h, err := ix.StateHistory(ctx, code); err == nil {
		b.Logf("%d reports; state %s: %d records in %d reports", len(reports), code, h.Total, len(h.Reports))
	}
	if c, err := ix.Compare(ctx, previous, newest); err == nil {
		b.Logf("compare %s / %s: %d states, %d activity rows", previous, newest, len(c.States), len(c.Pairs))
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"overview", func() error { _, err := ix.Overview(ctx, OverviewRequest{}); return err }},
		{"overview-word", func() error {
			_, err := ix.Overview(ctx, OverviewRequest{Request: Request{Query: "条约"}})
			return err
		}},
		{"overview-query-every-byname", func() error {
			_, err := ix.Overview(ctx, OverviewRequest{Request: Request{Query: "附件2 国家", Section: []string{"1(a)"}}, EveryReport: true, Sort: OverviewByName})
			return err
		}},
		{"compare", func() error { _, err := ix.Compare(ctx, previous, newest); return err }},
		{"state", func() error { _, err := ix.StateHistory(ctx, code); return err }},
		{"search-years", func() error {
			_, err := ix.Search(ctx, Request{Query: "条约", Years: []string{"2001", "2002"}})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				began := time.Now()
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(began))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(took[len(took)*9/10])/1e6, "p90-ms")
		})
	}
}
