package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// contentSecurityPolicy allows nothing but our own stylesheet, script and
// images. The templates therefore contain no inline script, no <style> and no
// style= attribute; facet bars use CSS classes or SVG attributes instead.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; " +
	"img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every response carries, errors included.
// They are set before the handler runs so that no code path can write a
// response without them.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// observe logs each request and records its metrics. It hands a handler's
// error to the error handler itself, rather than leaving that to Echo after
// the chain returns, so that the status it logs is the one the client got.
func (s *server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		took := time.Since(start)
		req, res := c.Request(), c.Response()
		route := s.metrics.route(c.Path())
		s.metrics.observe(route, req.Method, res.Status, took)
		// The query string is left out on purpose: it holds what people
		// searched for, which the operator does not need to keep.
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", route),
			slog.Int("status", res.Status),
			slog.Duration("duration", took),
			slog.Int64("bytes", res.Size),
		}
		outcome, _ := c.Get(outcomeKey).(string)
		if outcome != "" {
			attrs = append(attrs, slog.String("outcome", outcome))
		}
		level := levelFor(route, res.Status)
		if outcome == outcomeCutShort {
			level = slog.LevelWarn
		}
		s.log.LogAttrs(req.Context(), level, "request", attrs...)
		if abort, _ := c.Get(abortKey).(bool); abort {
			// The response was committed and cannot be completed. Ending
			// the handler normally would end the chunked body properly, and
			// the client would take a truncated file for a whole one;
			// http.ErrAbortHandler makes the server drop the connection
			// instead, without logging a panic.
			panic(http.ErrAbortHandler)
		}
		return nil
	}
}

// recoverPanic turns a panic in a handler into an error carrying the panic
// value and stack, so it is logged once by the error handler and answered
// with a 500 instead of taking the connection (or the process) down.
func (s *server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				// The server's own signal to drop the connection; let it through.
				panic(r)
			}
			stack := make([]byte, 8<<10)
			stack = stack[:runtime.Stack(stack, false)]
			err = fmt.Errorf("panic: %v\n%s", r, stack)
		}()
		return next(c)
	}
}

// requestTimeout bounds the request's context, which every Searcher call
// receives, so a pathological search gives up instead of piling up.
func requestTimeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// levelFor makes server failures stand out in the request log (their details
// are logged separately by handleError) and keeps the probes' and scrapers'
// requests, made every few seconds, out of the way unless debugging.
func levelFor(route string, status int) slog.Level {
	switch {
	case status >= http.StatusInternalServerError:
		return slog.LevelWarn
	case route == "/healthz" || route == "/metrics":
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// compress gzips pages, JSON and CSV for clients that accept it: a results
// page of 35 KB travels as about 5 KB. Streamed CSV stays streamed: each
// piece the export flushes is flushed through the compressor.
//
// Static files are left alone (they are small, cached for a year, and
// http.ServeContent answers Range requests, whose byte ranges would not
// match a compressed body), and so is /metrics, which the Prometheus
// handler compresses itself. Error responses are not compressed either:
// they are written by handleError, outside this middleware.
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/static/") || p == "/metrics"
		},
		// Below this size the gzip header and trailer would cost about as
		// much as they save, and the body is sent as it is.
		MinLength: 1 << 10,
	})
}
