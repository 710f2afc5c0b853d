package web

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"ctbtsearch/report"
)

// utf8BOM starts every CSV export. Without it Excel reads the file in the
// system's legacy code page and shows the Chinese text as mojibake.
const utf8BOM = "\uFEFF"

// csvFilename is offered to the browser for saving the export.
const csvFilename = "ctbt-universality-search.csv"

// csvChunkBytes is how much of an export is gathered before it is handed to
// the connection and flushed. An export is streamed in pieces of this size,
// so its memory does not grow with the number of rows: before, a whole
// export (10,000 rows, about 10 MB) was built in memory, and 100 slow
// clients took the server from 80 to 616 MiB.
const csvChunkBytes = 32 << 10

// DefaultMaxExports bounds the CSV exports running at once when
// Options.MaxExports is zero. An export holds a pinned index snapshot, its
// list of up to index.MaxExportRows hits (≈2 MB) and a compressor for as
// long as the client takes to read it, and it decodes every record it sends.
// Under the server's GOGC of 800 each MB held live lets the heap grow by
// nine before a collection, up to the 256 MiB soft limit: measured on 35,200
// records with 60 slow clients, 8 slots gave a peak RSS of 319 MiB, 4 gave
// 251–300 MiB (docs/RELIABILITY.md). Four also keep both cores free for searches.
const DefaultMaxExports = 4

// DefaultExportStallTimeout is how long one piece of an export may take to leave:
// a client that stops reading frees its slot after this, while a slow link
// that keeps reading may take as long as it needs, up to maxExportDuration.
// (The server's WriteTimeout would otherwise cut every export at 60 s,
// which is too short for 10 MB on a 1 Mbit/s link, and let a client that
// reads nothing hold a slot for all of it.)
const (
	DefaultExportStallTimeout = 15 * time.Second
	maxExportDuration         = 10 * time.Minute
)

// exportRetryAfter is the Retry-After, in seconds, of a refused export. An
// export of the largest size takes about a second on a good link.
const exportRetryAfter = "5"

// errExportsBusy refuses an export while Options.MaxExports are running.
var errExportsBusy = errors.New("too many exports are running; try again in a few seconds")

// csvHeader names the export's columns, in order.
var csvHeader = []string{
	"id", "report", "session", "section", "section_title", "state", "state_code", "annex2",
	"period", "start", "end", "months", "activity", "comment", "footnotes", "source",
}

// csvRow lays a record out in csvHeader's order.
func csvRow(r report.Record) []string {
	return []string{
		r.ID, r.Report, strconv.Itoa(r.Session), r.Section, r.SectionTitle, r.State, r.StateCode,
		strconv.FormatBool(r.Annex2), r.Period, r.Start, r.End,
		strings.Join(r.Months, ";"), r.Activity, r.Comment, strings.Join(r.Footnotes, "\n"), r.Source,
	}
}

// appendCSVRow appends one CSV line (RFC 4180, CRLF) to b. A cell is quoted
// when it holds a comma, a semicolon, a quote, a line break or starts with a
// space: Excel in locales whose list separator is ";" (German, French, …)
// splits unquoted cells at semicolons, which encoding/csv does not quote.
func appendCSVRow(b *bytes.Buffer, row []string) {
	for i, cell := range row {
		if i > 0 {
			b.WriteByte(',')
		}
		cell = defuseFormula(cell)
		if !strings.ContainsAny(cell, ",;\"\r\n") && !strings.HasPrefix(cell, " ") {
			b.WriteString(cell)
			continue
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(cell, `"`, `""`))
		b.WriteByte('"')
	}
	b.WriteString("\r\n")
}

// formulaStarts are the characters that make a spreadsheet evaluate a cell
// as a formula, with the full-width forms that Excel and LibreOffice treat
// like their ASCII ones (＝ ＋ － ＠), which Chinese text is full of.
const formulaStarts = "=+-@\t\r＝＋－＠"

// defuseFormula stops a spreadsheet from running a cell as a formula ("CSV
// injection"): record text comes from documents we do not control, and a
// cell beginning with one of formulaStarts is evaluated by Excel and
// LibreOffice. A leading apostrophe makes them show it as text.
func defuseFormula(cell string) string {
	first, _ := utf8.DecodeRuneInString(cell)
	if cell != "" && strings.ContainsRune(formulaStarts, first) {
		return "'" + cell
	}
	return cell
}

// apiSearchCSV exports every record matching the search, ignoring page and
// size. Rows are streamed in csvChunkBytes pieces, so an export's memory is
// bounded whatever its size and however slowly the client reads; at most
// Options.MaxExports run at once and the others are refused with a 503 and
// Retry-After.
//
// Errors before the first row (a refused search, a timeout, a damaged index)
// are ordinary error responses. An error after the first piece has been
// sent can no longer change the status: the connection is then cut without
// the end of the chunked body, so the client sees a failed download instead
// of a silently truncated file (see handleError and observe).
func (s *server) apiSearchCSV(c echo.Context) error {
	req, err := requestFrom(c)
	if err != nil {
		return err
	}
	req.Page, req.Size = 0, 0

	select {
	case s.exports <- struct{}{}:
		defer func() { <-s.exports }()
	default:
		return errExportsBusy
	}

	res := c.Response()
	h := res.Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+csvFilename+`"`)
	h.Set("Cache-Control", "no-store")
	if c.Request().Method == http.MethodHead {
		res.WriteHeader(http.StatusOK)
		return nil
	}

	var buf bytes.Buffer
	buf.Grow(csvChunkBytes + 4<<10)
	buf.WriteString(utf8BOM)
	appendCSVRow(&buf, csvHeader)
	rc := http.NewResponseController(res)
	last := time.Now().Add(maxExportDuration)
	send := func() error {
		// Not every ResponseWriter has deadlines (a test recorder has
		// not); without, the server's own timeouts apply.
		deadline := time.Now().Add(s.exportStall)
		if deadline.After(last) {
			deadline = last
		}
		_ = rc.SetWriteDeadline(deadline)
		if _, err := res.Write(buf.Bytes()); err != nil {
			return err
		}
		res.Flush()
		buf.Reset()
		return nil
	}
	err = s.s.Export(c.Request().Context(), req, func(r report.Record) error {
		appendCSVRow(&buf, csvRow(r))
		if buf.Len() < csvChunkBytes {
			return nil
		}
		return send()
	})
	if err == nil {
		err = send()
	}
	return err
}
