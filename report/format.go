package report

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Recognising a report's format by its content: people rename files, and a
// UN download may come without an extension.

// Format is how a report file is encoded.
type Format int

const (
	FormatText Format = iota
	FormatPDF
	FormatDOCX
	FormatDOC // legacy Word: refused with advice
	FormatZIP // a ZIP that is not a Word document
)

func (f Format) String() string {
	return [...]string{"text", "PDF", "DOCX", "Word 97-2003 (.doc)", "ZIP"}[f]
}

// SniffFormat tells a report's format from its first bytes.
func SniffFormat(data []byte) Format {
	head := data[:min(len(data), 1024)]
	switch {
	// The PDF header may follow a little junk (some servers prepend bytes);
	// readers accept it within the first kilobyte.
	case bytes.Contains(head, []byte("%PDF-")):
		return FormatPDF
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return FormatDOC
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		if isDOCX(data) {
			return FormatDOCX
		}
		return FormatZIP
	}
	return FormatText
}

// ReadReport reads a report in any supported format: text, PDF or DOCX,
// recognised by content. name is used for the report id and in every
// message and record source.
func ReadReport(ctx context.Context, name string, data []byte, gz *Gazetteer) (*Report, error) {
	if len(data) > MaxReportBytes {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("file is %d bytes, more than the %d a report can be: index one report per file", len(data), MaxReportBytes)}
	}
	switch SniffFormat(data) {
	case FormatPDF:
		rep, err := readPDF(ctx, name, data, gz)
		if rep != nil {
			rep.Format = FormatPDF
		}
		return rep, err
	case FormatDOCX:
		rep, err := readDOCX(name, data, gz)
		if rep != nil {
			rep.Format = FormatDOCX
		}
		return rep, err
	case FormatDOC:
		return nil, &ParseError{File: name, Msg: "this is a legacy Word document (.doc), which is not read: open it in Word or LibreOffice and save it as DOCX or PDF, or download the PDF from the UN's document system"}
	case FormatZIP:
		return nil, &ParseError{File: name, Msg: "this is a ZIP archive but not a Word document (no word/document.xml): unpack it and index the reports inside, or save the report as DOCX or PDF"}
	}
	return ParseReport(name, data, gz)
}

// readPDF rebuilds a PDF report's lines and parses them.
func readPDF(ctx context.Context, name string, data []byte, gz *Gazetteer) (*Report, error) {
	pages, err := readPDFPages(ctx, data)
	if err != nil {
		return nil, docError(name, err)
	}
	lines, err := pdfLines(pages)
	if err != nil {
		return nil, docError(name, err)
	}
	return parseSrcLines(name, lines, gz)
}

func parseSrcLines(name string, lines []srcLine, gz *Gazetteer) (*Report, error) {
	texts := make([]string, len(lines))
	places := make([]string, len(lines))
	for i, l := range lines {
		texts[i], places[i] = l.text, l.place
	}
	return parseLines(name, texts, places, gz)
}

// docError names the file (and the page, for "p.N: …" errors) in a
// document-level error.
func docError(name string, err error) error {
	msg := err.Error()
	place := ""
	if strings.HasPrefix(msg, "p.") {
		if i := strings.Index(msg, ": "); i > 0 {
			place, msg = msg[:i], msg[i+2:]
		}
	}
	return &ParseError{File: name, Place: place, Msg: msg}
}
