package index

import (
	"context"
	"ctbtsearch/report"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Live serves from the generation in service at an index location and moves
// to a new generation when the indexer publishes one, without a failed
// request: searches started on the old generation finish on it, and it is
// closed once the last of them is done.
type Live struct {
	loc string
	log *slog.Logger

	mu     sync.RWMutex
	cur    *generation
	closed bool

	reloadMu sync.Mutex // one reload at a time
}

type generation struct {
	ix       *Index
	path     string
	inFlight sync.WaitGroup
}

// OpenLive opens the generation in service at loc.
func OpenLive(loc string, log *slog.Logger) (*Live, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ix, path, err := OpenCurrent(loc)
	if err != nil {
		return nil, err
	}
	return &Live{loc: loc, log: log, cur: &generation{ix: ix, path: path}}, nil
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
// whether it switched. A generation that fails to open is not switched to:
// the server goes on with the one it has.
func (l *Live) Reload() (bool, error) {
	l.reloadMu.Lock()
	defer l.reloadMu.Unlock()
	path, err := CurrentPath(l.loc)
	if err != nil {
		return false, fmt.Errorf("reload index: %w", err)
	}
	if path == l.Path() {
		return false, nil
	}
	ix, err := Open(path)
	if err != nil {
		return false, fmt.Errorf("reload index: %w", err)
	}
	next := &generation{ix: ix, path: path}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		ix.Close()
		return false, errors.New("reload index: index is closed")
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
// until ctx ends. Reading one symbolic link per interval costs nothing.
func (l *Live) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := l.Reload(); err != nil {
				l.log.Warn("index not reloaded", "err", err)
			}
		}
	}
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

// Search runs req on the current generation.
func (l *Live) Search(ctx context.Context, req Request) (*Result, error) {
	g, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer g.inFlight.Done()
	return g.ix.Search(ctx, req)
}

// Record returns one record from the current generation.
func (l *Live) Record(ctx context.Context, id string) (report.Record, error) {
	g, err := l.acquire()
	if err != nil {
		return report.Record{}, err
	}
	defer g.inFlight.Done()
	return g.ix.Record(ctx, id)
}

// Export streams matching records from the current generation.
func (l *Live) Export(ctx context.Context, req Request, fn func(report.Record) error) error {
	g, err := l.acquire()
	if err != nil {
		return err
	}
	defer g.inFlight.Done()
	return g.ix.Export(ctx, req, fn)
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
	g, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer g.inFlight.Done()
	return g.ix.Overview(ctx, req)
}

// StateHistory gathers a state's records on the current generation.
func (l *Live) StateHistory(ctx context.Context, code string) (*StateHistory, error) {
	g, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer g.inFlight.Done()
	return g.ix.StateHistory(ctx, code)
}

// Compare sets two reports of the current generation side by side.
func (l *Live) Compare(ctx context.Context, a, b string) (*Comparison, error) {
	g, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer g.inFlight.Done()
	return g.ix.Compare(ctx, a, b)
}
