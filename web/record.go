package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// validID reports whether id could be a record id: valid UTF-8 without
// control characters, at most report.MaxRecordIDBytes, and not a dot segment. File names
// give such ids — Chinese, spaces, '%', '#', '?' and all — so that every
// record can be opened; anything else cannot name a record and is answered
// without asking the index. (Control characters are refused here as in the
// report filter, params.go; a file name holding one should be refused by the
// indexer.)
func validID(id string) bool {
	if id == "" || len(id) > report.MaxRecordIDBytes || id == "." || id == ".." || !utf8.ValidString(id) {
		return false
	}
	return !strings.ContainsFunc(id, unicode.IsControl)
}

// pathParam returns the path parameter name as the client meant it, %-escapes
// decoded once. Echo routes on the request's raw path when Go keeps one
// (only when the client escaped differently from Go's default, e.g. "%2F" or
// lower-case hex) and on the decoded path otherwise, so its parameters come
// escaped or not depending on the client: decoding them always would turn a
// "%" of an id such as "50% 报告-001" into an error, never decoding them would
// miss every id a client escaped its own way.
func pathParam(c echo.Context, name string) (string, bool) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, true
	}
	v, err := url.PathUnescape(v)
	return v, err == nil
}

// recordID is the record id named by the :id path parameter. An id that
// cannot exist is a 404 like an unknown one: to the client both simply name
// no record.
func recordID(c echo.Context) (string, error) {
	id, ok := pathParam(c, "id")
	if !ok || !validID(id) {
		return "", index.ErrNotFound
	}
	return id, nil
}

// record fetches the record named by the :id path parameter.
func (s *server) record(c echo.Context) (report.Record, error) {
	id, err := recordID(c)
	if err != nil {
		return report.Record{}, err
	}
	return s.s.Record(c.Request().Context(), id)
}
