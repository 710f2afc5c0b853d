// Command search serves the CTBT universality report search: the HTML search
// page and the JSON API.
//
// Usage:
//
//	search [-index DIR] [-addr HOST:PORT] [-reload DURATION] [-match-cache MIB]
//
// Flags (each may also come from the environment; a flag wins):
//
//	-index   index location, as built by the indexer command
//	         (env CTBT_INDEX; default: the user cache directory, e.g. ~/.cache/ctbtsearch/index)
//	-addr    address to listen on (env CTBT_ADDR; default localhost:8080,
//	         reachable from this machine only; -addr :8080 serves others)
//	-reload  how often to look for a newly published index (env CTBT_RELOAD; default 2s)
//	-match-cache  memory for the matches of recent queries, in MiB (env CTBT_MATCH_CACHE;
//	         default 64; 0 turns it off): a reader's next page, filter or sort of the
//	         same query is answered from it without searching the text again
//
// When the location holds no index yet, search builds one from the sample
// reports embedded in the binary, so `go run ./cmd/search` serves real
// results at once. When the indexer publishes a new index, the server
// switches to it without a restart (also at once on SIGHUP). SIGINT or
// SIGTERM shut it down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"ctbtsearch/index"
	// Imported first of all for its side effect: SIGHUP is caught from the
	// first millisecond (see the package).
	_ "ctbtsearch/internal/hangup"
	"ctbtsearch/web"
)

// defaultAddr is loopback only, as Elasticsearch and Meilisearch do by
// default: a researcher's laptop must not serve its index and /metrics to
// the whole network because someone ran `go run ./cmd/search`. Serving
// others is a decision: -addr :8080, best behind a proxy (docs/SECURITY.md).
const defaultAddr = "localhost:8080"

// Server timeouts: generous for people on slow links, short enough that idle
// or stalled connections cannot pile up.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 60 * time.Second // CSV exports set their own deadlines, piece by piece (web/csv.go)
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 15 * time.Second
)

// maxMatchCacheMiB bounds -match-cache: a typo of a few zeros should not
// let the cache take the machine.
const maxMatchCacheMiB = 16 << 10

// Garbage collection settings unless GOGC or GOMEMLIMIT say otherwise. A
// search makes short-lived garbage and the live heap is small (50 MiB at a
// million records), so at Go's default the collector runs constantly:
// measured at 10k records and 16 clients, 643 req/s at GOGC=100, 1,027 at
// 800. The soft memory limit keeps a large collection's heap bounded all
// the same. See docs/PERFORMANCE.md.
const (
	gcPercent   = 800
	memoryLimit = 256 << 20
)

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "search:", err)
		}
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Take SIGHUP from the start: its default action ends the process, and
	// an indexer's "publish, then kill -HUP" may come while the server is
	// still opening (or building) its index. One that comes then is
	// answered with a reload once the server runs; one that comes before
	// run, while packages initialise, is dropped (internal/hangup): there
	// is no index yet to reload.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.SetOutput(stderr)
	indexDir := fs.String("index", "", "index location (env CTBT_INDEX; default: the user cache directory)")
	addr := fs.String("addr", envOr("CTBT_ADDR", defaultAddr), "address to listen on; :8080 serves other machines too (env CTBT_ADDR)")
	reloadDefault, err := time.ParseDuration(envOr("CTBT_RELOAD", "2s"))
	if err != nil {
		return fmt.Errorf("CTBT_RELOAD: %w", err)
	}
	reload := fs.Duration("reload", reloadDefault, "how often to look for a new index (env CTBT_RELOAD)")
	cacheDefault, err := strconv.Atoi(envOr("CTBT_MATCH_CACHE", strconv.Itoa(index.DefaultMatchCacheBytes>>20)))
	if err != nil {
		return fmt.Errorf("CTBT_MATCH_CACHE: %w", err)
	}
	matchCache := fs.Int("match-cache", cacheDefault, "MiB for the matches of recent queries; 0: none (env CTBT_MATCH_CACHE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *reload <= 0 {
		return errors.New("-reload must be positive")
	}
	if *matchCache < 0 || *matchCache > maxMatchCacheMiB {
		return fmt.Errorf("-match-cache must be between 0 and %d MiB", maxMatchCacheMiB)
	}
	if *indexDir == "" {
		if *indexDir, err = index.DefaultLocation(); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	live, err := index.OpenServing(ctx, *indexDir, log)
	if err != nil {
		return err
	}
	defer live.Close()
	live.SetMatchCache(int64(*matchCache) << 20)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	version, revision := buildVersion()
	srv := &http.Server{
		Handler:           web.New(live, web.Options{Logger: log, Version: version, Revision: revision}),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go live.Watch(watchCtx, *reload)
	go reloadOnHangup(watchCtx, live, log, hup)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "serving %d records at http://%s\n", live.DocCount(), displayAddr(ln.Addr()))

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func reloadOnHangup(ctx context.Context, live *index.Live, log *slog.Logger, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if _, err := live.Reload(); err != nil {
				log.Warn("SIGHUP: index not reloaded", "err", err)
			}
		}
	}
}

// buildVersion is the module version and VCS revision the binary was built
// from, as the Go toolchain recorded them ("(devel)" and no revision when
// built without VCS information, e.g. with -buildvcs=false). A revision
// built from a modified tree ends in "-dirty".
func buildVersion() (version, revision string) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", ""
	}
	version = info.Main.Version
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if revision != "" && modified {
		revision += "-dirty"
	}
	return version, revision
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", tcp.Port)
	}
	return a.String()
}
