package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"ctbtsearch/report"
)

// Live serves from the generation in service at an index location and moves
// to a new generation when the indexer publishes one, without a failed
// request: searches started on the old generation finish on it, and it is
// closed once the last of them is done.
//
// It also keeps watch over the files it serves (see Health). A generation is
// checked against its manifest before it is put in service, and a damaged
// one is refused while the previous one goes on serving. The generation in
// service is checked again, cheaply (file sizes) at every Watch tick and
// fully (checksums) when a read of it fails; once found damaged it is
// reported by Health until a good generation replaces it.
type Live struct {
	loc string
	log *slog.Logger

	mu     sync.RWMutex
	cur    *generation
	closed bool

	reloadMu sync.Mutex // one reload at a time
	refused  string     // path of the last generation refused as damaged

	matchCache atomic.Int64 // SetMatchCache's bytes; -1 until set: each index's default
}

type generation struct {
	ix       *Index
	path     string
	inFlight sync.WaitGroup

	hasManifest bool                  // published with a manifest, so it can be checked
	damage      atomic.Pointer[error] // why it is damaged; nil while it is not known to be
	checking    atomic.Bool           // a full check is running
	lastCheck   atomic.Int64          // UnixNano of the last full check
}

// recheckAfter spaces full checks of the generation in service that read
// failures trigger: a query that fails for another reason must not make the
// server read its whole index over and over.
const recheckAfter = 30 * time.Second

// OpenLive opens the generation in service at loc, once it has passed its
// manifest's check (OpenChecked).
func OpenLive(loc string, log *slog.Logger) (*Live, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ix, path, err := OpenCurrent(loc)
	if err != nil {
		return nil, err
	}
	l := &Live{loc: loc, log: log}
	l.matchCache.Store(-1)
	l.cur = l.newGeneration(ix, path)
	return l, nil
}

func (l *Live) newGeneration(ix *Index, path string) *generation {
	g := &generation{ix: ix, path: path}
	_, err := os.Stat(filepath.Join(path, manifestName))
	g.hasManifest = err == nil
	if !g.hasManifest {
		l.log.Warn("the index has no manifest (published by an older indexer): damage to its files cannot be detected; run the indexer again", "path", path)
	}
	return g
}

// SetMatchCache bounds the match cache of the index in service and of every
// index published after it (Index.SetMatchCache); 0 turns it off.
func (l *Live) SetMatchCache(bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.matchCache.Store(max(bytes, 0))
	if l.cur != nil {
		l.cur.ix.SetMatchCache(max(bytes, 0))
	}
}

// acquire pins the current generation for one call.
func (l *Live) acquire() (*generation, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, errors.New("search: index is closed")
	}
	g := l.cur
	g.inFlight.Add(1)
	return g, nil
}

// Path is the directory of the generation being served.
func (l *Live) Path() string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cur.path
}

// Reload switches to the generation in service if it changed. It reports
// whether it switched. A generation that fails its check or fails to open
// is not switched to: the server goes on with the one it has.
func (l *Live) Reload() (bool, error) { return l.reload(false) }

// reload is Reload; the watcher sets skipRefused so that a generation
// refused as damaged is not read in full again every tick (an explicit
// Reload, on SIGHUP, tries it again).
func (l *Live) reload(skipRefused bool) (bool, error) {
	l.reloadMu.Lock()
	defer l.reloadMu.Unlock()
	path, err := CurrentPath(l.loc)
	if err != nil {
		return false, fmt.Errorf("reload index: %w", err)
	}
	if path == l.Path() || skipRefused && path == l.refused {
		return false, nil
	}
	ix, err := OpenChecked(path)
	if err != nil {
		if errors.Is(err, ErrDamaged) {
			l.refused = path
		}
		return false, fmt.Errorf("reload index: %w", err)
	}
	l.refused = ""
	next := l.newGeneration(ix, path)
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		ix.Close()
		return false, errors.New("reload index: index is closed")
	}
	if b := l.matchCache.Load(); b >= 0 { // under l.mu: SetMatchCache may be running
		next.ix.SetMatchCache(b)
	}
	old := l.cur
	l.cur = next
	l.mu.Unlock()
	// No new call can pin old now; close it when the pinned ones are done.
	go func() {
		old.inFlight.Wait()
		if err := old.ix.Close(); err != nil {
			l.log.Warn("closing the previous index generation", "path", old.path, "err", err)
		}
	}()
	l.log.Info("index reloaded", "path", path, "documents", ix.DocCount())
	if fp := ix.Fingerprint(); fp != MappingFingerprint() {
		l.log.Error("the new index was built by another version of the indexer: some queries will miss records; rebuild it with this version",
			"path", path, "fingerprint", fp, "want", MappingFingerprint())
	}
	return true, nil
}

// Watch polls the location and reloads when a new generation is published,
// until ctx ends, and checks the sizes of the files in service. Reading one
// symbolic link and a stat per file per interval costs nothing.
func (l *Live) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := l.reload(true); err != nil {
				l.log.Warn("index not reloaded", "err", err)
			}
			l.CheckServed(false)
		}
	}
}

// CheckServed checks the generation in service against its manifest: the
// file sizes, and with full the checksums too. Damage found is logged and
// reported by Health until another generation is put in service. A
// generation whose directory is gone (the indexer removes old generations)
// is still served from the files it holds open, and is not damaged.
func (l *Live) CheckServed(full bool) {
	g, err := l.acquire()
	if err != nil {
		return
	}
	defer g.inFlight.Done()
	l.check(g, full)
}

func (l *Live) check(g *generation, full bool) {
	if !g.hasManifest || g.damage.Load() != nil {
		return
	}
	if full {
		if !g.checking.CompareAndSwap(false, true) {
			return
		}
		defer g.checking.Store(false)
		g.lastCheck.Store(time.Now().UnixNano())
	}
	err := VerifyGeneration(g.path, full)
	if errors.Is(err, ErrNoManifest) {
		if _, statErr := os.Stat(g.path); statErr != nil {
			return // removed from disk, served from open files
		}
		err = damaged(g.path, manifestName, "missing")
	}
	if err == nil {
		return
	}
	if g.damage.CompareAndSwap(nil, &err) {
		l.log.Error("the index in service is damaged; it goes on serving what it can until a good generation is published", "path", g.path, "err", err)
	}
}

// noteFailure looks into a read of g that failed for reasons other than the
// request's: if the files are damaged, a full check finds it. It runs in the
// background, at most one at a time, and after a read that only damage
// explains (ErrDamaged: a fault, a panic, an inconsistency) at most once
// per second; after other failures at most once per recheckAfter.
func (l *Live) noteFailure(g *generation, err error) {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return
	}
	var reqErr *RequestError
	if errors.As(err, &reqErr) {
		return
	}
	wait := recheckAfter
	if errors.Is(err, ErrDamaged) {
		wait = time.Second
	}
	if time.Since(time.Unix(0, g.lastCheck.Load())) < wait {
		return
	}
	g.inFlight.Add(1) // keep it open for the check
	go func() {
		defer g.inFlight.Done()
		l.check(g, true)
	}()
}

// Health is nil while the generation in service is sound, and otherwise the
// error that says which of its files is damaged (it matches ErrDamaged).
func (l *Live) Health() error {
	g, err := l.acquire()
	if err != nil {
		return err
	}
	defer g.inFlight.Done()
	if e := g.damage.Load(); e != nil {
		return *e
	}
	return nil
}

// Close waits for in-flight calls and closes the index.
func (l *Live) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	g := l.cur
	l.mu.Unlock()
	g.inFlight.Wait()
	return g.ix.Close()
}

// read runs one read on the current generation, keeping the generation open
// until it is done, and marks the generation damaged when the read found it
// so (noteFailure): every read that can touch index files goes through here.
func read[T any](l *Live, f func(*Index) (T, error)) (T, error) {
	g, err := l.acquire()
	if err != nil {
		var zero T
		return zero, err
	}
	defer g.inFlight.Done()
	res, err := f(g.ix)
	l.noteFailure(g, err)
	return res, err
}

// Search runs req on the current generation.
func (l *Live) Search(ctx context.Context, req Request) (*Result, error) {
	return read(l, func(ix *Index) (*Result, error) { return ix.Search(ctx, req) })
}

// Record returns one record from the current generation.
func (l *Live) Record(ctx context.Context, id string) (report.Record, error) {
	return read(l, func(ix *Index) (report.Record, error) { return ix.Record(ctx, id) })
}

// Export streams matching records from the current generation.
func (l *Live) Export(ctx context.Context, req Request, fn func(report.Record) error) error {
	g, err := l.acquire()
	if err != nil {
		return err
	}
	defer g.inFlight.Done()
	var fnErr error
	err = g.ix.Export(ctx, req, func(r report.Record) error {
		fnErr = fn(r)
		return fnErr
	})
	if fnErr == nil { // the caller's own failures say nothing of the index
		l.noteFailure(g, err)
	}
	return err
}

// DocCount is the number of records in the current generation.
func (l *Live) DocCount() uint64 {
	g, err := l.acquire()
	if err != nil {
		return 0
	}
	defer g.inFlight.Done()
	return g.ix.DocCount()
}

// Fingerprint is the mapping fingerprint of the generation in service.
func (l *Live) Fingerprint() string {
	g, err := l.acquire()
	if err != nil {
		return ""
	}
	defer g.inFlight.Done()
	return g.ix.Fingerprint()
}

// Reports lists the reports of the generation in service.
func (l *Live) Reports() []ReportInfo {
	g, err := l.acquire()
	if err != nil {
		return nil
	}
	defer g.inFlight.Done()
	return g.ix.Reports()
}

// Overview computes the state × report matrix on the current generation.
func (l *Live) Overview(ctx context.Context, req OverviewRequest) (*Overview, error) {
	return read(l, func(ix *Index) (*Overview, error) { return ix.Overview(ctx, req) })
}

// StateHistory gathers a state's records on the current generation.
func (l *Live) StateHistory(ctx context.Context, code string) (*StateHistory, error) {
	return read(l, func(ix *Index) (*StateHistory, error) { return ix.StateHistory(ctx, code) })
}

// Compare sets two reports of the current generation side by side.
func (l *Live) Compare(ctx context.Context, a, b string) (*Comparison, error) {
	return read(l, func(ix *Index) (*Comparison, error) { return ix.Compare(ctx, a, b) })
}
