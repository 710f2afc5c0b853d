package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"ctbtsearch/index"
)

// collectFiles lists the report files under the given files and
// directories, as the indexer does: *.txt in any case, hidden entries
// skipped, in sorted order.
func collectFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != a && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".txt") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("no report files (*.txt) in %s", strings.Join(args, " "))
	}
	return out, nil
}

// parseAll parses files with GOMAXPROCS workers and returns the reports in
// file order. Any file that does not parse fails the whole run.
func parseAll(ctx context.Context, files []string) ([]*index.Report, int, error) {
	gz := index.DefaultGazetteer()
	reports := make([]*index.Report, len(files))
	errs := make([]error, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				reports[i], errs[i] = index.ParseReportFile(files[i], gz)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, 0, err
	}
	records := 0
	for _, r := range reports {
		records += len(r.Records)
	}
	return reports, records, nil
}
