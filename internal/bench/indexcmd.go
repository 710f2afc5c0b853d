package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"ctbtsearch/index"
)

// IndexConfig configures Index.
type IndexConfig struct {
	Index string   // index location, as cmd/search -index takes it
	Paths []string // report files and directories
}

// Index parses every report under cfg.Paths with GOMAXPROCS workers and
// publishes them as a new generation at cfg.Index with index.Publish,
// timing each step. Unlike cmd/indexer, which parses twice and streams, it
// holds the parsed corpus in memory so that parsing and indexing are timed
// apart; its peak RSS is therefore not the indexer's.
func Index(ctx context.Context, cfg IndexConfig, out io.Writer) (*Result, error) {
	reports, res, parsed, err := parseCorpus(ctx, cfg.Paths, ToolOurs, out)
	if err != nil {
		return nil, err
	}
	records := res.Records

	step, nextReport := max(records/10, 1), 0
	progress := func(done int) {
		if done >= nextReport {
			fmt.Fprintf(out, "  %3d%%  %d records  %.1f s\n", 100*done/max(records, 1), done, time.Since(parsed).Seconds())
			nextReport = done + step
		}
	}
	path, err := index.Publish(ctx, cfg.Index, reports, progress)
	if err != nil {
		return nil, err
	}
	done := time.Now()
	res.IndexSec = done.Sub(parsed).Seconds()
	res.TotalSec = res.ParseSec + res.IndexSec
	res.RecordsPerSec = float64(records) / res.TotalSec
	if res.SizeBytes, err = DiskUsage(path); err != nil {
		return nil, err
	}
	res.notePeak()
	res.Note = "generation " + path
	PrintTable(out, res)
	return res, nil
}
