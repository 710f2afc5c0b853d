package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"ctbtsearch/report"
)

// parseCorpus finds and parses the report files under paths exactly as
// cmd/indexer does (report.FindReportFiles, report.ParseFiles), keeping the
// records, and starts the index result of tool with the parse figures:
// files, parse time and RSS once parsed. It returns when parsing ended.
func parseCorpus(ctx context.Context, paths []string, tool string, out io.Writer) ([]*report.Report, *Result, time.Time, error) {
	files, err := report.FindReportFiles(paths)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	began := time.Now()
	reports, counts, err := report.ParseFiles(ctx, files, report.KeepAll)
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	parsed := time.Now()
	records := 0
	for _, c := range counts {
		records += c.Records
	}
	res := newResult(tool, PhaseIndex, records)
	res.Files = len(files)
	res.ParseSec = parsed.Sub(began).Seconds()
	runtime.GC()
	if m, err := ReadProcMem(0); err == nil {
		res.RSSAfterParse = m.RSS
	}
	fmt.Fprintf(out, "parsed %d records from %d files in %.2f s; indexing (%s)…\n", records, len(files), res.ParseSec, tool)
	return reports, res, parsed, nil
}
