package bench

import (
	"context"

	"ctbtsearch/index"
)

// parseAll parses report files exactly as cmd/indexer does
// (index.ParseFiles), keeping the records, and counts them.
func parseAll(ctx context.Context, files []string) ([]*index.Report, int, error) {
	reports, counts, err := index.ParseFiles(ctx, files, true)
	if err != nil {
		return nil, 0, err
	}
	records := 0
	for _, c := range counts {
		records += c.Records
	}
	return reports, records, nil
}
