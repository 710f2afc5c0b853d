package report

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
