package synth

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"ctbtsearch/report"
)

func TestChineseNumeral(t *testing.T) {
	for n, want := range map[int]string{
		1: "一", 10: "十", 12: "十二", 20: "二十", 51: "五十一", 62: "六十二", 100: "一百",
		103: "一百零三", 110: "一百一十", 999: "九百九十九", 1001: "一千零一", 1010: "一千零一十", 1100: "一千一百",
	} {
		if got := ChineseNumeral(n); got != want {
			t.Errorf("ChineseNumeral(%d) = %q, want %q", n, got, want)
		}
	}
	for n := 1; n <= 9999; n++ {
		s := ChineseNumeral(n)
		got, err := report.ParseChineseNumber(s)
		if err != nil || got != n {
			t.Fatalf("ParseChineseNumber(ChineseNumeral(%d) = %q) = %d, %v", n, s, got, err)
		}
	}
	if ChineseNumeral(0) != "" || ChineseNumeral(10000) != "" {
		t.Error("out-of-range numbers should give \"\"")
	}
}

func TestSectionCounts(t *testing.T) {
	for _, n := range []int{1, 2, 7, 88, 100, 101, 999} {
		c := sectionCounts(n)
		if c[0]+c[1]+c[2]+c[3] != n {
			t.Errorf("sectionCounts(%d) = %v: does not add up", n, c)
		}
	}
	if got := sectionCounts(100); got[0] != 23 || got[1] != 16 || got[2] != 49 || got[3] != 12 {
		t.Errorf("sectionCounts(100) = %v, want [23 16 49 12]", got)
	}
}

var markerRE = regexp.MustCompile(`\s*\^[a-z0-9]+`)

// bare is text as the parser keeps it, for comparison: markers and all
// spacing removed.
func bare(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, markerRE.ReplaceAllString(s, ""))
}

// TestWriteParsesBack is the contract: every file parses without error into
// exactly the records written, section by section, with every tricky case
// of the real format present somewhere.
func TestWriteParsesBack(t *testing.T) {
	dir := t.TempDir()
	const records = 2000
	st, err := Write(dir, Options{Records: records, RecordsPerReport: 90, Seed: 7, FirstSession: 60, Sessions: 5})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != records || st.Files != 23 {
		t.Fatalf("stats: %d records in %d files, want %d in 23", st.Records, st.Files, records)
	}
	if st.FirstSession != 60 || st.LastSession != 64 {
		t.Errorf("sessions %d..%d, want 60..64", st.FirstSession, st.LastSession)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) != st.Files {
		t.Fatalf("%d .txt files on disk, stats say %d", len(files), st.Files)
	}
	gz := report.DefaultGazetteer()
	sections := map[string]int{}
	total, withNotes, symbols, sessions := 0, 0, 0, map[int]int{}
	for _, f := range files {
		rep, err := report.ParseReportFile(f, gz)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		for _, w := range rep.Warnings {
			t.Errorf("warning: %s", w)
		}
		sessions[rep.Session]++
		if want := filepath.Base(f); FileName(rep.Session, sessions[rep.Session]) != want {
			t.Errorf("%s: session %d, ordinal %d does not give its name", want, rep.Session, sessions[rep.Session])
		}
		per, err := report.ParsePeriod(rep.Period)
		if err != nil || rep.Date == "" || rep.Footnote == "" {
			t.Fatalf("%s: period %q (%v), date %q, footnote %q", f, rep.Period, err, rep.Date, rep.Footnote)
		}
		if rep.Symbol != "" {
			symbols++
		}
		for _, rec := range rep.Records {
			total++
			sections[rec.Section]++
			if rec.StateCode == "" {
				t.Errorf("%s: state %q not resolved", rec.Source, rec.State)
			}
			if rec.Start < per.Start.Format("2006-01-02") || rec.End > per.End.Format("2006-01-02") {
				t.Errorf("%s: %s..%s is outside the reporting period %s", rec.Source, rec.Start, rec.End, rep.Period)
			}
			if len(rec.Footnotes) > 0 {
				withNotes++
			}
			if rec.Activity == "" {
				t.Errorf("%s: empty activity", rec.Source)
			}
		}
	}
	if total != records {
		t.Errorf("parsed %d records, wrote %d", total, records)
	}
	for _, s := range sectionOrder {
		if sections[s] != st.Sections[s] {
			t.Errorf("section %s: parsed %d records, stats say %d", s, sections[s], st.Sections[s])
		}
	}
	if share := float64(sections["2(a)"]) / records; share < 0.45 || share > 0.53 {
		t.Errorf("2(a) has %.0f%% of the records, want about 49%%", share*100)
	}
	if symbols == 0 || symbols == len(files) {
		t.Errorf("%d of %d reports have a document symbol; about half should", symbols, len(files))
	}
	if withNotes != st.Footnotes {
		t.Errorf("%d records cite a footnote, stats say %d markers", withNotes, st.Footnotes)
	}
	for name, n := range map[string]int{"continuations": st.Continuations, "footnotes": st.Footnotes,
		"aliases": st.Aliases, "wrapped names": st.Wrapped, "wrapped footnotes": st.WrappedNotes,
		"comments": st.Comments, "page breaks": st.PageBreaks} {
		if n == 0 {
			t.Errorf("no %s were written: the corpus misses a case of the real format", name)
		}
	}
	for _, f := range DateForms() {
		if st.DateForms[f] == 0 {
			t.Errorf("date form %s never written", f)
		}
	}
	if st.States < 50 {
		t.Errorf("only %d distinct states", st.States)
	}
	t.Logf("%+v", st)
}

// TestRowsRoundTrip compares every parsed record with the row generated for it.
func TestRowsRoundTrip(t *testing.T) {
	m, err := loadMaterial()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		r := rand.New(rand.NewPCG(1, uint64(i)))
		rep := generate(m, r, reportSpec{index: i, session: 62, ordinal: 1, records: 100})
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		render(w, rep, r, newStats())
		w.Flush()
		got, err := report.ParseReport("r.zh.txt", buf.Bytes(), report.DefaultGazetteer())
		if err != nil {
			t.Fatal(err)
		}
		if got.Session != 62 || got.Period != "2006年6月至2007年5月" || got.Symbol != rep.symbol {
			t.Errorf("session %d, period %q, symbol %q (wrote %q)", got.Session, got.Period, got.Symbol, rep.symbol)
		}
		if len(got.Records) != len(rep.records) {
			t.Fatalf("parsed %d records, generated %d", len(got.Records), len(rep.records))
		}
		for j, g := range got.Records {
			want := rep.records[j]
			switch {
			case g.StateCode != want.state.Code || g.State != want.state.Name:
				t.Errorf("%s: state %s %s, want %s %s", g.Source, g.StateCode, g.State, want.state.Code, want.state.Name)
			case g.Section != want.section:
				t.Errorf("%s: section %s, want %s", g.Source, g.Section, want.section)
			case bare(g.Activity) != bare(want.activity):
				t.Errorf("%s: activity\n got %s\nwant %s", g.Source, g.Activity, want.activity)
			case bare(g.Comment) != bare(want.comment):
				t.Errorf("%s: comment\n got %s\nwant %s", g.Source, g.Comment, want.comment)
			case bare(g.Period) != bare(want.date):
				t.Errorf("%s: period %q, want %q", g.Source, g.Period, want.date)
			case len(g.Footnotes) != len(want.labels):
				t.Errorf("%s: %d footnotes, want %d", g.Source, len(g.Footnotes), len(want.labels))
			}
		}
	}
}

func TestWriteDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	opts := Options{Records: 250, Seed: 3, Workers: 3}
	for _, d := range []string{a, b} {
		if _, err := Write(d, opts); err != nil {
			t.Fatal(err)
		}
	}
	opts.Seed = 4
	if _, err := Write(c, opts); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(a, "*.txt"))
	if len(files) != 3 {
		t.Fatalf("%d files, want 3", len(files))
	}
	differs := false
	for _, f := range files {
		x, _ := os.ReadFile(f)
		y, _ := os.ReadFile(filepath.Join(b, filepath.Base(f)))
		z, _ := os.ReadFile(filepath.Join(c, filepath.Base(f)))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", filepath.Base(f))
		}
		differs = differs || !bytes.Equal(x, z)
	}
	if !differs {
		t.Error("another seed gave the same files")
	}
	if _, err := Write(a, opts); err == nil {
		t.Error("Write into a directory holding a corpus should fail")
	}
}

func TestWriteBadOptions(t *testing.T) {
	for _, o := range []Options{{}, {Records: -1}, {Records: 10, FirstSession: 990, Sessions: 30}} {
		if _, err := Write(t.TempDir(), o); err == nil {
			t.Errorf("Write(%+v) succeeded", o)
		}
	}
}

// BenchmarkGenerate measures the CPU cost of a report of 100 records,
// without the disk: a 1M-record corpus is 10,000 of them.
func BenchmarkGenerate(b *testing.B) {
	m, err := loadMaterial()
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(io.Discard, 256<<10)
	st := newStats()
	for i := 0; b.Loop(); i++ {
		r := rand.New(rand.NewPCG(1, uint64(i)))
		render(w, generate(m, r, reportSpec{index: i, session: 62, ordinal: 1, records: 100}), r, st)
	}
	w.Flush()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(st.Records), "ns/record")
}
