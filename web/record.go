package web

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// maxIDBytes bounds a record id. Real ids are a report id plus an ordinal,
// such as "a62-ctbt-universality-17", well under this.
const maxIDBytes = 128

// validID reports whether id could be a record id: ASCII letters, digits,
// '-', '_' and '.', not starting with '.'. Anything else cannot name a record,
// so it is answered without asking the index.
func validID(id string) bool {
	if id == "" || len(id) > maxIDBytes || id[0] == '.' {
		return false
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// recordID is the record id named by the :id path parameter. An id that
// cannot exist is a 404 like an unknown one: to the client both simply name
// no record.
func recordID(c echo.Context) (string, error) {
	// Echo hands over path parameters still %-escaped.
	id, err := url.PathUnescape(c.Param("id"))
	if err != nil || !validID(id) {
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
