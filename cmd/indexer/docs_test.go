package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ctbtsearch/internal/testutil"
)

const docsDir = "../../report/testdata/docs"

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// parseDump reads a -dump output into records keyed by id, with the
// source kept apart.
func parseDump(t *testing.T, dump string) (map[string]map[string]any, map[string]string) {
	t.Helper()
	recs, sources := map[string]map[string]any{}, map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(dump, "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("bad dump line %q: %v", line, err)
		}
		id := rec["id"].(string)
		sources[id] = rec["source"].(string)
		delete(rec, "source")
		recs[id] = rec
	}
	return recs, sources
}

// A folder of downloaded reports, a PDF and a DOCX, gives the records of the
// text reports, field by field but for the source, which names the page or row.
func TestIndexFolderOfDocuments(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(docsDir, "a62-ctbt-universality.noto.pdf"), filepath.Join(dir, "a62-ctbt-universality.zh.pdf"))
	copyFile(t, filepath.Join(docsDir, "a64-ctbt-universality.docx"), filepath.Join(dir, "a64-ctbt-universality.zh.DOCX"))
	os.WriteFile(filepath.Join(dir, "notes.md"), []byte("not a report"), 0o644)

	got, _ := mustRun(t, "-dump", dir)
	want, _ := mustRun(t, "-dump", sampleDir, second)
	gotRecs, gotSrc := parseDump(t, got)
	wantRecs, _ := parseDump(t, want)
	if len(gotRecs) != bothRecs || len(wantRecs) != bothRecs {
		t.Fatalf("got %d records from the documents, %d from text; want %d", len(gotRecs), len(wantRecs), bothRecs)
	}
	for id, w := range wantRecs {
		gb, _ := json.Marshal(gotRecs[id])
		wb, _ := json.Marshal(w)
		if string(gb) != string(wb) {
			t.Errorf("record %s differs:\n got %s\nwant %s", id, gb, wb)
		}
	}
	for id, src := range gotSrc {
		if !strings.Contains(src, ".zh.pdf:p.") && !strings.Contains(src, ".zh.DOCX:row ") {
			t.Errorf("record %s: source %q names neither a page nor a row", id, src)
		}
	}

	loc := filepath.Join(t.TempDir(), "index")
	mustRun(t, "-index", loc, dir)
	if _, n := openCount(t, loc); n != bothRecs {
		t.Errorf("index holds %d records, want %d", n, bothRecs)
	}
}

// Every bad document fails the run with the file named and advice, and the
// index in service is not touched.
func TestBadDocumentsLeaveIndexUntouched(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "index")
	mustRun(t, "-index", loc, sample)
	before := testutil.TreeHash(t, loc)
	for _, tc := range []struct{ file, want string }{
		{"scanned.pdf", "OCR"},
		{"encrypted.pdf", "encrypted"},
		{"truncated.pdf", "damaged"},
		{"not-a-report.pdf", "not a CTBT universality report"},
		{"not-a-report.docx", "not a CTBT universality report"},
		{"legacy.doc", "save it as DOCX or PDF"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(docsDir, "a64-ctbt-universality.docx"), filepath.Join(dir, "a64-ctbt-universality.docx"))
			copyFile(t, filepath.Join(docsDir, "bad", tc.file), filepath.Join(dir, tc.file))
			_, stderr, err := runIndexer(t, "-index", loc, dir)
			if err == nil {
				t.Fatalf("run succeeded with %s; stderr:\n%s", tc.file, stderr)
			}
			for _, w := range []string{filepath.Join(dir, tc.file) + ":", tc.want, "the index was not changed"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			compareTrees(t, before, testutil.TreeHash(t, loc))
		})
	}
}
