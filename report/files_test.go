package report

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The indexer validates every file, then indexes them one at a time. A text
// report is read again for indexing (its records are not held meanwhile); a
// PDF or DOCX keeps its records from the first pass, so PDFium reads each
// document once.
func TestReparseReadsDocumentsOnce(t *testing.T) {
	// Three reports with three ids: the fixtures under other names.
	dir := t.TempDir()
	var paths []string
	for from, to := range map[string]string{
		"../data/reports/a62-ctbt-universality.zh.txt": "text.zh.txt",
		"testdata/docs/a64-ctbt-universality.docx":     "word.docx",
		"testdata/docs/a62-ctbt-universality.ming.pdf": "print.pdf",
	} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Join(dir, to))
		if err := os.WriteFile(paths[len(paths)-1], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(paths) // print.pdf, text.zh.txt, word.docx
	ctx := context.Background()
	reports, counts, err := ParseFiles(ctx, paths, 0)
	if err != nil {
		t.Fatal(err)
	}
	if reports[1].Format != FormatText || reports[1].Records != nil {
		t.Errorf("text report (%s) kept %d records through validation", reports[1].Format, len(reports[1].Records))
	}
	i := 0
	for rep, err := range Reparse(ctx, paths, reports, counts) {
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Records) != counts[i].Records {
			t.Errorf("%s: %d records, validation counted %d", paths[i], len(rep.Records), counts[i].Records)
		}
		kept := rep == reports[i]
		if wantKept := reports[i].Format != FormatText; kept != wantKept {
			t.Errorf("%s (%s): handed on from validation = %v, want %v", paths[i], reports[i].Format, kept, wantKept)
		}
		i++
	}
	if i != len(paths) {
		t.Errorf("Reparse gave %d reports, want %d", i, len(paths))
	}

	// Cancelled, a text file is not read again.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	reports, counts, err = ParseFiles(ctx, paths[1:2], 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range Reparse(cancelled, paths[1:2], reports, counts) {
		if err == nil {
			t.Error("Reparse under a cancelled context read the file")
		}
	}
}

// Text reports keep their records up to the budget, counted in records, and
// Reparse hands those on instead of reading their files again.
func TestParseFilesKeepsTextRecordsWithinBudget(t *testing.T) {
	data, err := os.ReadFile("../data/reports/a62-ctbt-universality.zh.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		paths = append(paths, filepath.Join(dir, name))
		if err := os.WriteFile(paths[len(paths)-1], data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	_, counts, err := ParseFiles(ctx, paths[:1], 0)
	if err != nil {
		t.Fatal(err)
	}
	n := counts[0].Records
	for _, tc := range []struct {
		name string
		keep int
		want int // reports that keep their records
	}{
		{"none", 0, 0},
		{"one short of two reports", 2*n - 1, 1},
		{"exactly two reports", 2 * n, 2},
		{"all", KeepAll, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reports, counts, err := ParseFiles(ctx, paths, tc.keep)
			if err != nil {
				t.Fatal(err)
			}
			kept := 0
			for _, r := range reports {
				if r.Records != nil {
					kept++
				}
			}
			if kept != tc.want {
				t.Errorf("%d reports kept their records, want %d", kept, tc.want)
			}
			i := 0
			for rep, err := range Reparse(ctx, paths, reports, counts) {
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Records) != n {
					t.Errorf("%s: %d records, want %d", paths[i], len(rep.Records), n)
				}
				if handedOn := rep == reports[i]; handedOn != (reports[i].Records != nil) {
					t.Errorf("%s: handed on = %v, kept %d records", paths[i], handedOn, len(reports[i].Records))
				}
				i++
			}
		})
	}
}
