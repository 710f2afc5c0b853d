package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"ctbtsearch/index"
	"ctbtsearch/internal/testutil"
	"ctbtsearch/report"
)

const (
	sampleRecs = 88  // the bundled sample
	bothRecs   = 118 // the sample and the a64 fixture
	second     = "../../report/testdata/a64-ctbt-universality.zh.txt"
)

// isolateEnv keeps the developer's own settings out of the tests.
func isolateEnv(t *testing.T) {
	t.Setenv("CTBT_INDEX", "")
	t.Setenv("CTBT_ADDR", "")
	t.Setenv("CTBT_RELOAD", "")
	t.Setenv("CTBT_MATCH_CACHE", "")
}

var servingRE = regexp.MustCompile(`serving (\d+) records at http://(\S+)\n`)

// server is one run of the command in this process.
type server struct {
	base    string // http://127.0.0.1:PORT
	records string // as announced
	stderr  *testutil.SyncBuffer
	stop    context.CancelFunc
	done    chan error
}

// startServer calls run with args and waits until it announces that it is
// serving. The server is stopped when the test ends, if not before.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &server{stderr: &testutil.SyncBuffer{}, stop: stop, done: make(chan error, 1)}
	stdout := &testutil.SyncBuffer{}
	go func() { s.done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, s.stderr) }()
	t.Cleanup(func() {
		stop()
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			t.Errorf("run did not return after the test")
		}
	})
	deadline := time.After(30 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(stdout.String()); m != nil {
			s.records, s.base = m[1], "http://"+m[2]
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err // for the cleanup
			t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, s.stderr)
		case <-deadline:
			t.Fatalf("run did not announce itself; stdout %q\nstderr:\n%s", stdout, s.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// shutdown cancels run's context and returns its result.
func (s *server) shutdown(t *testing.T) error {
	t.Helper()
	s.stop()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("run did not return within 10 s of cancelling its context")
		return nil
	}
}

var client = &http.Client{Timeout: 10 * time.Second}

// total searches for everything and returns the total.
func (s *server) total(t *testing.T) uint64 {
	t.Helper()
	resp, err := client.Get(s.base + "/api/search")
	if err != nil {
		t.Fatalf("GET /api/search: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Total uint64 `json:"total"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/search: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET /api/search: %v", err)
	}
	return body.Total
}

// waitTotal polls until the server serves want records.
func (s *server) waitTotal(t *testing.T, want uint64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := s.total(t)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still serving %d records after %v, want %d\nstderr:\n%s", got, within, want, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func bothReports(t *testing.T) []*report.Report {
	t.Helper()
	reps, err := report.BundledReports()
	if err != nil {
		t.Fatal(err)
	}
	a64, err := report.ParseReportFile(second, report.DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	return append(reps, a64)
}

// On a location without an index the server builds one from the bundled
// sample and serves it; cancelling its context shuts it down cleanly.
func TestFirstStartBuildsSample(t *testing.T) {
	isolateEnv(t)
	loc := filepath.Join(t.TempDir(), "index")
	s := startServer(t, "-index", loc)
	if s.records != fmt.Sprint(sampleRecs) {
		t.Errorf("announced %s records, want %d", s.records, sampleRecs)
	}
	if n := s.total(t); n != sampleRecs {
		t.Errorf("/api/search total = %d, want %d", n, sampleRecs)
	}
	resp, err := client.Get(s.base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, err := index.CurrentPath(loc); err != nil {
		t.Errorf("no index published at %s: %v", loc, err)
	}
	began := time.Now()
	if err := s.shutdown(t); err != nil {
		t.Errorf("run after cancel = %v, want nil", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("shutdown took %v", took)
	}
	if !strings.Contains(s.stderr.String(), "shutting down") {
		t.Errorf("no shutdown in the log:\n%s", s.stderr)
	}
	// The listener is closed.
	if resp, err := client.Get(s.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("server still answers after shutdown")
	}

	// A second start finds the index and serves it without rebuilding.
	s2 := startServer(t, "-index", loc)
	if n := s2.total(t); n != sampleRecs {
		t.Errorf("second start serves %d records, want %d", n, sampleRecs)
	}
	if strings.Contains(s2.stderr.String(), "building one from the bundled sample") {
		t.Errorf("second start rebuilt the index:\n%s", s2.stderr)
	}
}

// A broken index at start is an error that says what to do, not a panic and
// not a silent rebuild over the operator's data.
func TestBrokenIndexAtStart(t *testing.T) {
	isolateEnv(t)
	for _, tc := range []struct {
		name string
		make func(t *testing.T, loc string)
		want string
	}{
		{"current names a directory of garbage", func(t *testing.T, loc string) {
			gen := filepath.Join(loc, "gen-20260101T000000.000000000")
			if err := os.MkdirAll(filepath.Join(gen, "store"), 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(gen, "index_meta.json"), []byte("garbage"), 0o644)
			os.WriteFile(filepath.Join(gen, "store", "root.bolt"), bytes.Repeat([]byte("garbage "), 512), 0o644)
			os.Symlink(filepath.Base(gen), filepath.Join(loc, "current"))
		}, "rebuild it with"},
		{"current names a missing generation", func(t *testing.T, loc string) {
			os.Symlink("gen-20260101T000000.000000000", filepath.Join(loc, "current"))
		}, "rebuild it with"},
		{"current points outside", func(t *testing.T, loc string) {
			os.Symlink("/etc", filepath.Join(loc, "current"))
		}, "not a generation of this program"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := t.TempDir()
			tc.make(t, loc)
			var stdout, stderr testutil.SyncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, []string{"-index", loc, "-addr", "127.0.0.1:0"}, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), loc) {
				t.Errorf("run = %v, want an error naming %s and saying %q", err, loc, tc.want)
			}
			if stdout.String() != "" {
				t.Errorf("stdout = %q", stdout.String())
			}
			if _, err := os.Stat(filepath.Join(loc, ".lock")); err == nil {
				t.Errorf("the server tried to rebuild over a broken index")
			}
		})
	}
}

// The watcher finds a newly published index by itself.
func TestReloadsNewIndexByItself(t *testing.T) {
	isolateEnv(t)
	loc := filepath.Join(t.TempDir(), "index")
	s := startServer(t, "-index", loc, "-reload", "100ms")
	if n := s.total(t); n != sampleRecs {
		t.Fatalf("serving %d records, want %d", n, sampleRecs)
	}
	if _, err := index.Publish(t.Context(), loc, bothReports(t), nil); err != nil {
		t.Fatal(err)
	}
	s.waitTotal(t, bothRecs, 5*time.Second)
	if !strings.Contains(s.stderr.String(), "index reloaded") {
		t.Errorf("no reload in the log:\n%s", s.stderr)
	}
	if err := s.shutdown(t); err != nil {
		t.Errorf("run = %v", err)
	}
}

// SIGHUP reloads at once, without waiting for the watcher (whose interval
// is an hour here).
func TestReloadsOnSIGHUP(t *testing.T) {
	isolateEnv(t)
	// Should the server's handler not be installed, SIGHUP's default action
	// would end the test binary; this channel disables that action.
	guard := make(chan os.Signal, 8)
	signal.Notify(guard, syscall.SIGHUP)
	defer signal.Stop(guard)

	loc := filepath.Join(t.TempDir(), "index")
	s := startServer(t, "-index", loc, "-reload", "1h")
	if _, err := index.Publish(t.Context(), loc, bothReports(t), nil); err != nil {
		t.Fatal(err)
	}
	// The watcher's interval is an hour, so only the signal can reload. One
	// signal must do: the server announces itself once its handler is in.
	if n := s.total(t); n != sampleRecs {
		t.Fatalf("serving %d records before SIGHUP, want %d", n, sampleRecs)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitTotal(t, bothRecs, 5*time.Second)
	if err := s.shutdown(t); err != nil {
		t.Errorf("run = %v", err)
	}
}

func TestBadArguments(t *testing.T) {
	isolateEnv(t)
	loc := filepath.Join(t.TempDir(), "index")
	for _, tc := range []struct {
		name string
		env  string // CTBT_RELOAD
		args []string
		want string
	}{
		{"unknown flag", "", []string{"-bogus"}, "flag provided but not defined: -bogus"},
		{"flag without value", "", []string{"-index"}, "flag needs an argument"},
		{"zero reload", "", []string{"-reload", "0"}, "-reload must be positive"},
		{"negative reload", "", []string{"-reload", "-1s"}, "-reload must be positive"},
		{"reload not a duration", "", []string{"-reload", "soon"}, "invalid value"},
		{"bad CTBT_RELOAD", "soon", nil, "CTBT_RELOAD"},
		{"negative match cache", "", []string{"-match-cache", "-1"}, "-match-cache must be between 0 and"},
		{"match cache of the whole machine", "", []string{"-match-cache", "1000000"}, "-match-cache must be between 0 and"},
		{"match cache not a number", "", []string{"-match-cache", "lots"}, "invalid value"},
		{"extra argument", "", []string{"reports/"}, "unexpected arguments"},
		{"address not a host:port", "", []string{"-index", loc, "-addr", "no-port"}, "listen"},
		{"address out of range", "", []string{"-index", loc, "-addr", "127.0.0.1:99999"}, "listen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CTBT_RELOAD", tc.env)
			var stdout, stderr testutil.SyncBuffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("run(%q) = %v, want an error containing %q", tc.args, err, tc.want)
			}
			if stdout.String() != "" {
				t.Errorf("stdout = %q", stdout.String())
			}
		})
	}
	t.Run("bad CTBT_MATCH_CACHE", func(t *testing.T) {
		t.Setenv("CTBT_MATCH_CACHE", "lots")
		var stdout, stderr testutil.SyncBuffer
		if err := run(context.Background(), nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "CTBT_MATCH_CACHE") {
			t.Errorf("run with CTBT_MATCH_CACHE=lots = %v, want an error naming it", err)
		}
	})
	t.Run("help", func(t *testing.T) {
		var stdout, stderr testutil.SyncBuffer
		err := run(context.Background(), []string{"-h"}, &stdout, &stderr)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "-reload") {
			t.Errorf("run(-h) = %v, stderr %q", err, stderr.String())
		}
	})
}

// TestHelperProcess is not a test: TestSIGHUPDuringStartup runs the test
// binary again with CTBT_SEARCH_HELPER=1 to get a server in a process of
// its own, which a signal may kill without taking the tests down.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("CTBT_SEARCH_HELPER") != "1" {
		t.Skip("helper process for TestSIGHUPDuringStartup")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	err := run(ctx, strings.Fields(os.Getenv("CTBT_SEARCH_ARGS")), os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// A SIGHUP that arrives while the server is still starting (here: building
// the sample index) must not kill it: it is answered with a reload, or
// ignored, once the server runs.
func TestSIGHUPDuringStartup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process; skipped in -short mode")
	}
	isolateEnv(t)
	loc := filepath.Join(t.TempDir(), "index")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "CTBT_SEARCH_HELPER=1",
		"CTBT_SEARCH_ARGS=-index "+loc+" -addr 127.0.0.1:0 -reload 1h")
	stdout, stderr := &testutil.SyncBuffer{}, &testutil.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()

	// The lock file appears when the server starts building the sample.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(loc, ".lock")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never started building\nstderr:\n%s", stderr)
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for servingRE.FindStringSubmatch(stdout.String()) == nil {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the server died of a SIGHUP during start-up: %v\nstderr:\n%s", err, stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never announced itself\nstderr:\n%s", stderr)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("server exited with %v after SIGTERM\nstderr:\n%s", err, stderr)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("server did not stop on SIGTERM")
	}
}

// Without -addr or CTBT_ADDR the server listens on loopback only: before, it
// listened on every interface (:8080) and a laptop served its index and
// /metrics to the network.
func TestDefaultAddressIsLoopback(t *testing.T) {
	isolateEnv(t)
	var stdout, stderr testutil.SyncBuffer
	if err := run(context.Background(), []string{"-h"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run -h = %v", err)
	}
	m := regexp.MustCompile(`-addr string\n.*\(default "([^"]*)"\)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no default address in the usage:\n%s", stderr.String())
	}
	host, port, err := net.SplitHostPort(m[1])
	if err != nil || port != "8080" {
		t.Fatalf("default address %q: %v", m[1], err)
	}
	ips, err := net.DefaultResolver.LookupIP(context.Background(), "ip", host)
	if err != nil || len(ips) == 0 {
		t.Fatalf("default host %q: %v", host, err)
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			t.Errorf("default address %s reaches %s, not loopback only", m[1], ip)
		}
	}
	// And the way to serve others, which the README documents, still works.
	s := startServer(t, "-index", filepath.Join(t.TempDir(), "index"), "-addr", ":0")
	if !strings.HasPrefix(s.base, "http://localhost:") {
		t.Errorf("announced %s for -addr :0", s.base)
	}
}
