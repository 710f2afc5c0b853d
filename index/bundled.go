package index

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"ctbtsearch"
)

// BundledReports parses the sample reports embedded in the binary, so a new
// user's first start serves real results without any set-up.
func BundledReports() ([]*Report, error) {
	var names []string
	err := fs.WalkDir(ctbtsearch.SampleReports, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(path.Ext(p), ".txt") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bundled reports: %w", err)
	}
	sort.Strings(names)
	var reports []*Report
	for _, name := range names {
		data, err := ctbtsearch.SampleReports.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("bundled reports: %w", err)
		}
		rep, err := ParseReport(name, data, DefaultGazetteer())
		if err != nil {
			return nil, fmt.Errorf("bundled reports: %w", err)
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// IsBundled reports whether an index holds exactly the bundled reports, so
// that a server may rebuild it by itself when the program changes.
func IsBundled(infos []ReportInfo) bool {
	if len(infos) == 0 {
		return false
	}
	for _, r := range infos {
		if _, err := fs.Stat(ctbtsearch.SampleReports, r.File); err != nil {
			return false
		}
	}
	return true
}
