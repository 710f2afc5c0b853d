package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Reading Word (DOCX) reports: the annex table from word/document.xml, every
// paragraph outside it as a line, footnote markers from superscript runs and
// Word footnotes, the document symbol from the page headers. ~3 ms a report
// (docs/PERFORMANCE.md), so no limit but the size of the parts.

// maxDOCXPart bounds the unpacked size of one XML part: a ZIP bomb must not
// exhaust memory. The largest real report's document.xml is well under 2 MiB.
const maxDOCXPart = 64 << 20

const wordNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

func isDOCX(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			return true
		}
	}
	return false
}

func readDOCX(name string, data []byte, gz *Gazetteer) (*Report, error) {
	lines, err := docxLines(data)
	if err != nil {
		return nil, &ParseError{File: name, Msg: err.Error()}
	}
	return parseSrcLines(name, lines, gz)
}

// docxLines rebuilds a DOCX report's lines.
func docxLines(data []byte) ([]srcLine, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, errors.New("the DOCX file is damaged (not a readable ZIP archive): download or save it again")
	}
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[f.Name] = f
	}
	doc, ok := parts["word/document.xml"]
	if !ok {
		return nil, errors.New("the DOCX file has no word/document.xml: it is not a Word document; save the report as DOCX or PDF")
	}
	w := &docxWalker{footIDs: map[string]string{}}
	// The symbol stands in the page header (top right) of UN documents.
	for nm, f := range parts {
		if strings.HasPrefix(nm, "word/header") && strings.HasSuffix(nm, ".xml") {
			hw := &docxWalker{footIDs: map[string]string{}}
			if err := hw.walkPart(f); err == nil {
				for _, l := range hw.lines {
					if m := symbolRE.FindString(l.text); m != "" && (w.symbol == "" || m < w.symbol) {
						w.symbol = m
					}
				}
			}
		}
	}
	if err := w.walkPart(doc); err != nil {
		return nil, err
	}
	hasTable := false
	for _, l := range w.lines {
		hasTable = hasTable || isHeaderRow(strings.Split(l.text, "\t"))
	}
	if !hasTable {
		return nil, errors.New("no annex table found (no table whose header row is 国家 / 日期/期间 / 活动和背景 / 评论): this DOCX is not a CTBT universality report")
	}
	var out []srcLine
	if w.symbol != "" {
		out = append(out, srcLine{w.symbol, "header"})
	}
	out = append(out, w.lines...)
	if len(w.footOrder) > 0 {
		if f, ok := parts["word/footnotes.xml"]; ok {
			notes, err := docxFootnotes(f)
			if err != nil {
				return nil, err
			}
			out = append(out, srcLine{"", ""})
			for _, id := range w.footOrder {
				out = append(out, srcLine{"^" + w.footIDs[id] + " " + notes[id], "footnote " + w.footIDs[id]}, srcLine{"", ""})
			}
		}
	}
	return out, nil
}

// docxWalker turns a part's paragraphs and tables into lines.
type docxWalker struct {
	lines     []srcLine
	symbol    string
	paras     int
	rows      int
	footIDs   map[string]string // Word footnote id → label cited in the text
	footOrder []string
	pendingID string // a footnote reference whose custom mark follows
}

func openPart(f *zip.File) (io.ReadCloser, error) {
	if f.UncompressedSize64 > maxDOCXPart {
		return nil, fmt.Errorf("the DOCX part %s unpacks to %d bytes, more than the %d a report can be: it is not one report", f.Name, f.UncompressedSize64, maxDOCXPart)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("the DOCX file is damaged (%s: %v): download or save it again", f.Name, err)
	}
	return rc, nil
}

func (w *docxWalker) walkPart(f *zip.File) error {
	rc, err := openPart(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, maxDOCXPart))
	var tblDepth int
	var row []string  // cells of the current row of the outermost table
	var rowGrid []int // grid span of each cell
	var cell []string // paragraphs of the current cell
	var vmergeCont bool
	var para strings.Builder
	var inPara, inDel, sup, inRun, inRPr bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("the DOCX file is damaged (%s is not well-formed XML: %v): download or save it again", f.Name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "tbl":
				tblDepth++
			case "tr":
				if tblDepth == 1 {
					row, rowGrid = nil, nil
				}
			case "tc":
				if tblDepth == 1 {
					cell, vmergeCont = nil, false
					rowGrid = append(rowGrid, 1)
				}
			case "gridSpan":
				if tblDepth == 1 && len(rowGrid) > 0 {
					if n, err := strconv.Atoi(attr(t, "val")); err == nil && n > 0 && n < 64 {
						rowGrid[len(rowGrid)-1] = n
					}
				}
			case "vMerge":
				// No value, or "continue": the cell goes on from the one
				// above, whose text is already there.
				if v := attr(t, "val"); v == "" || v == "continue" {
					vmergeCont = true
				}
			case "p":
				inPara = true
				para.Reset()
			case "del", "moveFrom":
				inDel = true
			case "r":
				inRun, sup = true, false
			case "rPr":
				inRPr = true
			case "vertAlign":
				if inRPr && inRun {
					sup = attr(t, "val") == "superscript"
				}
			case "t":
				if inDel || !inPara {
					dec.Skip()
					continue
				}
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return fmt.Errorf("the DOCX file is damaged (%s: %v): download or save it again", f.Name, err)
				}
				if sup && w.pendingID != "" {
					w.footIDs[w.pendingID] = strings.TrimSpace(s)
					w.pendingID = ""
				}
				if sup && isMarkerLabel(strings.TrimSpace(s)) {
					para.WriteString(" ^" + strings.TrimSpace(s) + " ")
				} else {
					para.WriteString(s)
				}
			case "tab":
				if inPara && inRun {
					para.WriteString(" ")
				}
			case "br", "cr":
				if inPara && inRun {
					para.WriteString(" ")
				}
			case "footnoteReference":
				id := attr(t, "id")
				if _, seen := w.footIDs[id]; !seen {
					w.footOrder = append(w.footOrder, id)
					w.footIDs[id] = strconv.Itoa(len(w.footOrder))
				}
				if v := attr(t, "customMarkFollows"); v == "1" || v == "true" || v == "on" {
					w.pendingID = id
				} else {
					para.WriteString(" ^" + w.footIDs[id] + " ")
				}
			}
		case xml.EndElement:
			if t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "del", "moveFrom":
				inDel = false
			case "r":
				inRun, sup = false, false
			case "rPr":
				inRPr = false
			case "p":
				inPara = false
				text := strings.TrimSpace(para.String())
				if tblDepth > 0 {
					if text != "" {
						cell = append(cell, text)
					}
				} else {
					// Each paragraph is a line of its own: the blank line after
					// it keeps the closing date from gluing onto a footnote.
					w.paras++
					w.lines = append(w.lines, srcLine{text, "para " + strconv.Itoa(w.paras)}, srcLine{"", ""})
				}
			case "tc":
				if tblDepth == 1 {
					text := joinWrapped(cell)
					if vmergeCont {
						text = ""
					}
					row = append(row, text)
				}
			case "tr":
				if tblDepth == 1 {
					var cells []string
					for i, c := range row {
						cells = append(cells, c)
						for range rowGrid[i] - 1 {
							cells = append(cells, "")
						}
					}
					w.rows++
					w.lines = append(w.lines, srcLine{strings.Join(cells, "\t"), "row " + strconv.Itoa(w.rows)})
				}
			case "tbl":
				tblDepth--
				if tblDepth == 0 {
					// A table ends: what follows is not a row's continuation.
					w.lines = append(w.lines, srcLine{"", ""})
				}
			}
		}
	}
	return nil
}

func isMarkerLabel(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// docxFootnotes reads word/footnotes.xml: id → text.
func docxFootnotes(f *zip.File) (map[string]string, error) {
	rc, err := openPart(f)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(io.LimitReader(rc, maxDOCXPart))
	notes := map[string]string{}
	var id string
	var b strings.Builder
	inDel := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return notes, nil
		}
		if err != nil {
			return nil, fmt.Errorf("the DOCX file is damaged (word/footnotes.xml: %v): download or save it again", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "footnote":
				id = attr(t, "id")
				b.Reset()
			case "del":
				inDel = true
			case "t":
				var s string
				if err := dec.DecodeElement(&s, &t); err != nil {
					return nil, fmt.Errorf("the DOCX file is damaged (word/footnotes.xml: %v): download or save it again", err)
				}
				if !inDel {
					b.WriteString(s)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "del":
				inDel = false
			case "footnote":
				notes[id] = strings.TrimSpace(b.String())
			}
		}
	}
}
