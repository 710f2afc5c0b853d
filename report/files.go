package report

import (
	"context"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Reading a collection of report files, as the indexer and the benchmarks do.

// reportExts are the file name extensions (any case) a directory search
// picks up. Legacy Word .doc files are picked up too, so that they are
// refused with advice rather than skipped unnoticed.
var reportExts = []string{".txt", ".pdf", ".docx", ".doc"}

func isReportName(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return slices.Contains(reportExts, ext)
}

// FindReportFiles expands files and directories into a sorted list of
// report files without duplicates: directories are searched recursively for
// *.txt, *.pdf, *.docx (and *.doc, refused when read) files in any case,
// skipping hidden names; a file named explicitly is taken whatever its
// extension, its format recognised by content. A path that does not exist is kept, so that the
// parser reports it together with every other problem.
func FindReportFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil || !st.IsDir() {
			files = append(files, filepath.Clean(arg))
			continue
		}
		n := len(files)
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			hidden := p != arg && strings.HasPrefix(d.Name(), ".")
			if d.IsDir() {
				if hidden {
					return filepath.SkipDir
				}
				return nil
			}
			if hidden || !isReportName(p) {
				return nil
			}
			if !d.Type().IsRegular() {
				// A symbolic link counts if it leads to a regular file.
				if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
					return nil
				}
			}
			files = append(files, p)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("find reports in %s: %w", arg, err)
		}
		if len(files) == n {
			return nil, fmt.Errorf("find reports in %s: no report files (*.txt, *.pdf, *.docx) in this directory", arg)
		}
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// KeepAll tells ParseFiles to keep every report's records.
const KeepAll = math.MaxInt

// ParseFiles parses every file, in parallel, and returns the reports in the
// order of paths with their counts. If any file is bad, or two files give
// the same report id, the error lists every problem in path order.
//
// Reports of text files keep their records while the text records kept so
// far number at most keep; beyond that they come with counts only, so a
// large collection can be validated without holding it in memory, and
// Reparse reads those files again. PDF and DOCX reports always keep theirs,
// which are small and costly to read again (PDFium: ~0.6 s for 10 pages).
// KeepAll keeps every record.
func ParseFiles(ctx context.Context, paths []string, keep int) ([]*Report, []ReportCounts, error) {
	gz := DefaultGazetteer()
	reports := make([]*Report, len(paths))
	counts := make([]ReportCounts, len(paths))
	errs := make([]error, len(paths))
	jobs := make(chan int)
	var kept atomic.Int64 // text records kept so far
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for i := range jobs {
				reports[i], errs[i] = ReadReportFile(ctx, paths[i], gz)
				if errs[i] != nil {
					continue
				}
				counts[i] = countsOf(reports[i])
				if reports[i].Format != FormatText {
					continue
				}
				if n := int64(len(reports[i].Records)); kept.Add(n) > int64(keep) {
					kept.Add(-n)
					reports[i].Records = nil
				}
			}
		})
	}
feed:
	for i := range paths {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("parse reports: %w", err)
	}

	fail := &parseFailure{files: len(paths)}
	byID := map[string]string{}
	for i, err := range errs {
		if err != nil {
			fail.add(err)
			continue
		}
		id := reports[i].ID
		if first, dup := byID[id]; dup {
			fail.add(fmt.Errorf("%s: report id %q is also given by %s; each report must be given once", paths[i], id, first))
			continue
		}
		byID[id] = paths[i]
	}
	if len(fail.errs) > 0 {
		return nil, nil, fail
	}
	return reports, counts, nil
}

// ReportCounts are what is known of a report once its records are gone:
// how many, and how many per section.
type ReportCounts struct {
	Records  int
	Sections map[string]int
}

func countsOf(rep *Report) ReportCounts {
	c := ReportCounts{Records: len(rep.Records), Sections: map[string]int{}}
	for _, r := range rep.Records {
		c.Sections[r.Section]++
	}
	return c
}

// Reparse yields the reports of ParseFiles again, one at a time, for
// indexing (AddStream, PublishStream): reports that kept their records (PDF,
// DOCX, text within ParseFiles' budget) are handed on as they are, other
// text files are read again. A file
// that changed since the validating pass is an error, not a surprise in the
// index.
func Reparse(ctx context.Context, paths []string, reports []*Report, counts []ReportCounts) iter.Seq2[*Report, error] {
	return func(yield func(*Report, error) bool) {
		gz := DefaultGazetteer()
		for i, p := range paths {
			if err := ctx.Err(); err != nil {
				yield(nil, fmt.Errorf("read reports: %w", err))
				return
			}
			if kept := reports[i]; kept != nil && kept.Records != nil {
				if !yield(kept, nil) {
					return
				}
				continue
			}
			rep, err := ReadReportFile(ctx, p, gz)
			if err == nil && len(rep.Records) != counts[i].Records {
				err = fmt.Errorf("%s: changed while indexing (%d records, then %d)", p, counts[i].Records, len(rep.Records))
			}
			if !yield(rep, err) {
				return
			}
		}
	}
}

// parseFailure collects every problem of a set of report files.
type parseFailure struct {
	files int     // files read
	bad   int     // files with problems
	errs  []error // one per bad file; a file's error may join several
}

func (f *parseFailure) add(err error) {
	f.bad++
	f.errs = append(f.errs, err)
}

func (f *parseFailure) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "parse reports: %d of %d files have problems; the index was not changed", f.bad, f.files)
	for _, err := range f.errs {
		b.WriteString("\n")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap gives access to the *ParseError values with errors.As.
func (f *parseFailure) Unwrap() []error { return f.errs }
