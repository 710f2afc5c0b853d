package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
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

// IndexerConfig configures Indexer.
type IndexerConfig struct {
	Bin   string   // the cmd/indexer binary
	Index string   // index location
	Paths []string // report files and directories
	// Runs is how many times the binary builds the index (at least once);
	// the median run is reported. A lone build of a few seconds varies by a
	// third on this machine (10k: 2.10 s in one scale study, 1.35–1.43 s
	// alone in another hour).
	Runs int
}

// indexerSummary is the line cmd/indexer ends with.
var indexerSummary = regexp.MustCompile(`indexed (\d+) reports?, (\d+) records? in`)

// Indexer runs the cmd/indexer binary as users do and times it end to end:
// start-up, reading every file, indexing, publishing. Its peak RSS is the
// child's (rusage), so it is the indexer's own, unlike Index's: the highest
// of the runs.
func Indexer(ctx context.Context, cfg IndexerConfig, out io.Writer) (*Result, error) {
	args := append([]string{"-index", cfg.Index}, cfg.Paths...)
	var took []time.Duration
	var records int
	var peak int64
	for i := range max(cfg.Runs, 1) {
		if i > 0 {
			// Each run builds from nothing, as the first did.
			if err := os.RemoveAll(cfg.Index); err != nil {
				return nil, err
			}
		}
		cmd := exec.CommandContext(ctx, cfg.Bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		began := time.Now()
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("indexer: %w\n%s", err, stderr.String())
		}
		took = append(took, time.Since(began))
		m := indexerSummary.FindStringSubmatch(stderr.String())
		if m == nil {
			return nil, fmt.Errorf("indexer: no summary line in its output:\n%s", stderr.String())
		}
		records, _ = strconv.Atoi(m[2])
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss<<10) // KiB on Linux
		}
	}
	res := newResult(ToolOurs, PhaseIndexer, records)
	res.notePeak() // for the load average; the peak is the child's, below
	res.PeakRSS = peak
	runs := slices.Clone(took)
	slices.Sort(took)
	res.TotalSec = took[len(took)/2].Seconds()
	res.RecordsPerSec = float64(records) / res.TotalSec
	path, err := index.CurrentPath(cfg.Index)
	if err != nil {
		return nil, err
	}
	if res.SizeBytes, err = DiskUsage(path); err != nil {
		return nil, err
	}
	res.Note = "generation " + path
	if len(runs) > 1 {
		var each []string
		for _, d := range runs {
			each = append(each, fmt.Sprintf("%.2f", d.Seconds()))
		}
		res.Note = fmt.Sprintf("median of %d runs (%s s); %s", len(runs), strings.Join(each, ", "), res.Note)
	}
	PrintTable(out, res)
	return res, nil
}
