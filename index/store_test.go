package index

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ctbtsearch"
	"ctbtsearch/internal/testutil"
	"ctbtsearch/report"
)

// Totals of the two report sets the store and live tests publish.
const (
	oneReportTotal  = 88  // the bundled sample, a62
	twoReportsTotal = 118 // a62 and the a64 fixture
)

// reportSets returns the bundled sample alone and the sample with the second
// fixture: two different, valid contents for an index location.
func reportSets(t testing.TB) (one, two []*report.Report) {
	t.Helper()
	one, err := report.BundledReports()
	if err != nil {
		t.Fatal(err)
	}
	a64, err := report.ParseReportFile("../report/testdata/a64-ctbt-universality.zh.txt", report.DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	return one, append(slices.Clone(one), a64)
}

// copies returns n copies of rep under distinct report and record ids.
func copies(rep *report.Report, n int) []*report.Report {
	out := make([]*report.Report, n)
	for i := range out {
		c := *rep
		c.ID = fmt.Sprintf("%s-copy%03d", rep.ID, i)
		c.File = c.ID + ".txt"
		c.Records = slices.Clone(rep.Records)
		for j := range c.Records {
			c.Records[j].ID = fmt.Sprintf("%s-%03d", c.ID, j+1)
			c.Records[j].Report = c.ID
		}
		out[i] = &c
	}
	return out
}

func compareTrees(t testing.TB, before, after map[string]string) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(before)) {
		if a, ok := after[p]; !ok {
			t.Errorf("%s: removed", p)
		} else if a != before[p] {
			t.Errorf("%s: was %s, now %s", p, before[p], a)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: added (%s)", p, after[p])
		}
	}
}

// checkClean fails unless loc holds exactly .lock, current and the one
// generation current names: no tmp-* and no stale gen-*.
func checkClean(t testing.TB, loc string) {
	t.Helper()
	cur, err := CurrentPath(loc)
	if err != nil {
		t.Fatalf("current: %v", err)
	}
	want := []string{lockFile, currentLink, filepath.Base(cur)}
	slices.Sort(want)
	if names := fileNames(t, loc); !slices.Equal(names, want) {
		t.Errorf("location holds %q, want %q", names, want)
	}
}

func searchTotal(t testing.TB, ix interface {
	Search(context.Context, Request) (*Result, error)
}) uint64 {
	t.Helper()
	res, err := ix.Search(context.Background(), Request{})
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	return res.Total
}

// A build that fails leaves the location exactly as it was: same current
// link, same files, no tmp-* directory. Each case fails at another stage.
//
// Not covered here: a disk that fills up for real or a write that fails with
// EIO. Neither can be arranged portably (a small tmpfs or loop device needs
// mount privileges, and as root — as CI runs — chmod 0555 does not stop
// writes). The "file too large" case comes closest: RLIMIT_FSIZE makes every
// write past 64 KiB fail with EFBIG, which is how Bleve sees a full disk, and
// it takes the same error path (remove the temporary build, keep current).
func TestPublishFailureLeavesLocationUntouched(t *testing.T) {
	one, two := reportSets(t)
	badDate := func() []*report.Report {
		// More than one batch (1000 records) is written before the bad
		// record is reached, so the temporary build has files on disk.
		reps := copies(one[0], 12)
		last := reps[len(reps)-1]
		last.Records[len(last.Records)-1].Start = "not a date"
		return reps
	}

	for _, tc := range []struct {
		name    string
		reports []*report.Report
		setup   func(t *testing.T) (context.Context, func(int))
		check   func(t *testing.T, err error)
		// ownProcess runs the case in a child test process: a file-size
		// limit is process-wide and would also break the test binary's own
		// log writes (go test's testlog.txt) and any other test running.
		ownProcess bool
	}{
		{
			name:    "cancelled before the build",
			reports: two,
			setup: func(t *testing.T) (context.Context, func(int)) {
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				return ctx, nil
			},
			check: wantErrIs(context.Canceled),
		},
		{
			// The progress callback runs after the last batch; cancelling
			// there makes Publish fail after the index is complete and
			// closed, just before it would be put in service.
			name:    "cancelled after the last batch",
			reports: two,
			setup: func(t *testing.T) (context.Context, func(int)) {
				ctx, cancel := context.WithCancel(t.Context())
				return ctx, func(n int) {
					if n == twoReportsTotal {
						cancel()
					}
				}
			},
			check: wantErrIs(context.Canceled),
		},
		{
			name:    "cancelled between batches",
			reports: copies(one[0], 24), // 2112 records: three batches
			setup: func(t *testing.T) (context.Context, func(int)) {
				ctx, cancel := context.WithCancel(t.Context())
				return ctx, func(n int) {
					if n == 1000 {
						cancel()
					}
				}
			},
			check: wantErrIs(context.Canceled),
		},
		{
			name:    "a record Add refuses",
			reports: badDate(),
			setup: func(t *testing.T) (context.Context, func(int)) {
				return t.Context(), nil
			},
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "start") {
					t.Errorf("err = %v, want one about the bad start date", err)
				}
			},
		},
		{
			name:       "file too large (RLIMIT_FSIZE, like a full disk)",
			ownProcess: true,
			reports:    two,
			setup:      limitFileSize(64 << 10),
			check: func(t *testing.T, err error) {
				// Bleve formats the write error into its own with %v, so
				// errors.Is(err, syscall.EFBIG) does not hold.
				if err == nil || !strings.Contains(err.Error(), syscall.EFBIG.Error()) {
					t.Errorf("err = %v, want one saying %q", err, syscall.EFBIG.Error())
				}
			},
		},
		{
			// Each batch's segment and the record files fit under the
			// limit (at most 1.6 MB for these 3,520 records); the merged
			// segment (2.6 MB) does not. Bleve retries a failed merge until
			// the index is closed: the build must fail, not wait forever.
			name:       "the merge's segment too large (RLIMIT_FSIZE, like a full disk)",
			ownProcess: true,
			reports:    copies(one[0], 40),
			setup:      limitFileSize(2300 << 10),
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "merge segments") {
					t.Errorf("err = %v, want one saying the merge failed", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ownProcess && os.Getenv(childEnv) != "1" {
				runInChild(t)
				return
			}
			loc := filepath.Join(t.TempDir(), "index")
			if _, err := Publish(t.Context(), loc, one, nil); err != nil {
				t.Fatal(err)
			}
			before := testutil.TreeHash(t, loc)
			link, _ := os.Readlink(filepath.Join(loc, currentLink))

			ctx, progress := tc.setup(t)
			path, err := Publish(ctx, loc, tc.reports, progress)
			tc.check(t, err)
			if err == nil {
				t.Fatalf("Publish succeeded: %s", path)
			}

			compareTrees(t, before, testutil.TreeHash(t, loc))
			if after, _ := os.Readlink(filepath.Join(loc, currentLink)); after != link {
				t.Errorf("current is %q, was %q", after, link)
			}
			checkClean(t, loc)
			ix, _, err := OpenCurrent(loc)
			if err != nil {
				t.Fatalf("the generation in service no longer opens: %v", err)
			}
			defer ix.Close()
			if n := searchTotal(t, ix); n != oneReportTotal {
				t.Errorf("serving %d records, want %d", n, oneReportTotal)
			}
		})
	}
}

const childEnv = "CTBT_TEST_CHILD"

// limitFileSize is a case's setup that limits the size of every file the
// process writes (RLIMIT_FSIZE: a write past it fails with EFBIG, as Bleve
// sees a full disk) until the case ends. The limit is process-wide: such
// cases run in a child process (ownProcess), and no test in this package
// runs in parallel.
func limitFileSize(bytes uint64) func(t *testing.T) (context.Context, func(int)) {
	return func(t *testing.T) (context.Context, func(int)) {
		var old syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
			t.Skipf("getrlimit: %v", err)
		}
		lim := syscall.Rlimit{Cur: bytes, Max: old.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Skipf("setrlimit: %v", err)
		}
		t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old) })
		return t.Context(), nil
	}
}

// runInChild runs the current test alone in a new process of the test
// binary and fails if it fails there.
func runInChild(t *testing.T) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(strings.Split(t.Name(), "/")[0])+"$/^"+regexp.QuoteMeta(strings.ReplaceAll(strings.Split(t.Name(), "/")[1], " ", "_"))+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("in a child process: %v\n%s", err, out)
	}
}

func wantErrIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Errorf("err = %v, want %v", err, target)
		}
	}
}

// What a build killed at any moment leaves behind — its temporary directory,
// a temporary link, a generation that was never put in service, an old
// generation not yet removed — is removed by the next Publish, and none of it
// disturbs the generation in service meanwhile.
func TestPublishRemovesLeftoversOfCrashedBuilds(t *testing.T) {
	one, two := reportSets(t)
	loc := filepath.Join(t.TempDir(), "index")
	first, err := Publish(t.Context(), loc, one, nil)
	if err != nil {
		t.Fatal(err)
	}
	write := func(rel, data string) {
		p := filepath.Join(loc, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A build killed while indexing: a tmp-* directory with a partial index.
	write("tmp-123456/index/store/000000000002.zap", "partial segment")
	write("tmp-123456/index/index_meta.json", `{"storage":"zap","index_type":"scorch"}`)
	// Killed after renaming the build into place, before the swap: a
	// complete generation that never went into service, and its link.
	write("gen-20000101T000000.000000001/index_meta.json", "{}")
	if err := os.Symlink("gen-20000101T000000.000000001", filepath.Join(loc, "tmp-link-gen-20000101T000000.000000001")); err != nil {
		t.Fatal(err)
	}
	// An empty tmp-* directory (killed right after MkdirTemp) and a stale
	// generation that sorts after the one in service.
	if err := os.Mkdir(filepath.Join(loc, "tmp-999"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("gen-99991231T235959.999999999/store/root.bolt", "stale")

	// None of it disturbs reading the generation in service.
	ix, path, err := OpenCurrent(loc)
	if err != nil || path != first {
		t.Fatalf("OpenCurrent = %s, %v; want %s", path, err, first)
	}
	if n := searchTotal(t, ix); n != oneReportTotal {
		t.Errorf("serving %d records, want %d", n, oneReportTotal)
	}
	ix.Close()

	second, err := Publish(t.Context(), loc, two, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, loc)
	if cur, _ := CurrentPath(loc); cur != second {
		t.Errorf("current is %s, want %s", cur, second)
	}
	ix, _, err = OpenCurrent(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if n := searchTotal(t, ix); n != twoReportsTotal {
		t.Errorf("serving %d records, want %d", n, twoReportsTotal)
	}
}

// Two builds on one location do not interleave: the second fails at once
// with an error that says why, and the first completes undisturbed.
func TestPublishConcurrentBuildFailsFast(t *testing.T) {
	one, two := reportSets(t)
	loc := filepath.Join(t.TempDir(), "index")
	if _, err := Publish(t.Context(), loc, one, nil); err != nil {
		t.Fatal(err)
	}

	// The first build stops in its progress callback, holding the lock,
	// until the second one has had its answer.
	inBuild := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	type result struct {
		path string
		err  error
	}
	firstDone := make(chan result, 1)
	go func() {
		path, err := Publish(context.Background(), loc, two, func(int) {
			once.Do(func() {
				close(inBuild)
				<-release
			})
		})
		firstDone <- result{path, err}
	}()
	select {
	case <-inBuild:
	case r := <-firstDone:
		t.Fatalf("first build ended before its progress callback: %v", r.err)
	case <-time.After(30 * time.Second):
		t.Fatal("first build never reached its progress callback")
	}

	began := time.Now()
	_, err := Publish(t.Context(), loc, one, nil)
	took := time.Since(began)
	close(release)
	if err == nil || !strings.Contains(err.Error(), "another indexer") || !strings.Contains(err.Error(), loc) {
		t.Errorf("second build: err = %v, want an \"another indexer\" error naming %s", err, loc)
	}
	if took > time.Second {
		t.Errorf("second build took %v to fail; it must not wait for the lock", took)
	}

	r := <-firstDone
	if r.err != nil {
		t.Fatalf("first build: %v", r.err)
	}
	if cur, _ := CurrentPath(loc); cur != r.path {
		t.Errorf("current is %s, want the first build's %s", cur, r.path)
	}
	checkClean(t, loc)

	// The lock is released: a third build goes through.
	if _, err := Publish(t.Context(), loc, one, nil); err != nil {
		t.Errorf("build after the lock was released: %v", err)
	}
}

// The lock is an flock on .lock, which another process holds the same way; a
// second open file description in this process stands in for it.
func TestPublishLockedByAnotherProcess(t *testing.T) {
	one, _ := reportSets(t)
	loc := filepath.Join(t.TempDir(), "index")
	if _, err := Publish(t.Context(), loc, one, nil); err != nil {
		t.Fatal(err)
	}
	before := testutil.TreeHash(t, loc)
	f, err := os.OpenFile(filepath.Join(loc, lockFile), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	_, err = Publish(t.Context(), loc, one, nil)
	if err == nil || !strings.Contains(err.Error(), "another indexer is building there") {
		t.Errorf("err = %v, want \"another indexer is building there\"", err)
	}
	compareTrees(t, before, testutil.TreeHash(t, loc))
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if _, err := Publish(t.Context(), loc, one, nil); err != nil {
		t.Errorf("after unlock: %v", err)
	}
}

func TestOpenCurrentErrors(t *testing.T) {
	t.Run("empty directory", func(t *testing.T) {
		_, _, err := OpenCurrent(t.TempDir())
		if !errors.Is(err, ErrNoIndex) {
			t.Errorf("err = %v, want ErrNoIndex", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, _, err := OpenCurrent(filepath.Join(t.TempDir(), "nothing", "here"))
		if !errors.Is(err, ErrNoIndex) {
			t.Errorf("err = %v, want ErrNoIndex", err)
		}
	})
	t.Run("current names a missing generation", func(t *testing.T) {
		loc := t.TempDir()
		if err := os.Symlink("gen-20260101T000000.000000000", filepath.Join(loc, currentLink)); err != nil {
			t.Fatal(err)
		}
		_, _, err := OpenCurrent(loc)
		if err == nil || errors.Is(err, ErrNoIndex) {
			t.Fatalf("err = %v, want an error other than ErrNoIndex", err)
		}
		for _, want := range []string{filepath.Join(loc, "gen-20260101T000000.000000000"), "does not exist"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
		}
	})
	t.Run("current is not a link", func(t *testing.T) {
		loc := t.TempDir()
		if err := os.Mkdir(filepath.Join(loc, currentLink), 0o755); err != nil {
			t.Fatal(err)
		}
		_, _, err := OpenCurrent(loc)
		if err == nil || errors.Is(err, ErrNoIndex) || !strings.Contains(err.Error(), loc) {
			t.Errorf("err = %v, want an error naming %s", err, loc)
		}
	})
}

// current must name a generation directory beside it. A link elsewhere —
// planted, or made by hand — is refused rather than followed.
func TestCurrentPathRejectsLinksOutside(t *testing.T) {
	for _, target := range []string{
		"/etc",
		"/tmp/gen-1",
		"../gen-1",
		"..",
		".",
		"gen-1/../../etc",
		"gen-1/..",
		"sub/gen-1",
		"./gen-1",
		"tmp-123",
		"index",
	} {
		t.Run(target, func(t *testing.T) {
			loc := t.TempDir()
			if err := os.Symlink(target, filepath.Join(loc, currentLink)); err != nil {
				t.Fatal(err)
			}
			p, err := CurrentPath(loc)
			if err == nil {
				t.Fatalf("CurrentPath = %s, want an error", p)
			}
			if errors.Is(err, ErrNoIndex) || !strings.Contains(err.Error(), "not a generation of this program") {
				t.Errorf("err = %v, want \"not a generation of this program\"", err)
			}
			if _, _, err := OpenCurrent(loc); err == nil {
				t.Errorf("OpenCurrent accepted %q", target)
			}
		})
	}
	loc := t.TempDir()
	if err := os.Symlink("gen-20260101T000000.000000000", filepath.Join(loc, currentLink)); err != nil {
		t.Fatal(err)
	}
	if p, err := CurrentPath(loc); err != nil || p != filepath.Join(loc, "gen-20260101T000000.000000000") {
		t.Errorf("CurrentPath of a good link = %s, %v", p, err)
	}
}

// An edit to the gazetteer changes what is indexed (state names, codes,
// Annex 2 marks), so it must change the fingerprint and trigger a rebuild.
func TestFingerprintCoversGazetteer(t *testing.T) {
	base := fingerprintOf(ctbtsearch.MappingJSON, ctbtsearch.GazetteerCSV)
	if base != MappingFingerprint() {
		t.Fatalf("MappingFingerprint() = %s, fingerprintOf the embedded files = %s", MappingFingerprint(), base)
	}
	edited := append(bytes.Clone(ctbtsearch.GazetteerCSV), "XXX,测试国,,Testland,false,\n"...)
	if got := fingerprintOf(ctbtsearch.MappingJSON, edited); got == base {
		t.Errorf("fingerprint unchanged after a gazetteer edit: %s", got)
	}
	mapping := append(bytes.Clone(ctbtsearch.MappingJSON), ' ')
	if got := fingerprintOf(mapping, ctbtsearch.GazetteerCSV); got == base {
		t.Errorf("fingerprint unchanged after a mapping edit: %s", got)
	}
}

// Publish records every file of a generation in its manifest, and
// VerifyGeneration finds each kind of damage, naming the file.
func TestVerifyGeneration(t *testing.T) {
	one, _ := reportSets(t)
	model, err := Publish(t.Context(), filepath.Join(t.TempDir(), "model"), one, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyGeneration(model, true); err != nil {
		t.Fatalf("a fresh generation: %v", err)
	}
	var segment string
	filepath.WalkDir(model, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".zap") {
			segment, _ = filepath.Rel(model, p)
		}
		return err
	})
	overwrite := func(t *testing.T, p string, off int64, data string) {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte(data), off); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name      string
		damage    func(t *testing.T, gen string)
		sizesOnly bool   // found by the size check alone
		want      string // in the error; "" for no error
	}{
		{"untouched", func(t *testing.T, gen string) {}, true, ""},
		{"truncated segment", func(t *testing.T, gen string) {
			st, _ := os.Stat(filepath.Join(gen, segment))
			os.Truncate(filepath.Join(gen, segment), st.Size()-1)
		}, true, segment + ": "},
		{"segment grown", func(t *testing.T, gen string) {
			st, _ := os.Stat(filepath.Join(gen, segment))
			os.Truncate(filepath.Join(gen, segment), st.Size()+4096)
		}, true, segment + ": "},
		{"missing segment", func(t *testing.T, gen string) { os.Remove(filepath.Join(gen, segment)) }, true, segment + ": missing"},
		{"one byte changed", func(t *testing.T, gen string) {
			// Flipped, not overwritten with a constant: the byte may already
			// hold any value, since documents differ from build to build.
			p := filepath.Join(gen, segment)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			overwrite(t, p, 500, string([]byte{^data[500]}))
		}, false, "checksum mismatch"},
		{"bolt file overwritten", func(t *testing.T, gen string) {
			overwrite(t, filepath.Join(gen, "shard-0", "store", "root.bolt"), 4096, strings.Repeat("x", 400))
		}, false, "root.bolt"},
		{"garbage manifest", func(t *testing.T, gen string) { os.WriteFile(filepath.Join(gen, manifestName), []byte("{"), 0o644) }, true, "manifest is unreadable"},
		{"manifest naming a file outside", func(t *testing.T, gen string) {
			os.WriteFile(filepath.Join(gen, manifestName), []byte(`{"files":[{"path":"../x","size":1}]}`), 0o644)
		}, true, "outside the generation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gen := filepath.Join(t.TempDir(), "gen-1")
			if out, err := exec.Command("cp", "-a", model, gen).CombinedOutput(); err != nil {
				t.Skipf("cp -a: %v %s", err, out)
			}
			tc.damage(t, gen)
			for _, full := range []bool{false, true} {
				err := VerifyGeneration(gen, full)
				found := !full && tc.sizesOnly || full
				switch {
				case tc.want == "" || !found:
					if err != nil {
						t.Errorf("VerifyGeneration(full=%v) = %v, want nil", full, err)
					}
				case err == nil || !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "gen-1"):
					t.Errorf("VerifyGeneration(full=%v) = %v, want ErrDamaged naming gen-1 and %q", full, err, tc.want)
				}
			}
			if _, err := OpenChecked(gen); (err == nil) != (tc.want == "") {
				t.Errorf("OpenChecked = %v", err)
			}
		})
	}
	t.Run("no manifest", func(t *testing.T) {
		gen := filepath.Join(t.TempDir(), "gen-1")
		exec.Command("cp", "-a", model, gen).Run()
		os.Remove(filepath.Join(gen, manifestName))
		if err := VerifyGeneration(gen, true); !errors.Is(err, ErrNoManifest) {
			t.Errorf("VerifyGeneration = %v, want ErrNoManifest", err)
		}
		ix, err := OpenChecked(gen) // generations of older indexers still open
		if err != nil {
			t.Fatalf("OpenChecked = %v", err)
		}
		ix.Close()
	})
}
