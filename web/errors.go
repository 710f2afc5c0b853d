package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
)

// internalErrorMessage is all a client learns about a failure on our side.
// The error itself may name files, queries or library internals; it goes to
// the log instead.
const internalErrorMessage = "internal error"

// errorJSON is the body of every JSON error response.
type errorJSON struct {
	Error string `json:"error"`
}

// handleError is the one place that turns a handler's error into a response.
// It is installed as Echo's HTTPErrorHandler and called by observe.
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		// Too late to change the status. A client that went away is not a
		// failure of ours; anything else is, and the operator must hear of
		// it. Either way the connection is cut (see observe), so that the
		// client cannot take a partial body for a whole one.
		c.Set(abortKey, true)
		if clientGone(c, err) {
			c.Set(outcomeKey, outcomeClientGone)
			return
		}
		c.Set(outcomeKey, outcomeCutShort)
		s.logFailure(c, c.Response().Status, err)
		return
	}
	if clientGone(c, err) {
		// Nobody will read an answer. Nginx's 499 says so in the request
		// log and the metrics, where a 503 would look like our failure.
		c.Set(outcomeKey, outcomeClientGone)
		c.Response().WriteHeader(statusClientClosedRequest)
		return
	}
	status, msg := s.classify(c, err)
	if errors.Is(err, errExportsBusy) {
		c.Response().Header().Set("Retry-After", exportRetryAfter)
	}

	var reqErr *index.RequestError
	switch {
	case wantsJSON(c.Request()):
		err = c.JSON(status, errorJSON{Error: msg})
	case c.Path() == "/" && errors.As(err, &reqErr):
		// A refused search is answered with the search page, not the bare
		// error page, so the person can correct it where they typed it.
		// It is done here rather than in searchPage so that this stays the
		// one place that turns errors into responses: every RequestError
		// on "/", from ParseSearchParams or from the index, takes this
		// path, and observe logs and counts it like any other 400.
		if err = s.searchErrorPage(c, reqErr); err != nil && !c.Response().Committed {
			s.log.Error("rendering the search page for a refused search", "err", err)
			err = s.renderError(c, status, msg)
		}
	case errors.As(err, &reqErr):
		// Refused parameters of the other pages (overview, compare): the
		// Chinese explanation of the parameter, then the details.
		err = s.renderErrorPage(c, status, paramProblem(reqErr.Param), msg)
	default:
		err = s.renderError(c, status, msg)
	}
	if err != nil {
		s.log.LogAttrs(c.Request().Context(), slog.LevelError, "writing error response",
			slog.String("path", c.Request().URL.Path), slog.Any("err", err))
	}
}

// classify maps an error to a status and a message safe to show the client.
// Only errors whose text was written for clients are shown verbatim; anything
// unexpected becomes a generic 500 and is logged with its details.
func (s *server) classify(c echo.Context, err error) (int, string) {
	var reqErr *index.RequestError
	var httpErr *echo.HTTPError
	switch {
	case errors.As(err, &reqErr):
		return http.StatusBadRequest, reqErr.Error()
	case errors.Is(err, index.ErrNotFound):
		return http.StatusNotFound, "record not found"
	case errors.As(err, &httpErr) && httpErr.Code < http.StatusInternalServerError:
		msg, ok := httpErr.Message.(string)
		if !ok || msg == "" {
			msg = http.StatusText(httpErr.Code)
		}
		return httpErr.Code, msg // as written: "JPN" stays a code
	case errors.Is(err, context.DeadlineExceeded):
		s.log.LogAttrs(c.Request().Context(), slog.LevelWarn, "request timed out",
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path), slog.Any("err", err))
		return http.StatusServiceUnavailable, "the search took too long; please try a narrower query"
	case errors.Is(err, errExportsBusy):
		return http.StatusServiceUnavailable, err.Error()
	}
	s.logFailure(c, http.StatusInternalServerError, err)
	return http.StatusInternalServerError, internalErrorMessage
}

// statusClientClosedRequest is nginx's status for a request whose client
// closed the connection before the answer; it is only ever logged.
const statusClientClosedRequest = 499

// Keys of what handleError tells observe through the echo.Context.
const (
	abortKey   = "web.abort"   // cut the connection: the response cannot be completed
	outcomeKey = "web.outcome" // how a request ended, when not with its status
)

// Outcomes logged with a request whose status does not tell the whole story.
const (
	outcomeClientGone = "client disconnected"
	outcomeCutShort   = "response cut short by a server error"
)

// clientGone reports whether err means the client is no longer there to read
// the answer: it closed the connection (the request's context is cancelled,
// or writing fails with a broken pipe or a reset) or stopped reading until
// the server's write timeout expired.
func clientGone(c echo.Context, err error) bool {
	if errors.Is(err, context.Canceled) && errors.Is(c.Request().Context().Err(), context.Canceled) {
		return true
	}
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}

func (s *server) logFailure(c echo.Context, status int, err error) {
	r := c.Request()
	s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("route", c.Path()),
		slog.Int("status", status),
		slog.Any("err", err),
	)
}

// wantsJSON reports whether errors for r are rendered as JSON: the API and
// the machine endpoints get JSON, people's pages get HTML.
func wantsJSON(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/metrics"
}
