package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"ctbtsearch/index"
	"ctbtsearch/internal/testutil"
)

// crashCopies is how many renamed copies of the sample make the large input:
// 30 × 88 = 2,640 records, a build of about a second on the CI machine, long
// enough to be killed at every stage.
const crashCopies = 30

// buildIndexer builds the real indexer binary into a temporary directory.
func buildIndexer(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build the indexer with: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "indexer")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// largeInput writes n copies of the sample report under distinct file names,
// hence distinct report and record ids.
func largeInput(t *testing.T, n int) string {
	t.Helper()
	raw, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i := range n {
		name := fmt.Sprintf("a62-ctbt-universality-copy%03d.zh.txt", i)
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// servedTotal opens the generation in service as a server would and returns
// the total of a search for everything.
func servedTotal(loc string) (uint64, string, error) {
	ix, path, err := index.OpenCurrent(loc)
	if err != nil {
		return 0, "", err
	}
	defer ix.Close()
	res, err := ix.Search(context.Background(), index.Request{})
	if err != nil {
		return 0, path, err
	}
	return res.Total, path, nil
}

// leftovers lists the tmp-* entries and the gen-* directories other than
// the one in service.
func leftovers(t *testing.T, loc string) []string {
	t.Helper()
	cur, _ := index.CurrentPath(loc)
	entries, err := os.ReadDir(loc)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "tmp-") || (strings.HasPrefix(name, "gen-") && filepath.Join(loc, name) != cur) {
			out = append(out, name)
		}
	}
	return out
}

// Stages of a build, observed from outside as a watcher of the location
// would see them. Each returns true once the build has reached it.
func buildStarted(loc, _ string) bool {
	entries, _ := os.ReadDir(loc)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "tmp-") {
			return true
		}
	}
	return false
}

func segmentWritten(loc, _ string) bool {
	found := false
	tmps, _ := filepath.Glob(filepath.Join(loc, "tmp-*"))
	for _, tmp := range tmps {
		filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".zap") {
				found = true
				return filepath.SkipAll
			}
			return nil
		})
	}
	return found
}

// newGeneration: the build has been renamed to gen-*, and the link swap is
// microseconds away (or just done).
func newGeneration(loc, initial string) bool {
	gens, _ := filepath.Glob(filepath.Join(loc, "gen-*"))
	for _, g := range gens {
		if g != initial {
			return true
		}
	}
	return false
}

func linkSwitched(loc, initial string) bool {
	cur, err := index.CurrentPath(loc)
	return err == nil && cur != initial
}

// The indexer is killed with SIGKILL at several moments of a large build:
// while parsing, while indexing, around the swap of the current link. After
// each kill the location still serves a complete index — the previous one,
// or the new one if the swap was done — and never an error; the next run
// completes, serves the new index and leaves nothing behind.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the indexer and kills it mid-build; skipped in -short mode")
	}
	began := time.Now()
	bin := buildIndexer(t)
	input := largeInput(t, crashCopies)
	const newTotal = crashCopies * sampleRecs
	t.Logf("built the indexer in %v", time.Since(began).Round(time.Millisecond))

	// A complete run first: what "new" looks like, and how long a build takes.
	refLoc := filepath.Join(t.TempDir(), "ref")
	refBegan := time.Now()
	if out, err := exec.Command(bin, "-index", refLoc, input).CombinedOutput(); err != nil {
		t.Fatalf("reference build: %v\n%s", err, out)
	}
	buildTime := time.Since(refBegan)
	if n, _, err := servedTotal(refLoc); err != nil || n != newTotal {
		t.Fatalf("reference build serves %d records (%v), want %d", n, err, newTotal)
	}
	t.Logf("a complete build of %d records takes %v", newTotal, buildTime.Round(time.Millisecond))

	for _, kp := range []struct {
		name  string
		after time.Duration                  // kill this long after the start…
		when  func(loc, initial string) bool // …or as soon as this holds
	}{
		{name: "after 50ms", after: 50 * time.Millisecond},
		{name: "after 150ms", after: 150 * time.Millisecond},
		{name: "after 400ms", after: 400 * time.Millisecond},
		{name: "build directory created", when: buildStarted},
		{name: "first segment on disk", when: segmentWritten},
		{name: "new generation renamed into place", when: newGeneration},
		{name: "current switched", when: linkSwitched},
	} {
		t.Run(kp.name, func(t *testing.T) {
			loc := filepath.Join(t.TempDir(), "index")
			if out, err := exec.Command(bin, "-index", loc, sampleDir).CombinedOutput(); err != nil {
				t.Fatalf("initial build: %v\n%s", err, out)
			}
			initial, err := index.CurrentPath(loc)
			if err != nil {
				t.Fatal(err)
			}

			var stderr bytes.Buffer
			cmd := exec.Command(bin, "-index", loc, input)
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			finished := false // the build ended before the kill point
			var waitErr error
			if kp.when == nil {
				select {
				case waitErr = <-exited:
					finished = true
				case <-time.After(kp.after):
				}
			} else {
				deadline := time.Now().Add(30 * time.Second)
			poll:
				for !kp.when(loc, initial) {
					select {
					case waitErr = <-exited:
						finished = true
						break poll
					default:
					}
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						t.Fatalf("the build never reached the kill point")
					}
					time.Sleep(100 * time.Microsecond)
				}
			}
			at := time.Since(start)
			if !finished {
				cmd.Process.Kill()
				waitErr = <-exited
			}
			killed := false
			var ee *exec.ExitError
			if errors.As(waitErr, &ee) {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
					killed = true
				}
			}
			if !killed && waitErr != nil {
				t.Fatalf("the indexer failed by itself: %v\n%s", waitErr, stderr.String())
			}

			// The location serves a complete index, old or new.
			left := leftovers(t, loc)
			total, path, err := servedTotal(loc)
			if err != nil {
				t.Fatalf("after a kill at %v the index in service does not work: %v", at, err)
			}
			switch {
			case total == sampleRecs && path == initial:
			case total == newTotal && path != initial:
			default:
				t.Fatalf("after a kill at %v serving %d records from %s; want %d from %s or %d from a new generation",
					at, total, path, sampleRecs, initial, newTotal)
			}
			outcome := "killed"
			if !killed {
				outcome = "finished before the kill point"
			}
			served := "old"
			if path != initial {
				served = "new"
			}
			t.Logf("%s at %v: serving the %s index (%d records); left behind: %q", outcome, at.Round(time.Millisecond), served, total, left)

			// The next run completes and cleans up.
			if out, err := exec.Command(bin, "-index", loc, input).CombinedOutput(); err != nil {
				t.Fatalf("run after the kill: %v\n%s", err, out)
			}
			total, path, err = servedTotal(loc)
			if err != nil || total != newTotal || path == initial {
				t.Errorf("after the next run serving %d records from %s (%v); want %d from a new generation", total, path, err, newTotal)
			}
			if left := leftovers(t, loc); len(left) > 0 {
				t.Errorf("leftovers after the next run: %q", left)
			}
		})
	}

	// An interrupt (Ctrl-C, SIGTERM) stops the build cleanly: status 1, a
	// message, nothing left behind; and a second indexer started meanwhile
	// on the same location is refused at once.
	t.Run("interrupted, with a second indexer", func(t *testing.T) {
		loc := filepath.Join(t.TempDir(), "index")
		if out, err := exec.Command(bin, "-index", loc, sampleDir).CombinedOutput(); err != nil {
			t.Fatalf("initial build: %v\n%s", err, out)
		}
		initial, _ := index.CurrentPath(loc)
		before := testutil.TreeHash(t, loc)

		var stderr bytes.Buffer
		cmd := exec.Command(bin, "-index", loc, input)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for !segmentWritten(loc, initial) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the build never wrote a segment")
			}
			time.Sleep(100 * time.Microsecond)
		}

		secondBegan := time.Now()
		out, err := exec.Command(bin, "-index", loc, sampleDir).CombinedOutput()
		secondTook := time.Since(secondBegan)
		if err == nil || !strings.Contains(string(out), "another indexer is building there") {
			t.Errorf("second indexer during a build: %v\n%s", err, out)
		}
		if secondTook > 5*time.Second {
			t.Errorf("second indexer took %v to give up", secondTook)
		}

		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 {
			// The interrupt may come too late to stop a fast build.
			if err == nil && strings.Contains(stderr.String(), "in service:") {
				t.Skipf("the build finished before the interrupt arrived")
			}
			t.Fatalf("interrupted indexer: %v, want exit status 1\n%s", err, stderr.String())
		}
		if !strings.Contains(stderr.String(), "the index in service was not changed") {
			t.Errorf("stderr does not say the index is unchanged:\n%s", stderr.String())
		}
		compareTrees(t, before, testutil.TreeHash(t, loc))
	})
}
