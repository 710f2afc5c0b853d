// Command mkfixtures renders a text report (the tab-separated form that
// report.ParseReport reads) as an HTML page laid out like a UN document:
// preamble, annex title with its footnote marker, reporting period, the
// activity table with its header row repeated on every printed page, the
// footnotes after the table part that cites them, a running header with the
// document symbol and a footer with the job number and page number.
// scripts/make-fixtures.sh prints the pages to PDF with Chromium and converts
// them to DOCX with pandoc; the tests read only the committed results.
//
// Usage:
//
//	mkfixtures -layout NAME -symbol A/62/173 -job "07-45678 (C)" [-docx] REPORT.txt > OUT.html
//
// Layouts differ in font (AR PL UMing embeds CID TrueType fonts, Noto CJK
// Type 3 fonts), font size, column widths, margins, alignment of the header
// labels and the spacing between rows, so that the PDF reader is tested on
// geometry it was not written against.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// layout is one visual variant of the rendered report.
type layout struct {
	font       string    // CSS font-family
	size       string    // body font size
	page       string    // CSS @page size
	margin     string    // CSS @page margin
	widths     [4]string // column widths
	thAlign    string    // header label alignment
	cellPad    string    // cell padding
	lineHeight string
	border     string // cell border
	// Like Word's tables: header labels centred vertically (the short ones
	// sit between the lines of the wrapped ones), section headings in the
	// first cell only (so they wrap), superscripts raised only a little.
	wordLike bool
}

var layouts = map[string]layout{
	// Ming font: Chromium embeds CID TrueType fonts, as Word's PDF export does.
	"ming": {font: "'AR PL UMing CN'", size: "11pt", page: "A4", margin: "22mm 20mm 20mm 20mm",
		widths: [4]string{"14%", "16%", "48%", "22%"}, thAlign: "center", cellPad: "3pt 4pt", lineHeight: "1.35", border: "0.5pt solid #000"},
	// Noto Sans CJK: Chromium embeds Type 3 fonts. Letter paper, wide
	// margins, left-aligned labels, only horizontal rules.
	"noto": {font: "'Noto Sans CJK SC'", size: "10pt", page: "letter", margin: "28mm 30mm 25mm 25mm",
		widths: [4]string{"18%", "20%", "40%", "22%"}, thAlign: "left", cellPad: "5pt 6pt", lineHeight: "1.5", border: "none; border-bottom: 0.5pt solid #666"},
	// Serif Noto, small type, narrow margins, no borders and little
	// padding: used only by the generality test.
	"serif": {font: "'Noto Serif CJK SC'", size: "9pt", page: "A4", margin: "12mm 14mm 14mm 14mm",
		widths: [4]string{"12%", "13%", "55%", "20%"}, thAlign: "right", cellPad: "2.5pt 3pt", lineHeight: "1.25", border: "none"},
	"word": {font: "'AR PL UMing CN'", size: "10.5pt", page: "A4", margin: "25mm 25mm 25mm 25mm",
		widths: [4]string{"14%", "12%", "52%", "22%"}, thAlign: "center", cellPad: "2pt 5pt", lineHeight: "1.3", border: "0.5pt solid #000", wordLike: true},
	// Landscape, no padding between rows and no rules: rows are told
	// apart by their dates, not by gaps.
	"tight": {font: "'AR PL UMing CN'", size: "10pt", page: "A4 landscape", margin: "15mm 18mm 15mm 18mm",
		widths: [4]string{"15%", "15%", "50%", "20%"}, thAlign: "left", cellPad: "0 4pt", lineHeight: "1.3", border: "none"},
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mkfixtures:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("mkfixtures", flag.ContinueOnError)
	name := fs.String("layout", "ming", "layout: ming, noto, serif, tight or word")
	symbol := fs.String("symbol", "", "document symbol for the running header")
	job := fs.String("job", "", "job number for the footer")
	docx := fs.Bool("docx", false, "HTML for pandoc: symbol as the first paragraph, no print styles")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("one report file expected")
	}
	lay, ok := layouts[*name]
	if !ok {
		return fmt.Errorf("unknown layout %q", *name)
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	text, err := decode(data)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	render(&b, text, lay, *symbol, *job, *docx)
	_, err = w.Write(b.Bytes())
	return err
}

func decode(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if utf8.Valid(data) {
		return string(data), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	return string(out), err
}

var (
	markerRE   = regexp.MustCompile(`\s*\^([a-z0-9]+)`)
	footnoteRE = regexp.MustCompile(`^\^([a-z0-9]+)\s*(.*)$`)
	headingRE  = regexp.MustCompile(`^[0-9]\s*(?:[(（]\s*[a-z]\s*[)）])?\s*[.．]`)
)

// cell escapes text and turns "^b" footnote markers into superscripts.
func cell(s string) string {
	s = html.EscapeString(strings.TrimSpace(s))
	return markerRE.ReplaceAllString(s, "<sup>$1</sup>")
}

func wordCSS(lay layout) string {
	if !lay.wordLike {
		return ""
	}
	return `th { vertical-align: middle; } th:nth-child(2) { padding-left: 8pt; padding-right: 8pt; }
sup { font-size: 65%; vertical-align: 0.25em; }`
}

func render(b *bytes.Buffer, text string, lay layout, symbol, job string, docx bool) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	fmt.Fprintf(b, `<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>%s</title>
<style>
@page { size: %s; margin: %s;
  @top-right { content: %q; font: 9pt %s; }
  @bottom-left { content: %q; font: 8pt %s; }
  @bottom-right { content: counter(page); font: 10pt %s; }
}
body { font-family: %s; font-size: %s; line-height: %s; margin: 0; }
p { margin: 0 0 0.6em 0; text-align: justify; }
p.center { text-align: center; }
p.note, p.fn { font-size: 85%%; }
table { border-collapse: collapse; width: 100%%; margin: 0.5em 0; }
thead { display: table-header-group; }
tr { break-inside: auto; }
th, td { vertical-align: top; text-align: left; padding: %s; border: %s; }
th { text-align: %s; font-weight: normal; }
sup { font-size: 60%%; vertical-align: super; line-height: 0; }
%s
</style></head><body>
`, html.EscapeString(symbol), lay.page, lay.margin, symbol, lay.font, job, lay.font, lay.font,
		lay.font, lay.size, lay.lineHeight, lay.cellPad, lay.border, lay.thAlign, wordCSS(lay))
	if docx && symbol != "" {
		fmt.Fprintf(b, "<p>%s</p>\n", html.EscapeString(symbol))
	}
	cols := fmt.Sprintf(`<colgroup><col style="width:%s"><col style="width:%s"><col style="width:%s"><col style="width:%s"></colgroup>`,
		lay.widths[0], lay.widths[1], lay.widths[2], lay.widths[3])
	inTable, started := false, false
	var header []string
	closeTable := func() {
		if inTable {
			b.WriteString("</tbody></table>\n")
			inTable = false
		}
	}
	openTable := func() {
		if inTable {
			return
		}
		b.WriteString("<table>" + cols + "<thead><tr>")
		for _, h := range header {
			fmt.Fprintf(b, "<th>%s</th>", cell(h))
		}
		b.WriteString("</tr></thead><tbody>\n")
		inTable = true
	}
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		cells := strings.Split(raw, "\t")
		if len(cells) >= 3 && strings.TrimSpace(cells[0]) == "国家" {
			header = cells
			started = true
			openTable()
			continue
		}
		if !started {
			class := ""
			switch {
			case strings.HasPrefix(line, "*"):
				class = ` class="note"`
			case !strings.HasPrefix(line, "1.") && !strings.HasPrefix(line, "2."):
				class = ` class="center"`
			}
			fmt.Fprintf(b, "<p%s>%s</p>\n", class, cell(line))
			continue
		}
		if m := footnoteRE.FindStringSubmatch(line); m != nil && len(cells) == 1 {
			closeTable()
			fmt.Fprintf(b, "<p class=\"fn\"><sup>%s</sup> %s</p>\n", m[1], html.EscapeString(m[2]))
			continue
		}
		if len(cells) == 1 {
			closeTable()
			fmt.Fprintf(b, "<p>%s</p>\n", cell(line))
			continue
		}
		openTable()
		rest := strings.TrimSpace(strings.Join(cells[1:], ""))
		if rest == "" && headingRE.MatchString(line) {
			if lay.wordLike {
				fmt.Fprintf(b, "<tr><td>%s</td><td></td><td></td><td></td></tr>\n", cell(cells[0]))
				continue
			}
			fmt.Fprintf(b, "<tr><td colspan=\"4\">%s</td></tr>\n", cell(cells[0]))
			continue
		}
		b.WriteString("<tr>")
		for i := range 4 {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			fmt.Fprintf(b, "<td>%s</td>", cell(c))
		}
		b.WriteString("</tr>\n")
	}
	closeTable()
	b.WriteString("</body></html>\n")
}
