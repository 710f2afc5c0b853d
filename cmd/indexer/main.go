// Command indexer parses the Secretary-General's yearly CTBT universality
// reports (Chinese edition) and builds the search index the server reads.
//
// Usage:
//
//	indexer [-index DIR] [-dump] FILE|DIR...
//
// Each argument is a report file or a directory. Reports are read as the UN
// publishes them, PDF or Word DOCX, or as tab-separated text; the format is
// recognised by content (%PDF-, a ZIP holding word/document.xml, text), not
// by the name. Directories are searched recursively for report files: files
// whose names end in .txt, .pdf or .docx (in any case), skipping hidden files
// and directories (names starting with "."); legacy Word .doc files are
// picked up too and refused with the advice to save them as DOCX or PDF. A
// file named explicitly is read whatever its extension. Reports are read in
// sorted path order, so every run over the same files gives the same output.
// The report id is the file name up to its first dot, whatever the format.
//
// A record's source is file:line for text, file:p.N (the page) for PDF and
// file:row N (the table row) for DOCX. A document that cannot be read as a
// report is refused with the reason and what to do: a scanned PDF without a
// text layer (run OCR first), an encrypted or damaged PDF, a document without
// the annex table, a legacy .doc, or one over the size (32 MiB) or page (200)
// limits. Reading the first PDF of a run starts the PDF engine; its compiled
// form is cached under the user cache directory (ctbtsearch/pdfium-wasm, or
// $CTBT_PDFIUM_CACHE when set), so later runs start fast.
//
// Every file is parsed before anything is written. If any file cannot be
// parsed, or two files give the same report id (the file name up to its first
// dot), indexer prints every problem as file:line: message, exits with
// status 1 and leaves the index alone.
//
// Otherwise indexer builds a new generation of the index from all the given
// reports and puts it in service atomically, replacing the previous one: a
// server sees either the old index or the new one, never a half-built one.
// Interrupting indexer (Ctrl-C, SIGTERM) during the build leaves the old
// index in service; a second interrupt stops it at once, and the next run
// removes what it left behind.
// When standard error is a terminal a progress bar is shown. At the end
// indexer prints a summary on standard error: each report with its session
// and record counts per section, the warnings (such as unknown state names),
// the total, the index generation now in service and the time taken.
//
// The flags are:
//
//	-index DIR
//		The index location: the directory holding the generations of the
//		index and the "current" link to the one in service. The default is
//		$CTBT_INDEX when set, else ctbtsearch/index under the user cache
//		directory (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux,
//		~/Library/Caches on macOS, %LocalAppData% on Windows).
//	-dump
//		Do not build an index: print the parsed records to standard output
//		as JSON Lines, one object per record in file order, with the fields
//		of report.Record. Warnings go to standard error.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// envIndex names the environment variable that overrides the default index
// location; the -index flag overrides both.
const envIndex = "CTBT_INDEX"

const usage = `usage: indexer [-index DIR] [-dump] FILE|DIR...

Parses CTBT universality reports and builds the search index from them.
Reads PDF, DOCX and text reports (recognised by content); directories are
searched recursively for *.txt, *.pdf and *.docx files.

  -index DIR  index location (default $CTBT_INDEX, else
              <user cache dir>/ctbtsearch/index)
  -dump       print the parsed records as JSON Lines instead of indexing
`

// defaultMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT says
// otherwise. Indexing makes garbage fast; without a limit the heap grows to
// twice what is live and a million records peak at 1.3 GiB of RSS. At a
// million synthetic records (2 cores) the limit sets the pace: 512 MiB took
// 130-134 s with a peak RSS of 760 MiB, the collector running most of the
// time; 600 MiB 122 s at 846 MiB; 640 MiB 123 s at 885 MiB; 700 MiB 120 s
// at 946 MiB, too near the 1 GiB the indexer is allowed. See
// docs/PERFORMANCE.md.
const defaultMemoryLimit = 600 << 20

// defaultGCPercent applies unless GOGC says otherwise. Under the memory
// limit above, the collector need not run at every doubling of a small
// heap: at 10k records GOGC 100 spent a sixth of the indexer's CPU
// collecting (2.90–3.00 s); 400 took 2.24–2.45 s, with a peak RSS of 230
// MiB instead of 135. At a million records the memory limit sets the pace
// either way.
const defaultGCPercent = 400

// keptRecords is how many records of text reports the validating pass
// hands on to indexing instead of parsing them again: every real collection
// (a few hundred records a year) and the 10k-record benchmark fit, at about
// 2.5 KiB of memory a record (10k synthetic records: 25 MiB), and parsing
// them again was 6% of the indexer's CPU at 10k.
const keptRecords = 20_000

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling so that a
		// second Ctrl-C kills at once; the next build cleans up after it.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "indexer: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	fset := flag.NewFlagSet("indexer", flag.ContinueOnError)
	// The flag package's own messages are dropped: the usage text goes to
	// stderr and the error is returned, so main prints it once.
	fset.SetOutput(io.Discard)
	fset.Usage = func() { fmt.Fprint(stderr, usage) }
	indexFlag := fset.String("index", "", "index location")
	dump := fset.Bool("dump", false, "print records as JSON Lines instead of indexing")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("parse arguments: %w", err)
	}
	if fset.NArg() == 0 {
		fset.Usage()
		return errors.New("parse arguments: no report files or directories given")
	}

	paths, err := report.FindReportFiles(fset.Args())
	if err != nil {
		return err
	}
	// Past keptRecords, indexing keeps only each report's counts from this
	// validating pass and parses the files again as it indexes them: a
	// million records never sit in memory at once.
	keep := keptRecords
	if *dump {
		keep = report.KeepAll
	}
	reports, counts, err := report.ParseFiles(ctx, paths, keep)
	if err != nil {
		return err
	}

	if *dump {
		printWarnings(stderr, reports)
		return dumpRecords(ctx, stdout, reports)
	}

	loc, err := indexLocation(*indexFlag)
	if err != nil {
		return err
	}
	// Stop before creating anything when Ctrl-C came during parsing.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("build index at %s: %w; the index in service was not changed", loc, err)
	}
	total := 0
	for _, c := range counts {
		total += c.Records
	}
	bar := newProgress(stderr, total, isTerminal(stderr))
	path, err := index.PublishStream(ctx, loc, total, report.Reparse(ctx, paths, reports, counts), bar.set)
	bar.done()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("build index at %s: %w; the index in service was not changed", loc, err)
		}
		return fmt.Errorf("build index at %s: %w", loc, err)
	}
	printSummary(stderr, reports, counts, path, time.Since(start))
	return nil
}

// indexLocation resolves the index location: the -index flag, else the
// shared default (index.DefaultLocation: $CTBT_INDEX or the user cache).
func indexLocation(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return index.DefaultLocation()
}

// dumpRecords writes every record as one JSON object per line.
func dumpRecords(ctx context.Context, w io.Writer, reports []*report.Report) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, rep := range reports {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("dump records: %w", err)
		}
		for i := range rep.Records {
			if err := enc.Encode(&rep.Records[i]); err != nil {
				return fmt.Errorf("dump records: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dump records: %w", err)
	}
	return nil
}

func printWarnings(w io.Writer, reports []*report.Report) {
	for _, rep := range reports {
		for _, warn := range rep.Warnings {
			fmt.Fprintln(w, warn)
		}
	}
}

// standardSections are the sections of every report, shown even when empty.
var standardSections = []string{"1(a)", "1(b)", "2(a)", "2(b)"}

// printSummary writes a table of the reports indexed, the warnings, the
// total, the generation in service and the time taken.
func printSummary(w io.Writer, reports []*report.Report, counts []report.ReportCounts, path string, took time.Duration) {
	sections := slices.Clone(standardSections)
	for _, c := range counts {
		for s := range c.Sections {
			if !slices.Contains(sections, s) {
				sections = append(sections, s)
			}
		}
	}
	slices.Sort(sections[len(standardSections):])

	// One row per report and a total row; the numbers are right-aligned
	// within their column, the report ids left-aligned.
	rows := [][]string{append([]string{"report", "session", "records"}, sections...)}
	totals := make([]int, len(sections))
	total := 0
	for ri, rep := range reports {
		c := counts[ri]
		row := []string{rep.ID, fmt.Sprint(rep.Session), fmt.Sprint(c.Records)}
		for i, s := range sections {
			n := c.Sections[s]
			totals[i] += n
			row = append(row, fmt.Sprint(n))
		}
		total += c.Records
		rows = append(rows, row)
	}
	last := []string{"total", "", fmt.Sprint(total)}
	for _, n := range totals {
		last = append(last, fmt.Sprint(n))
	}
	rows = append(rows, last)
	for col := 1; col < len(rows[0]); col++ {
		width := 0
		for _, row := range rows {
			width = max(width, len(row[col]))
		}
		for _, row := range rows {
			row[col] = fmt.Sprintf("%*s", width, row[col])
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()

	warned := false
	for _, rep := range reports {
		warned = warned || len(rep.Warnings) > 0
	}
	if warned {
		fmt.Fprintln(w, "\nwarnings:")
		printWarnings(w, reports)
	}
	fmt.Fprintf(w, "\nindexed %s, %s in %s\nin service: %s\n",
		plural(len(reports), "report"), plural(total, "record"), took.Round(time.Millisecond), path)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progress shows a progress bar of records indexed on a terminal and nothing
// otherwise.
type progress struct {
	bar *progressbar.ProgressBar // nil when quiet
}

func newProgress(w io.Writer, total int, show bool) *progress {
	if !show || total == 0 {
		return &progress{}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("indexing"),
		progressbar.OptionSetItsString("records"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)
	return &progress{bar: bar}
}

// set is the callback for index.PublishStream: records indexed so far.
func (p *progress) set(records int) {
	if p.bar != nil {
		p.bar.Set(records)
	}
}

// done ends the bar's line, whether or not the build completed.
func (p *progress) done() {
	if p.bar != nil && !p.bar.IsFinished() {
		p.bar.Exit()
	}
}
