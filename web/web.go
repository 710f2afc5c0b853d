// Package web is the HTTP face of the CTBT universality search: the HTML
// search and record pages, the pages that follow states across the reports
// (overview, state, comparison), the JSON and CSV API, health and metrics.
//
// It is an adapter and nothing more. It turns HTTP requests into
// index.Request values, hands them to a Searcher and renders what comes back;
// it knows nothing of Bleve, of report files or of how the index is stored.
// New builds a complete, self-contained Echo instance (routes, middleware,
// error handling, templates, static files, a private metrics registry), so
// the caller only has to run it inside an http.Server.
package web

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// Searcher is what the web layer needs from an index. *index.Index satisfies
// it; cmd/search may pass a wrapper that swaps indexes while serving.
type Searcher interface {
	// Search returns one page of hits with facets. A request the client can
	// fix is reported as *index.RequestError.
	Search(ctx context.Context, req index.Request) (*index.Result, error)
	// Record returns one record; index.ErrNotFound when the id is unknown.
	Record(ctx context.Context, id string) (report.Record, error)
	// RecordDetail returns one record with its report, its neighbouring
	// rows and its text marked for query; index.ErrNotFound when the id is
	// unknown.
	RecordDetail(ctx context.Context, id, query string) (index.RecordDetail, error)
	// Export calls fn for every record matching req, in sort order, up to
	// index.MaxExportRows records.
	Export(ctx context.Context, req index.Request, fn func(report.Record) error) error
	// DocCount is the number of records in the index.
	DocCount() uint64
	// Reports lists the reports of the index, newest session first.
	Reports() []index.ReportInfo
	// Overview is the state × report matrix of a search.
	Overview(ctx context.Context, req index.OverviewRequest) (*index.Overview, error)
	// StateHistory is one state's records across the reports;
	// index.ErrUnknownState for a code the gazetteer does not know.
	StateHistory(ctx context.Context, code string) (*index.StateHistory, error)
	// Compare sets two reports side by side; an unknown report id is a
	// *index.RequestError.
	Compare(ctx context.Context, a, b string) (*index.Comparison, error)
}

// DefaultRequestTimeout bounds one request when Options.RequestTimeout is
// zero. A search over the whole index takes milliseconds; a request still
// running after this long is stuck and should give its resources back.
const DefaultRequestTimeout = 10 * time.Second

// maxBodyBytes is the request body limit. Every route is a GET, so any body
// at all is unexpected; the limit only keeps a misbehaving client from
// streaming data at us.
const maxBodyBytes = "64K"

// Options configure New.
type Options struct {
	// Logger receives the request log and the details of internal errors.
	// Nil discards them.
	Logger *slog.Logger
	// Version is shown in page footers and /healthz.
	Version string
	// Revision, the VCS revision the binary was built from, is shown in
	// /healthz.
	Revision string
	// RequestTimeout bounds the context handed to the Searcher. Zero means
	// DefaultRequestTimeout; a negative value disables the bound.
	RequestTimeout time.Duration
	// MaxExports bounds the CSV exports running at once; more are refused
	// with a 503 and Retry-After. Zero means DefaultMaxExports.
	MaxExports int
	// ExportStallTimeout is how long a piece of an export may wait for the
	// client to take it before the export is cut and its slot freed. Zero
	// means DefaultExportStallTimeout.
	ExportStallTimeout time.Duration
}

// server holds what the handlers share. One server backs one Echo instance.
type server struct {
	s        Searcher
	log      *slog.Logger
	version  string
	revision string
	views    *views
	static   *staticFiles
	metrics  *metrics
	exports  chan struct{} // one token per running CSV export

	exportStall time.Duration
}

// New builds the whole web application around s.
//
// It panics if the embedded templates or static files are broken: that is a
// programming error which the package's tests catch, not a run-time
// condition.
func New(s Searcher, opts Options) *echo.Echo {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := opts.RequestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}

	staticFS, err := fs.Sub(embeddedFiles, "static")
	if err != nil {
		panic(err)
	}
	st, err := newStaticFiles(staticFS)
	if err != nil {
		panic(err)
	}
	maxExports := opts.MaxExports
	if maxExports <= 0 {
		maxExports = DefaultMaxExports
	}
	srv := &server{
		s:        s,
		log:      log,
		version:  opts.Version,
		revision: opts.Revision,
		static:   st,
		metrics:  newMetrics(s),
		exports:  make(chan struct{}, maxExports),
	}
	srv.exportStall = opts.ExportStallTimeout
	if srv.exportStall <= 0 {
		srv.exportStall = DefaultExportStallTimeout
	}
	srv.views, err = newViews(embeddedFiles, st.url, opts.Version)
	if err != nil {
		panic(err)
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = srv.handleError

	// Order matters. Outermost first: headers are set before anything can
	// write; observe sees the final status because it renders errors itself;
	// recover turns a panic below it into an ordinary error for observe.
	e.Use(securityHeaders)
	e.Use(srv.observe)
	e.Use(srv.recoverPanic)
	e.Use(compress())
	e.Use(middleware.BodyLimit(maxBodyBytes))
	if timeout > 0 {
		e.Use(requestTimeout(timeout))
	}

	get := []string{http.MethodGet, http.MethodHead}
	e.Match(get, "/", srv.searchPage)
	e.Match(get, "/records/:id", srv.recordPage)
	e.Match(get, "/api/search", srv.apiSearch)
	e.Match(get, "/api/search.csv", srv.apiSearchCSV)
	e.Match(get, "/api/records/:id", srv.apiRecord)
	e.Match(get, "/overview", srv.overviewPage)
	e.Match(get, "/api/overview", srv.apiOverview)
	e.Match(get, "/api/overview.csv", srv.apiOverviewCSV)
	e.Match(get, "/states/:code", srv.statePage)
	e.Match(get, "/api/states/:code", srv.apiState)
	e.Match(get, "/compare", srv.comparePage)
	e.Match(get, "/api/compare", srv.apiCompare)
	e.Match(get, "/static/*", srv.static.serve)
	e.Match(get, "/healthz", srv.healthz)
	e.Match(get, "/metrics", echo.WrapHandler(srv.metrics.handler()))
	// Only these patterns become metric labels; see metrics.route. (A
	// catch-all RouteNotFound would be simpler, but Echo lets it take
	// precedence over 405 Method Not Allowed.)
	for _, r := range e.Routes() {
		srv.metrics.addRoute(r.Path)
	}

	return e
}
