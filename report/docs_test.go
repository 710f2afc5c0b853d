package report

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The PDF and DOCX fixtures are made by scripts/make-fixtures.sh from the
// text reports, in three layouts; each must give the text path's records,
// field by field, but for the source.

var docFixtures = []struct {
	name, text string
	records    int
	symbol     string // printed in the running header by the fixture script
}{
	{"a62-ctbt-universality", "../data/reports/a62-ctbt-universality.zh.txt", 88, "A/62/173"},
	{"a64-ctbt-universality", "testdata/a64-ctbt-universality.zh.txt", 30, "A/64/136"},
}

func readFixture(t testing.TB, path string) *Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ReadReport(context.Background(), path, data, DefaultGazetteer())
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return rep
}

func TestDocumentsGiveTheTextRecords(t *testing.T) {
	for _, fx := range docFixtures {
		want := readFixture(t, fx.text)
		if len(want.Records) != fx.records {
			t.Fatalf("%s: text path gives %d records, want %d", fx.text, len(want.Records), fx.records)
		}
		for _, kind := range []string{"ming.pdf", "noto.pdf", "serif.pdf", "tight.pdf", "word.pdf", "docx"} {
			path := filepath.Join("testdata/docs", fx.name+"."+kind)
			if _, err := os.Stat(path); err != nil {
				continue // the tight and word layouts are made of the second report only
			}
			t.Run(filepath.Base(path), func(t *testing.T) {
				got := readFixture(t, path)
				compareReports(t, want, got)
				if got.Symbol != fx.symbol {
					t.Errorf("symbol %q, want %q (the running header's, not the agenda footnote's)", got.Symbol, fx.symbol)
				}
				var wantPrefix string
				if strings.HasSuffix(kind, "pdf") {
					wantPrefix = path + ":p."
				} else {
					wantPrefix = path + ":row "
				}
				for _, r := range got.Records {
					if !strings.HasPrefix(r.Source, wantPrefix) {
						t.Errorf("record %s: source %q, want %s…", r.ID, r.Source, wantPrefix)
						break
					}
				}
			})
		}
	}
}

func compareReports(t *testing.T, want, got *Report) {
	t.Helper()
	if got.Session != want.Session || got.Period != want.Period || got.Date != want.Date || got.Year != want.Year || got.Footnote != want.Footnote {
		t.Errorf("report: got session %d period %q date %q year %d footnote %q; want %d %q %q %d %q",
			got.Session, got.Period, got.Date, got.Year, got.Footnote, want.Session, want.Period, want.Date, want.Year, want.Footnote)
	}
	if len(got.Records) != len(want.Records) {
		t.Errorf("got %d records, want %d", len(got.Records), len(want.Records))
	}
	for i := range min(len(got.Records), len(want.Records)) {
		g, w := got.Records[i], want.Records[i]
		g.Source, w.Source = "", ""
		if !reflect.DeepEqual(g, w) {
			gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
			for f := range gv.NumField() {
				if !reflect.DeepEqual(gv.Field(f).Interface(), wv.Field(f).Interface()) {
					t.Errorf("record %d %s: got %q, want %q", i+1, gv.Type().Field(f).Name, gv.Field(f).Interface(), wv.Field(f).Interface())
				}
			}
		}
	}
}
