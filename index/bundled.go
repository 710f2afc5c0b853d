package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"ctbtsearch"
	"ctbtsearch/report"
)

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

// OpenServing opens the index in service at dir for a server, first
// building one from the bundled sample reports when there is none — or when
// the one there was built from them by another version (mapping or search
// form). An operator's index built by another version is served with a
// warning: only the indexer can rebuild it.
//
// Servers started together on an empty location build it once: the others
// wait for that build and serve it (PublishUnlessChanged).
func OpenServing(ctx context.Context, dir string, log *slog.Logger) (*Live, error) {
	live, err := OpenLive(dir, log)
	seen := ""
	switch {
	case errors.Is(err, ErrNoIndex):
		log.Info("no index yet: building one from the bundled sample reports", "index", dir)
	case err != nil:
		return nil, fmt.Errorf("%w (rebuild it with: go run ./cmd/indexer -index %s REPORTS...)", err, dir)
	case live.Fingerprint() == MappingFingerprint():
		return live, nil
	case IsBundled(live.Reports()):
		seen = live.Path()
		live.Close()
		log.Info("the sample index was built by another version: rebuilding it", "index", dir)
	default:
		log.Warn("the index was built by another version (mapping or search form); some queries will miss records until the indexer is run again", "index", dir)
		return live, nil
	}
	began := time.Now()
	reports, err := report.BundledReports()
	if err != nil {
		return nil, err
	}
	_, built, err := PublishUnlessChanged(ctx, dir, seen, reports, func() {
		log.Info("another process is building the index: waiting for it", "index", dir)
	})
	if err != nil {
		return nil, err
	}
	if built {
		log.Info("sample index built", "reports", len(reports), "took", time.Since(began).Round(time.Millisecond))
	}
	return OpenLive(dir, log)
}
