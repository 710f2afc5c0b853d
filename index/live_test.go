package index

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ctbtsearch/internal/testutil"
	"ctbtsearch/report"
)

// liveQuery is a request searched under load, with its total in each of the
// two contents the test alternates between.
type liveQuery struct {
	req      Request
	one, two uint64
}

// liveQueries returns a mix of requests and their expected totals, computed
// on in-memory indexes of the same reports rather than copied from output.
func liveQueries(t *testing.T, one, two []*report.Report) []liveQuery {
	t.Helper()
	qs := []liveQuery{
		{req: Request{}},
		{req: Request{Size: 5, Sort: SortOldest}},
		{req: Request{Query: "条约", Size: 5}},
		{req: Request{Query: `"附件2国家"`, Page: 2, Size: 10}},
		{req: Request{Query: "部长级会议 -美国"}},
		{req: Request{States: []string{"日本"}}},
		{req: Request{Section: []string{"1(a)"}, Sort: SortNewest}},
		{req: Request{Query: "批准", Months: []string{"2006-09", "2009-05"}}},
	}
	for _, set := range []struct {
		reports []*report.Report
		total   func(*liveQuery) *uint64
	}{
		{one, func(q *liveQuery) *uint64 { return &q.one }},
		{two, func(q *liveQuery) *uint64 { return &q.two }},
	} {
		ix, err := NewMemory()
		if err != nil {
			t.Fatal(err)
		}
		if err := ix.Add(context.Background(), nil, set.reports...); err != nil {
			t.Fatal(err)
		}
		for i := range qs {
			res, err := ix.Search(context.Background(), qs[i].req)
			if err != nil {
				t.Fatalf("search %+v: %v", qs[i].req, err)
			}
			*set.total(&qs[i]) = res.Total
		}
		ix.Close()
	}
	if qs[0].one != oneReportTotal || qs[0].two != twoReportsTotal {
		t.Fatalf("all-records totals are %d and %d, want %d and %d", qs[0].one, qs[0].two, oneReportTotal, twoReportsTotal)
	}
	return qs
}

// openGenerations lists the generations under loc that this process holds
// open, as a file descriptor or a memory mapping. Linux only: nil, false
// where /proc/self is not available.
func openGenerations(t *testing.T, loc string) ([]string, bool) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil, false
	}
	// Resolve symlinks in loc (a TMPDIR behind a link) as the kernel does.
	real, err := filepath.EvalSymlinks(loc)
	if err != nil {
		t.Fatal(err)
	}
	prefix := real + string(filepath.Separator)
	seen := map[string]bool{}
	note := func(p string) {
		p = strings.TrimSuffix(p, " (deleted)")
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			seen[strings.SplitN(rest, string(filepath.Separator), 2)[0]] = true
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil {
			note(target)
		}
	}
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, false
	}
	defer maps.Close()
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "/"); i >= 0 {
			note(sc.Text()[i:])
		}
	}
	delete(seen, lockFile)
	return slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	}), true
}

// waitFor polls cond until it holds or d has passed.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Hot reload under load: while eight goroutines search without pause, new
// generations are published and reloaded several times. No search fails,
// every result is wholly from one generation or the other, the old
// generations are closed once their searches are done, and nothing leaks.
func TestLiveHotReloadUnderLoad(t *testing.T) {
	const (
		workers  = 8
		swaps    = 4
		interval = 300 * time.Millisecond // with the publishes, about 2 s of load
	)
	one, two := reportSets(t)
	queries := liveQueries(t, one, two)
	baseline := runtime.NumGoroutine()

	loc := filepath.Join(t.TempDir(), "index")
	first, err := Publish(t.Context(), loc, one, nil)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testutil.SyncBuffer{}
	live, err := OpenLive(loc, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			live.Close()
		}
	}()

	var (
		searches, others atomic.Int64
		failures         atomic.Int64
		failMu           sync.Mutex
		failMsgs         []string
	)
	fail := func(format string, args ...any) {
		failures.Add(1)
		failMu.Lock()
		if len(failMsgs) < 10 {
			failMsgs = append(failMsgs, fmt.Sprintf(format, args...))
		}
		failMu.Unlock()
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ctx.Err() == nil; i++ {
				q := queries[i%len(queries)]
				res, err := live.Search(context.Background(), q.req)
				searches.Add(1)
				switch {
				case err != nil:
					fail("search %+v: %v", q.req, err)
				case res.Total != q.one && res.Total != q.two:
					fail("search %+v: total %d, want %d or %d", q.req, res.Total, q.one, q.two)
				}
			}
		})
	}
	// The other calls that pin a generation, on every record of both sets.
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			id := fmt.Sprintf("a62-ctbt-universality-%03d", i%oneReportTotal+1)
			if rec, err := live.Record(context.Background(), id); err != nil || rec.ID != id {
				fail("record %s: %v (got %q)", id, err, rec.ID)
			}
			if n := live.DocCount(); n != oneReportTotal && n != twoReportsTotal {
				fail("DocCount = %d", n)
			}
			if fp := live.Fingerprint(); fp != MappingFingerprint() {
				fail("Fingerprint = %q", fp)
			}
			if n := len(live.Reports()); n != 1 && n != 2 {
				fail("%d reports", n)
			}
			others.Add(1)
		}
	})
	// A watcher polling fast, as cmd/search runs one, races with the
	// explicit reloads below; Reload serialises them.
	wg.Go(func() { live.Watch(ctx, 3*time.Millisecond) })

	published := []string{first}
	began := time.Now()
	for i := 1; i <= swaps; i++ {
		time.Sleep(interval)
		reports := two
		if i%2 == 0 {
			reports = one
		}
		path, err := Publish(context.Background(), loc, reports, nil)
		if err != nil {
			stop()
			wg.Wait()
			t.Fatalf("publish %d: %v", i, err)
		}
		if _, err := live.Reload(); err != nil {
			t.Errorf("reload %d: %v", i, err)
		}
		if got := live.Path(); got != path {
			t.Errorf("after reload %d serving %s, want %s", i, got, path)
		}
		if _, err := os.Stat(published[len(published)-1]); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("publish %d left the previous generation on disk (stat: %v)", i, err)
		}
		published = append(published, path)
	}
	time.Sleep(interval / 2)
	stop()
	wg.Wait()
	loadTime := time.Since(began)

	t.Logf("%d searches and %d record/count calls by %d goroutines in %v over %d generations (%.0f searches/s)",
		searches.Load(), others.Load(), workers, loadTime.Round(time.Millisecond), len(published),
		float64(searches.Load())/loadTime.Seconds())
	if n := strings.Count(logs.String(), "index not reloaded"); n > 0 {
		// A watcher that read the link just before a publish may find the
		// generation it names already removed; it logs that and retries.
		t.Logf("the watcher skipped %d reloads", n)
	}
	if n := failures.Load(); n > 0 {
		t.Errorf("%d failures under load, first ones:\n%s", n, strings.Join(failMsgs, "\n"))
	}
	if searches.Load() < workers*10 {
		t.Errorf("only %d searches ran; the load did not happen", searches.Load())
	}
	newest := published[len(published)-1]
	if got := live.Path(); got != newest {
		t.Errorf("serving %s, want the newest generation %s", got, newest)
	}
	checkClean(t, loc)

	// The previous generations are closed once their last search is done:
	// only the newest one is still held open.
	if _, ok := openGenerations(t, loc); ok {
		want := []string{filepath.Base(newest)}
		var held []string
		if !waitFor(5*time.Second, func() bool {
			held, _ = openGenerations(t, loc)
			return slices.Equal(held, want)
		}) {
			t.Errorf("generations held open after the load: %q, want only %q", held, want)
		}
	}
	closed = true
	if err := live.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if held, ok := openGenerations(t, loc); ok && len(held) > 0 {
		t.Errorf("generations held open after Close: %q", held)
	}
	if _, err := live.Search(context.Background(), Request{}); err == nil {
		t.Errorf("search after Close succeeded")
	}
	if err := live.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	var n int
	if !waitFor(5*time.Second, func() bool { n = runtime.NumGoroutine(); return n <= baseline }) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines after the test, %d before:\n%s", n, baseline, buf)
	}
}

func TestLiveReloadUnchanged(t *testing.T) {
	one, _ := reportSets(t)
	loc := filepath.Join(t.TempDir(), "index")
	path, err := Publish(t.Context(), loc, one, nil)
	if err != nil {
		t.Fatal(err)
	}
	live, err := OpenLive(loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	for range 3 {
		changed, err := live.Reload()
		if changed || err != nil {
			t.Errorf("Reload with nothing published = %v, %v; want false, nil", changed, err)
		}
	}
	if live.Path() != path {
		t.Errorf("serving %s, want %s", live.Path(), path)
	}
}

// A generation that does not open is not switched to: Reload reports the
// error and the server goes on serving the one it has, then moves on when a
// good generation is published.
func TestLiveReloadCorruptGeneration(t *testing.T) {
	one, two := reportSets(t)
	// A real generation to damage copies of.
	model, err := Publish(t.Context(), filepath.Join(t.TempDir(), "model"), one, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The first segment file, wherever the layout puts it (store/ of the
	// index, or of each shard).
	var segment string
	filepath.WalkDir(model, func(p string, d os.DirEntry, err error) error {
		if err == nil && segment == "" && strings.HasSuffix(p, ".zap") {
			segment, _ = filepath.Rel(model, p)
		}
		return err
	})
	if segment == "" {
		t.Fatalf("no segment file in %s", model)
	}

	write := func(t *testing.T, p, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyModel := func(t *testing.T, gen string) {
		t.Helper()
		if out, err := exec.Command("cp", "-a", model, gen).CombinedOutput(); err != nil {
			t.Skipf("cp -a: %v %s", err, out)
		}
	}
	for _, tc := range []struct {
		name string
		make func(t *testing.T, gen string)
	}{
		{"missing directory", func(t *testing.T, gen string) {}},
		{"empty directory", func(t *testing.T, gen string) { os.Mkdir(gen, 0o755) }},
		{"garbage files", func(t *testing.T, gen string) {
			write(t, filepath.Join(gen, "index_meta.json"), "\x00\xffgarbage")
			write(t, filepath.Join(gen, "store", "root.bolt"), strings.Repeat("garbage ", 1000))
		}},
		{"garbage bolt file", func(t *testing.T, gen string) {
			write(t, filepath.Join(gen, "index_meta.json"), `{"storage":"zap","index_type":"scorch"}`)
			write(t, filepath.Join(gen, "store", "root.bolt"), strings.Repeat("garbage ", 1000))
		}},
		{"truncated segment", func(t *testing.T, gen string) {
			copyModel(t, gen)
			seg := filepath.Join(gen, segment)
			st, err := os.Stat(seg)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(seg, st.Size()/2); err != nil {
				t.Fatal(err)
			}
		}},
		{"segment overwritten in place, same size", func(t *testing.T, gen string) {
			// Only the manifest's checksum tells this one from a good copy.
			copyModel(t, gen)
			f, err := os.OpenFile(filepath.Join(gen, segment), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte(strings.Repeat("\xff", 400)), 1000); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing segment", func(t *testing.T, gen string) {
			copyModel(t, gen)
			if err := os.Remove(filepath.Join(gen, segment)); err != nil {
				t.Fatal(err)
			}
		}},
		{"an index of another program", func(t *testing.T, gen string) {
			// A valid Bleve index without this program's report list.
			ix, err := Create(gen, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := filepath.Join(t.TempDir(), "index")
			good, err := Publish(t.Context(), loc, one, nil)
			if err != nil {
				t.Fatal(err)
			}
			live, err := OpenLive(loc, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()

			gen := filepath.Join(loc, "gen-99990101T000000.000000000")
			tc.make(t, gen)
			// Point current at it the way Publish does: a new link renamed
			// over the old one.
			tmpLink := filepath.Join(loc, "tmp-link-corrupt")
			if err := os.Symlink(filepath.Base(gen), tmpLink); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmpLink, filepath.Join(loc, currentLink)); err != nil {
				t.Fatal(err)
			}

			for range 2 { // and again: a failed reload leaves nothing half-done
				changed, err := live.Reload()
				if err == nil || changed {
					t.Fatalf("Reload to a corrupt generation = %v, %v; want false and an error", changed, err)
				}
				if !strings.Contains(err.Error(), gen) {
					t.Errorf("error %q does not name %s", err, gen)
				}
			}
			if live.Path() != good {
				t.Errorf("serving %s, want the previous %s", live.Path(), good)
			}
			if n := searchTotal(t, live); n != oneReportTotal {
				t.Errorf("serving %d records, want %d", n, oneReportTotal)
			}

			// The indexer's next run replaces the bad generation.
			next, err := Publish(t.Context(), loc, two, nil)
			if err != nil {
				t.Fatal(err)
			}
			if changed, err := live.Reload(); !changed || err != nil {
				t.Fatalf("Reload to a good generation = %v, %v", changed, err)
			}
			if live.Path() != next {
				t.Errorf("serving %s, want %s", live.Path(), next)
			}
			if n := searchTotal(t, live); n != twoReportsTotal {
				t.Errorf("serving %d records, want %d", n, twoReportsTotal)
			}
			checkClean(t, loc)
		})
	}
}

// A current link that points outside the location is refused by Reload too.
func TestLiveReloadRefusesLinkOutside(t *testing.T) {
	one, _ := reportSets(t)
	loc := filepath.Join(t.TempDir(), "index")
	good, err := Publish(t.Context(), loc, one, nil)
	if err != nil {
		t.Fatal(err)
	}
	live, err := OpenLive(loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	outside, err := Publish(t.Context(), filepath.Join(t.TempDir(), "elsewhere"), one, nil)
	if err != nil {
		t.Fatal(err)
	}
	tmpLink := filepath.Join(loc, "tmp-link-outside")
	if err := os.Symlink(outside, tmpLink); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmpLink, filepath.Join(loc, currentLink)); err != nil {
		t.Fatal(err)
	}
	if changed, err := live.Reload(); changed || err == nil || !strings.Contains(err.Error(), "not a generation of this program") {
		t.Errorf("Reload = %v, %v; want false and a \"not a generation\" error", changed, err)
	}
	if live.Path() != good {
		t.Errorf("serving %s, want %s", live.Path(), good)
	}
}

// Search takes its Request by value and must not write through the slices
// it shares with the caller: callers (the load test above, benchmarks) send
// one Request from many goroutines.
func TestSearchDoesNotModifyRequest(t *testing.T) {
	one, _ := reportSets(t)
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Add(context.Background(), nil, one...); err != nil {
		t.Fatal(err)
	}
	sections := []string{" 1(A) ", "2(b)"}
	req := Request{Section: sections, States: []string{"日本"}, Months: []string{"2006-09"}}
	if _, err := ix.Search(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if want := []string{" 1(A) ", "2(b)"}; !slices.Equal(sections, want) {
		t.Errorf("Search changed the caller's sections to %q, want %q", sections, want)
	}
}

// TestLiveMatchCacheSetting: the match cache set on a Live index applies to
// the generation in service and to every generation published after it.
func TestLiveMatchCacheSetting(t *testing.T) {
	one, two := reportSets(t)
	loc := filepath.Join(t.TempDir(), "index")
	if _, err := Publish(t.Context(), loc, one, nil); err != nil {
		t.Fatal(err)
	}
	live, err := OpenLive(loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	budgets := func() []int64 {
		g, err := live.acquire()
		if err != nil {
			t.Fatal(err)
		}
		defer g.inFlight.Done()
		var out []int64
		for _, sh := range g.ix.shards {
			out = append(out, sh.matchBudget.Load())
		}
		return out
	}
	before := budgets()
	for _, b := range before {
		if b != DefaultMatchCacheBytes/int64(len(before)) {
			t.Errorf("before any setting: budget %d per shard, want the default share", b)
		}
	}
	live.SetMatchCache(0)
	if got := budgets(); slices.ContainsFunc(got, func(b int64) bool { return b != 0 }) {
		t.Errorf("after SetMatchCache(0): budgets %v", got)
	}
	if _, err := Publish(t.Context(), loc, two, nil); err != nil {
		t.Fatal(err)
	}
	if changed, err := live.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	if got := budgets(); slices.ContainsFunc(got, func(b int64) bool { return b != 0 }) {
		t.Errorf("a generation published after SetMatchCache(0) has budgets %v", got)
	}
}
