package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ctbtsearch/index"
	"ctbtsearch/internal/testutil"
)

// The tests in this file run the real search binary, built once per test
// binary: what they check (a fault in a memory-mapped file, signals, two
// processes) could kill or block the test process itself.

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// searchBinary builds the command into a temporary directory, with VCS
// stamping on when it can be had (GOFLAGS may turn it off), so that its
// build information carries the revision.
func searchBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary; skipped in -short mode")
	}
	binOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			binErr = err
			return
		}
		binDir, binErr = os.MkdirTemp("", "ctbt-search-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "search")
		out, err := exec.Command(goTool, "build", "-buildvcs=auto", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			binPath = string(out)
		}
	})
	if binErr != nil {
		t.Fatalf("go build: %v\n%s", binErr, binPath)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// proc is one server process.
type proc struct {
	cmd    *exec.Cmd
	base   string
	stdout *testutil.SyncBuffer
	stderr *testutil.SyncBuffer
	exited chan error
}

// startProc starts the server binary with args (and -addr 127.0.0.1:0). It
// is killed when the test ends.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	bin := searchBinary(t)
	p := &proc{stdout: &testutil.SyncBuffer{}, stderr: &testutil.SyncBuffer{}, exited: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Env = append(os.Environ(), "CTBT_INDEX=", "CTBT_ADDR=", "CTBT_RELOAD=")
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		p.exited <- nil
	})
	return p
}

// waitServing waits until the process announces its address.
func (p *proc) waitServing(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if m := servingRE.FindStringSubmatch(p.stdout.String()); m != nil {
			p.base = "http://" + m[2]
			return
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("the server exited before serving: %v\nstderr:\n%s", err, p.stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not announce itself within %v\nstderr:\n%s", within, p.stderr)
		}
	}
}

// alive fails the test if the process has exited.
func (p *proc) alive(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
		t.Fatalf("the server died: %v\nstderr:\n%.3000s", err, p.stderr)
	default:
	}
}

// get fetches path and returns the status and body; a transport error is
// status 0.
func (p *proc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := client.Get(p.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "reading the body: " + err.Error()
	}
	return resp.StatusCode, string(body)
}

type health struct {
	Status    string `json:"status"`
	Documents uint64 `json:"documents"`
	Reason    string `json:"reason"`
	Version   string `json:"version"`
	Revision  string `json:"revision"`
}

func (p *proc) health(t *testing.T) (int, health) {
	t.Helper()
	code, body := p.get(t, "/healthz")
	var h health
	if code != 0 {
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("/healthz: %d %q: %v", code, body, err)
		}
	}
	return code, h
}

// waitHealth polls /healthz until it answers want.
func (p *proc) waitHealth(t *testing.T, want int, within time.Duration) health {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p.alive(t)
		code, h := p.health(t)
		if code == want {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz still %d %+v after %v, want %d\nstderr:\n%.3000s", code, h, within, want, p.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// largestSegment is the biggest .zap file of a generation: the one every
// search reads.
func largestSegment(t *testing.T, gen string) string {
	return largestFile(t, gen, func(name string) bool { return strings.HasSuffix(name, ".zap") })
}

// largestRecords is the biggest record file of a generation: every search
// showing hits reads it.
func largestRecords(t *testing.T, gen string) string {
	return largestFile(t, gen, func(name string) bool {
		return strings.HasPrefix(name, "records-") && !strings.HasSuffix(name, ".idx")
	})
}

func largestFile(t *testing.T, gen string, match func(name string) bool) string {
	t.Helper()
	var best string
	var size int64
	filepath.WalkDir(gen, func(p string, d os.DirEntry, err error) error {
		if err == nil && match(d.Name()) {
			if st, err := d.Info(); err == nil && st.Size() > size {
				best, size = p, st.Size()
			}
		}
		return err
	})
	if best == "" {
		t.Fatalf("no segment in %s", gen)
	}
	return best
}

// A damaged file of the generation in service must not kill the server:
// faults in the memory-mapped index become errors, /healthz turns 503 and
// names the file, and the next good generation heals it. Before, a
// truncated segment ended the process with "fatal error: fault [signal
// SIGBUS]", and overwritten bytes gave 500s while /healthz said ok.
func TestDamagedIndexInService(t *testing.T) {
	toAQuarter := func(t *testing.T, file string) {
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(file, st.Size()/4); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		file   func(t *testing.T, gen string) string // the file damaged
		damage func(t *testing.T, seg string)
	}{
		{"truncated segment", largestSegment, toAQuarter},
		{"truncated records", largestRecords, toAQuarter},
		{"400 bytes of the records overwritten", largestRecords, func(t *testing.T, seg string) {
			f, err := os.OpenFile(seg, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			st, _ := f.Stat()
			junk := strings.Repeat("\xff\x00\x7f#", 100)
			for _, off := range []int64{st.Size() / 8, st.Size() / 3, st.Size() / 2} {
				if _, err := f.WriteAt([]byte(junk), off); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := filepath.Join(t.TempDir(), "index")
			gen, err := index.Publish(t.Context(), loc, bothReports(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			p := startProc(t, "-index", loc, "-reload", "100ms")
			p.waitServing(t, 30*time.Second)
			if code, _ := p.health(t); code != http.StatusOK {
				t.Fatalf("/healthz before the damage: %d", code)
			}

			seg := tc.file(t, gen)
			tc.damage(t, seg)
			statuses := map[int]int{}
			for _, path := range []string{"/api/search?q=条约", "/api/search?q=" + "附件2国家", "/?q=批准",
				"/api/search", "/api/search.csv", "/api/search.csv?q=会议", "/api/records/a62-ctbt-universality-010",
				"/records/a64-ctbt-universality-005", "/overview?q=条约", "/api/overview", "/states/JPN", "/api/states/AUS",
				"/compare", "/api/compare", "/?q=澳大利"} {
				code, body := p.get(t, path)
				statuses[code]++
				p.alive(t)
				if code >= 500 && code != http.StatusInternalServerError {
					t.Errorf("%s: %d %.200s", path, code, body)
				}
			}
			t.Logf("statuses with a damaged segment: %v", statuses)
			h := p.waitHealth(t, http.StatusServiceUnavailable, 10*time.Second)
			if h.Status != "degraded" || !strings.Contains(h.Reason, filepath.Base(seg)) || !strings.Contains(h.Reason, filepath.Base(gen)) {
				t.Errorf("/healthz = %+v, want degraded naming %s of %s", h, filepath.Base(seg), filepath.Base(gen))
			}
			if !strings.Contains(p.stderr.String(), "damaged") {
				t.Errorf("the damage was not logged:\n%s", p.stderr)
			}

			// The next good generation heals it.
			if _, err := index.Publish(t.Context(), loc, bothReports(t), nil); err != nil {
				t.Fatal(err)
			}
			h = p.waitHealth(t, http.StatusOK, 10*time.Second)
			if h.Status != "ok" || h.Documents != bothRecs {
				t.Errorf("/healthz after a good publish = %+v", h)
			}
			if code, body := p.get(t, "/api/search.csv"); code != http.StatusOK || strings.Count(body, "\n") < bothRecs {
				t.Errorf("export after healing: %d, %d lines", code, strings.Count(body, "\n"))
			}
			p.alive(t)
		})
	}
}

// A generation whose files do not match its manifest is refused when it is
// published, and the previous one keeps serving with /healthz ok.
func TestDamagedGenerationRefusedOnReload(t *testing.T) {
	loc := filepath.Join(t.TempDir(), "index")
	if _, err := index.Publish(t.Context(), loc, bothReports(t)[:1], nil); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, "-index", loc, "-reload", "1h")
	p.waitServing(t, 30*time.Second)

	// A good generation built elsewhere, damaged, then put in service the
	// way the indexer does it.
	model, err := index.Publish(t.Context(), filepath.Join(t.TempDir(), "model"), bothReports(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(loc, "gen-99990101T000000.000000000")
	if out, err := exec.Command("cp", "-a", model, bad).CombinedOutput(); err != nil {
		t.Skipf("cp -a: %v %s", err, out)
	}
	seg := largestSegment(t, bad)
	f, err := os.OpenFile(seg, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("damage"), 100)
	f.Close()
	if err := os.Symlink(filepath.Base(bad), filepath.Join(loc, "tmp-link-x")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(loc, "tmp-link-x"), filepath.Join(loc, "current")); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), "checksum mismatch") {
		p.alive(t)
		if time.Now().After(deadline) {
			t.Fatalf("the damaged generation was not refused:\n%s", p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, h := p.health(t); code != http.StatusOK || h.Documents != sampleRecs {
		t.Errorf("/healthz after refusing a damaged generation: %d %+v", code, h)
	}
}

// SIGHUP must not kill the server however early it comes. The handler is
// installed by internal/hangup during package initialisation, before any
// package outside the standard library is initialised; the test sends
// SIGHUP as soon as the runtime reports (GODEBUG=inittrace=1) the
// initialisation of the first such package. Before, the handler was
// installed in run, after every package had been initialised (about 18 ms
// after start), and a SIGHUP at 5 ms ended the process with status 129.
func TestSIGHUPBeforeInit(t *testing.T) {
	bin := searchBinary(t)
	loc := filepath.Join(t.TempDir(), "index")
	if _, err := index.Publish(t.Context(), loc, bothReports(t)[:1], nil); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		cmd := exec.Command(bin, "-index", loc, "-addr", "127.0.0.1:0", "-reload", "1h")
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "CTBT_INDEX=", "CTBT_ADDR=", "CTBT_RELOAD=")
		stdout := &testutil.SyncBuffer{}
		cmd.Stdout = stdout
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Lines look like "init golang.org/x/text/encoding @2.1 ms, …".
		sc := bufio.NewScanner(stderr)
		signalled := ""
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || f[0] != "init" {
				continue
			}
			first, _, _ := strings.Cut(f[1], "/")
			if strings.Contains(first, ".") || first == "ctbtsearch" {
				signalled = f[1]
				if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		if signalled == "" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no initialisation trace of a non-standard package")
		}
		go io.Copy(io.Discard, stderr)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(30 * time.Second)
		for servingRE.FindStringSubmatch(stdout.String()) == nil {
			select {
			case err := <-exited:
				t.Fatalf("SIGHUP after the initialisation of %s: the server did not start: %v", signalled, err)
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("the server did not announce itself")
			case <-time.After(5 * time.Millisecond):
			}
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("after SIGTERM: %v", err)
		}
	}
}

// /healthz reports the module version and VCS revision the binary's build
// information holds (the revision only when the build could stamp it: not
// with -buildvcs=false, nor in a git worktree, where Go finds no .git
// directory).
func TestHealthzVersion(t *testing.T) {
	bin := searchBinary(t)
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var wantVersion, wantRevision string
	modified := false
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			wantVersion = f[2]
		case len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			wantRevision = strings.TrimPrefix(f[1], "vcs.revision=")
		case len(f) == 2 && f[0] == "build" && f[1] == "vcs.modified=true":
			modified = true
		}
	}
	if wantRevision != "" && modified {
		wantRevision += "-dirty"
	}
	loc := filepath.Join(t.TempDir(), "index")
	p := startProc(t, "-index", loc)
	p.waitServing(t, 30*time.Second)
	code, h := p.health(t)
	if code != http.StatusOK || h.Version == "" || h.Version != wantVersion || h.Revision != wantRevision {
		t.Errorf("/healthz = %d %+v, want version %q revision %q", code, h, wantVersion, wantRevision)
	}
	t.Logf("version %q, revision %q", h.Version, h.Revision)
}

// Two servers started at once on an empty location both serve: the second
// waits for the first one's build instead of exiting with "another indexer
// is building there". The location's lock is held by the test until both
// have started, so that they certainly meet; then again without it, as
// people start them.
func TestTwoServersStartTogether(t *testing.T) {
	for _, holdLock := range []bool{true, false} {
		t.Run(fmt.Sprintf("lock held at start %v", holdLock), func(t *testing.T) {
			loc := filepath.Join(t.TempDir(), "index")
			var release func()
			if holdLock {
				if err := os.MkdirAll(loc, 0o755); err != nil {
					t.Fatal(err)
				}
				f, err := os.OpenFile(filepath.Join(loc, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
					t.Fatal(err)
				}
				release = func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
			}
			a := startProc(t, "-index", loc)
			b := startProc(t, "-index", loc)
			if holdLock {
				for _, p := range []*proc{a, b} {
					deadline := time.Now().Add(30 * time.Second)
					for !strings.Contains(p.stderr.String(), "waiting for it") {
						p.alive(t)
						if time.Now().After(deadline) {
							t.Fatalf("the server does not wait:\n%s", p.stderr)
						}
						time.Sleep(5 * time.Millisecond)
					}
				}
				release()
			}
			for _, p := range []*proc{a, b} {
				p.waitServing(t, 30*time.Second)
				if code, h := p.health(t); code != http.StatusOK || h.Documents != sampleRecs {
					t.Errorf("/healthz = %d %+v", code, h)
				}
			}
			builds := strings.Count(a.stderr.String()+b.stderr.String(), "sample index built")
			if builds != 1 {
				t.Errorf("%d builds, want 1:\n%s\n%s", builds, a.stderr, b.stderr)
			}
			gens, _ := filepath.Glob(filepath.Join(loc, "gen-*"))
			if len(gens) != 1 {
				t.Errorf("generations: %v", gens)
			}
		})
	}
}
