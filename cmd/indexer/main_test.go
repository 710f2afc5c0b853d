package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"ctbtsearch/index"
	"ctbtsearch/internal/testutil"
	"ctbtsearch/report"
)

const (
	sampleDir  = "../../data/reports"
	sample     = sampleDir + "/a62-ctbt-universality.zh.txt"
	second     = "../../report/testdata/a64-ctbt-universality.zh.txt"
	sampleRecs = 88
	bothRecs   = 118
)

// contractFields are the keys of one -dump line: report.Record's JSON tags.
var contractFields = []string{"id", "report", "session", "section", "section_title", "state", "state_code",
	"annex2", "period", "start", "end", "months", "activity", "comment", "footnotes", "source"}

// runIndexer calls run with fresh buffers and returns stdout, stderr and the error.
func runIndexer(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return runIndexerCtx(t.Context(), args...)
}

func runIndexerCtx(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := runIndexer(t, args...)
	if err != nil {
		t.Fatalf("run %q: %v\nstderr:\n%s", args, err, stderr)
	}
	return stdout, stderr
}

func dumpIDs(t *testing.T, dump string) []string {
	t.Helper()
	var ids []string
	for i, line := range strings.Split(strings.TrimSuffix(dump, "\n"), "\n") {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		var keys []string
		for k := range rec {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := slices.Sorted(slices.Values(contractFields))
		if !slices.Equal(keys, want) {
			t.Fatalf("line %d has fields %v, want %v", i+1, keys, want)
		}
		var id string
		if err := json.Unmarshal(rec["id"], &id); err != nil || id == "" {
			t.Fatalf("line %d: id %s is not a non-empty string", i+1, rec["id"])
		}
		ids = append(ids, id)
	}
	return ids
}

func TestDumpSample(t *testing.T) {
	out1, _ := mustRun(t, "-dump", sample)
	ids1 := dumpIDs(t, out1)
	if len(ids1) != sampleRecs {
		t.Fatalf("dump gives %d lines, want %d", len(ids1), sampleRecs)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(ids1)))) != len(ids1) {
		t.Errorf("ids are not unique: %v", ids1)
	}
	if ids1[0] != "a62-ctbt-universality-001" || ids1[sampleRecs-1] != "a62-ctbt-universality-088" {
		t.Errorf("ids run from %s to %s, want a62-ctbt-universality-001 to -088", ids1[0], ids1[sampleRecs-1])
	}
	out2, _ := mustRun(t, "-dump", sample)
	if ids2 := dumpIDs(t, out2); !slices.Equal(ids1, ids2) {
		t.Errorf("ids differ between two runs:\n%v\n%v", ids1, ids2)
	}
	if strings.Contains(out1, `\u003c`) || strings.Contains(out1, `\u0026`) {
		t.Errorf("dump escapes HTML characters")
	}
}

// The dump is the contract the parser's golden files pin down: same bytes,
// once the sources are made relative to the directory the goldens use.
func TestDumpMatchesParserGoldens(t *testing.T) {
	for _, tc := range []struct {
		name, file, golden, prefix string
	}{
		{"a62", sample, "../../report/testdata/a62.golden.jsonl", "../../"},
		{"a64", second, "../../report/testdata/a64.golden.jsonl", "../../report/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := mustRun(t, "-dump", tc.file)
			got := strings.ReplaceAll(out, `"source":"`+tc.prefix, `"source":"`)
			raw, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			// The golden's first line is the report header, not a record.
			_, want, _ := strings.Cut(string(raw), "\n")
			if got != want {
				t.Errorf("dump of %s differs from %s", tc.file, tc.golden)
			}
		})
	}
}

func TestDumpDeterministic(t *testing.T) {
	args := []string{"-dump", sampleDir, second}
	out1, err1 := mustRun(t, args...)
	out2, err2 := mustRun(t, args...)
	if out1 != out2 {
		t.Errorf("two -dump runs give different stdout")
	}
	if err1 != err2 {
		t.Errorf("two -dump runs give different stderr:\n%s\n---\n%s", err1, err2)
	}
	if n := strings.Count(out1, "\n"); n != bothRecs {
		t.Errorf("dump gives %d lines, want %d", n, bothRecs)
	}
	if !strings.Contains(err1, "a64-ctbt-universality.zh.txt:67: unknown state name \"欧洲联盟\"") {
		t.Errorf("warning for 欧洲联盟 not on stderr:\n%s", err1)
	}
	// Reports come in sorted path order, whatever the argument order.
	out3, _ := mustRun(t, "-dump", second, sampleDir)
	if out3 != out1 {
		t.Errorf("argument order changes the dump")
	}
}

// openCount opens the generation in service at loc and returns its path
// and record count.
func openCount(t *testing.T, loc string) (string, uint64) {
	t.Helper()
	ix, path, err := index.OpenCurrent(loc)
	if err != nil {
		t.Fatalf("open index: %v", err)
	}
	defer ix.Close()
	return path, ix.DocCount()
}

func TestBuildAndRebuild(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "index")
	_, stderr := mustRun(t, "-index", loc, sampleDir, second)
	path1, n := openCount(t, loc)
	if n != bothRecs {
		t.Errorf("index holds %d records, want %d", n, bothRecs)
	}
	for _, want := range []string{
		"a62-ctbt-universality", "a64-ctbt-universality",
		`a64-ctbt-universality.zh.txt:67: unknown state name "欧洲联盟"`,
		"118", "in service: " + path1,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
	// The table: one row per report with session, records and 1(a) 1(b) 2(a) 2(b).
	for _, re := range []string{
		`(?m)^report +session +records +1\(a\) +1\(b\) +2\(a\) +2\(b\)$`,
		`(?m)^a62-ctbt-universality +62 +88 +20 +14 +43 +11$`,
		`(?m)^a64-ctbt-universality +64 +30 +8 +7 +9 +6$`,
		`(?m)^total +118 +28 +21 +52 +17$`,
	} {
		if !regexp.MustCompile(re).MatchString(stderr) {
			t.Errorf("summary does not match %s:\n%s", re, stderr)
		}
	}

	_, stderr = mustRun(t, "-index", loc, sampleDir, second)
	path2, n := openCount(t, loc)
	if path2 == path1 {
		t.Errorf("second build left the same generation in service: %s", path2)
	}
	if n != bothRecs {
		t.Errorf("rebuilt index holds %d records, want %d", n, bothRecs)
	}
	if !strings.Contains(stderr, "in service: "+path2) {
		t.Errorf("summary does not name %s:\n%s", path2, stderr)
	}
	if _, err := os.Stat(path1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("old generation %s not removed (stat: %v)", path1, err)
	}
	entries, err := os.ReadDir(loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, "tmp-") || (strings.HasPrefix(name, "gen-") && filepath.Join(loc, name) != path2) {
			t.Errorf("leftover in index location: %s", name)
		}
	}
}

func compareTrees(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s: removed", p)
		} else if a != b {
			t.Errorf("%s: was %s, now %s", p, b, a)
		}
	}
	for p, a := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: added (%s)", p, a)
		}
	}
}

// writeBadSample writes a copy of the sample with an impossible month in the
// period of the first activity row, and returns its path and that row's line.
func writeBadSample(t *testing.T, dir string) (string, int) {
	t.Helper()
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	bad := 0
	for i, line := range lines {
		cells := strings.Split(line, "\t")
		if len(cells) == 4 && cells[0] != "" && strings.HasPrefix(cells[1], "2006年") {
			cells[1] = "2006年13月"
			lines[i] = strings.Join(cells, "\t")
			bad = i + 1
			break
		}
	}
	if bad == 0 {
		t.Fatal("no activity row found in the sample")
	}
	path := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, bad
}

func TestBadFileLeavesIndexUntouched(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "index")
	mustRun(t, "-index", loc, sample)
	linkBefore, err := os.Readlink(filepath.Join(loc, "current"))
	if err != nil {
		t.Fatal(err)
	}
	before := testutil.TreeHash(t, loc)

	bad, line := writeBadSample(t, t.TempDir())
	stdout, stderr, err := runIndexer(t, "-index", loc, sampleDir, bad, second)
	if err == nil {
		t.Fatalf("run succeeded with a bad file; stderr:\n%s", stderr)
	}
	want := fmt.Sprintf("bad.txt:%d:", line)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error does not contain %q:\n%v", want, err)
	}
	if !strings.Contains(err.Error(), "month 13") {
		t.Errorf("error does not say what is wrong:\n%v", err)
	}
	var pe *report.ParseError
	if !errors.As(err, &pe) || pe.Line != line {
		t.Errorf("errors.As(*report.ParseError) = %v, want line %d", pe, line)
	}
	if stdout != "" || strings.Contains(stderr, "in service") {
		t.Errorf("a failed run printed a summary:\nstdout: %s\nstderr: %s", stdout, stderr)
	}

	compareTrees(t, before, testutil.TreeHash(t, loc))
	if linkAfter, err := os.Readlink(filepath.Join(loc, "current")); err != nil || linkAfter != linkBefore {
		t.Errorf("current link is %q (%v), was %q", linkAfter, err, linkBefore)
	}
}

func TestCancelledLeavesIndexUntouched(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "index")
	mustRun(t, "-index", loc, sample)
	before := testutil.TreeHash(t, loc)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := runIndexerCtx(ctx, "-index", loc, sampleDir, second)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run with a cancelled context: err = %v, want context.Canceled", err)
	}
	compareTrees(t, before, testutil.TreeHash(t, loc))
}

func TestErrors(t *testing.T) {
	tmp := t.TempDir()
	write := func(rel string, data []byte) string {
		p := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	noReports := filepath.Join(tmp, "noreports")
	write("noreports/README.md", []byte("not a report"))
	write("noreports/.hidden.txt", raw)
	write("noreports/.git/x.txt", raw)
	dupA := write("dup/a/a62-ctbt-universality.zh.txt", raw)
	dupB := write("dup/b/a62-ctbt-universality.txt", raw)
	missing := filepath.Join(tmp, "missing.txt")

	for _, tc := range []struct {
		name string
		args []string
		want []string // substrings of the error
	}{
		{"directory without reports", []string{noReports}, []string{noReports, "no report files"}},
		{"missing file", []string{sample, missing}, []string{missing + ": cannot read report"}},
		{"duplicate report id", []string{filepath.Join(tmp, "dup")}, []string{`"a62-ctbt-universality"`, dupA, dupB}},
		{"not a report", []string{filepath.Join(noReports, "README.md")}, []string{"README.md: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := filepath.Join(t.TempDir(), "index")
			_, _, err := runIndexer(t, append([]string{"-index", loc}, tc.args...)...)
			if err == nil {
				t.Fatal("run succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if _, err := os.Stat(loc); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("failed run created the index location (stat: %v)", err)
			}
		})
	}
}

func TestCollectFiles(t *testing.T) {
	tmp := t.TempDir()
	for _, rel := range []string{"b/two.TXT", "a/one.txt", "a/notes.md", "a/.hidden.txt", ".dot/x.txt", "c/explicit.dat"} {
		p := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("one.txt", filepath.Join(tmp, "a", "link.txt")); err != nil {
		t.Fatal(err)
	}
	explicit := filepath.Join(tmp, "c", "explicit.dat")
	got, err := report.FindReportFiles([]string{explicit, tmp, filepath.Join(tmp, "a", "one.txt")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(tmp, "a", "link.txt"),
		filepath.Join(tmp, "a", "one.txt"),
		filepath.Join(tmp, "b", "two.TXT"),
		explicit,
	}
	if !slices.Equal(got, want) {
		t.Errorf("FindReportFiles =\n%q\nwant\n%q", got, want)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string // "" for success
	}{
		{"no arguments", nil, "no report files or directories given"},
		{"only flags", []string{"-dump"}, "no report files or directories given"},
		{"unknown flag", []string{"-bogus", sample}, "flag provided but not defined: -bogus"},
		{"flag without value", []string{"-index"}, "flag needs an argument"},
		{"help", []string{"-h"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, err := runIndexer(t, tc.args...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("err = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
			if !strings.HasPrefix(stderr, "usage: indexer [-index DIR] [-dump] FILE|DIR...") {
				t.Errorf("stderr does not start with the usage:\n%s", stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
		})
	}
}

func TestIndexLocation(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/cache")
	t.Setenv("HOME", "/home/u")
	for _, tc := range []struct {
		name, env, flag, want string
	}{
		{"default", "", "", "/cache/ctbtsearch/index"},
		{"env", "/env/ix", "", "/env/ix"},
		{"flag wins over env", "/env/ix", "/flag/ix", "/flag/ix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(envIndex, tc.env)
			got, err := indexLocation(tc.flag)
			if err != nil || got != tc.want {
				t.Errorf("indexLocation(%q) with %s=%q = %q, %v; want %q", tc.flag, envIndex, tc.env, got, err, tc.want)
			}
		})
	}
}

func TestEnvIndexUsed(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "from-env")
	t.Setenv(envIndex, loc)
	mustRun(t, sample)
	if _, n := openCount(t, loc); n != sampleRecs {
		t.Errorf("index at $%s holds %d records, want %d", envIndex, n, sampleRecs)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, bothRecs, true)
	p.set(100)
	p.set(bothRecs)
	p.done()
	if !strings.Contains(buf.String(), "118/118") {
		t.Errorf("progress bar output lacks 118/118: %q", buf.String())
	}
	buf.Reset()
	p = newProgress(&buf, bothRecs, false)
	p.set(bothRecs)
	p.done()
	if buf.Len() != 0 {
		t.Errorf("quiet progress wrote %q", buf.String())
	}
}

func BenchmarkIndexSample(b *testing.B) {
	rep, err := report.ParseReportFile(sample, report.DefaultGazetteer())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Parse", func(b *testing.B) {
		gz := report.DefaultGazetteer()
		for b.Loop() {
			if _, err := report.ParseReportFile(sample, gz); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Memory", func(b *testing.B) {
		for b.Loop() {
			ix, err := index.NewMemory()
			if err != nil {
				b.Fatal(err)
			}
			if err := ix.Add(b.Context(), nil, rep); err != nil {
				b.Fatal(err)
			}
			ix.Close()
		}
		b.ReportMetric(float64(len(rep.Records)*b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("Publish", func(b *testing.B) {
		root := b.TempDir()
		i := 0
		for b.Loop() {
			i++
			loc := filepath.Join(root, fmt.Sprint(i))
			if _, err := index.Publish(b.Context(), loc, []*report.Report{rep}, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rep.Records)*b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
