package web

import (
	"bytes"
	"ctbtsearch/report"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// utf8BOM starts every CSV export. Without it Excel reads the file in the
// system's legacy code page and shows the Chinese text as mojibake.
const utf8BOM = "\uFEFF"

// csvFilename is offered to the browser for saving the export.
const csvFilename = "ctbt-universality-search.csv"

// csvHeader names the export's columns, in order.
var csvHeader = []string{
	"id", "report", "session", "section", "section_title", "state", "state_code", "annex2",
	"period", "start", "end", "months", "activity", "comment", "footnotes", "source",
}

// csvRow lays a record out in csvHeader's order.
func csvRow(r report.Record) []string {
	row := []string{
		r.ID, r.Report, strconv.Itoa(r.Session), r.Section, r.SectionTitle, r.State, r.StateCode,
		strconv.FormatBool(r.Annex2), r.Period, r.Start, r.End,
		strings.Join(r.Months, ";"), r.Activity, r.Comment, strings.Join(r.Footnotes, "\n"), r.Source,
	}
	for i, cell := range row {
		row[i] = defuseFormula(cell)
	}
	return row
}

// defuseFormula stops a spreadsheet from running a cell as a formula ("CSV
// injection"): record text comes from documents we do not control, and a
// cell beginning with one of these characters is evaluated by Excel and
// LibreOffice. A leading apostrophe makes them show it as text.
func defuseFormula(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// apiSearchCSV exports every record matching the search, ignoring page and
// size. The export is built in memory (it is bounded by index.MaxExportRows)
// so that a failure half-way is still reported as a proper error response
// instead of a silently truncated file.
func (s *server) apiSearchCSV(c echo.Context) error {
	req, err := requestFrom(c)
	if err != nil {
		return err
	}
	req.Page, req.Size = 0, 0

	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	if err := w.Write(csvHeader); err != nil {
		return err
	}
	err = s.s.Export(c.Request().Context(), req, func(r report.Record) error {
		return w.Write(csvRow(r))
	})
	if err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}

	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+csvFilename+`"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
