package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ctbtsearch/internal/fold"
)

// MaxReportBytes bounds one report file. The largest real report is well under
// 1 MiB; anything far bigger is not a report and would only exhaust memory.
const MaxReportBytes = 32 << 20

// maxErrors caps the problems collected from one file, so a file that is not a
// report at all yields a readable message rather than thousands of lines.
const maxErrors = 20

// Report is one parsed Secretary-General's report with its activity records.
type Report struct {
	ID       string    // from the file name: "a62-ctbt-universality"
	File     string    // the name the report was read from
	Session  int       // General Assembly session, 62
	Symbol   string    // the report's document symbol when the text carries it, "" otherwise
	Period   string    // reporting period as printed under the annex title
	Date     string    // closing date of the report, YYYY-MM-DD, "" when absent
	Year     int       // the year people cite the report by: its closing date's, else its period's last; 0 when neither is known
	Format   Format    // the format the report was read from
	Footnote string    // the report-level footnote on the annex title
	Records  []Record  // in file order
	Warnings []Warning // problems that do not stop indexing, such as unknown state names
}

// Warning is a problem in a report that is worth telling but does not make the
// report unusable.
type Warning struct {
	Source  string // file:line, or file:p.3 (PDF page) / file:row 12 (DOCX table row)
	Message string
}

func (w Warning) String() string { return w.Source + ": " + w.Message }

// ParseError is a problem that makes a report unusable. Its text names the
// file and line so that the person fixing the report can go straight there.
type ParseError struct {
	File  string
	Line  int    // 0 when the problem concerns the whole file
	Place string // where in a PDF or DOCX ("p.3", "row 12"); when set, Line is the rebuilt line's number, not shown
	Msg   string
}

func (e *ParseError) Error() string {
	switch {
	case e.Place != "":
		return e.File + ":" + e.Place + ": " + e.Msg
	case e.Line == 0:
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// ReportID derives a report's id from its file name: the base name up to the
// first dot, so a62-ctbt-universality.zh.txt is "a62-ctbt-universality".
func ReportID(name string) string {
	base := filepath.Base(name)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

// ParseReportFile reads and parses one report file in any format (text,
// PDF, DOCX), recognised by content.
func ParseReportFile(path string, gz *Gazetteer) (*Report, error) {
	return ReadReportFile(context.Background(), path, gz)
}

// ReadReportFile is ParseReportFile with a context, which stops a PDF
// being read when it is cancelled.
func ReadReportFile(ctx context.Context, path string, gz *Gazetteer) (*Report, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &ParseError{File: path, Msg: "cannot read report: " + unwrapPathError(err)}
	}
	if st.IsDir() {
		return nil, &ParseError{File: path, Msg: "is a directory, not a report file"}
	}
	if st.Size() > MaxReportBytes {
		return nil, &ParseError{File: path, Msg: fmt.Sprintf("file is %d bytes, more than the %d a report can be", st.Size(), MaxReportBytes)}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &ParseError{File: path, Msg: "cannot read report: " + unwrapPathError(err)}
	}
	return ReadReport(ctx, path, data, gz)
}

// unwrapPathError drops the path from an *os.PathError: ParseError names the
// file already.
func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var (
	// 第六十二届会议
	sessionRE = regexp.MustCompile(`第\s*([〇零一二三四五六七八九十百0-9０-９]+)\s*届会议`)
	// A/62/50
	symbolRE = regexp.MustCompile(`\bA/[0-9]+/[0-9]+(?:/[A-Za-z0-9.]+)?`)
	// 1. 双边努力 — a group heading.
	groupRE = regexp.MustCompile(`^([0-9])\s*[.．]\s*(\S.*)$`)
	// 1(a). 与附件2国家有关的活动, 1 (b). …, 2（b）.
	sectionRE = regexp.MustCompile(`^([0-9])\s*[(（]\s*([a-zA-Z])\s*[)）]\s*[.．]?\s*(.*)$`)
	// A footnote marker inside a cell: "摩尔多瓦 ^b".
	markerRE = regexp.MustCompile(`\s*\^([a-z0-9]+)`)
	// A footnote text line: "^b 亚美尼亚于 …".
	footnoteRE = regexp.MustCompile(`^\^([a-z0-9]+)\s*(.*)$`)
)

// parser holds the state of one pass over a report's lines.
type parser struct {
	file   string
	places []string // per line (from 1 at index 0), where a PDF or DOCX line came from; nil for text
	gz     *Gazetteer
	rep    *Report
	errs   []error

	inTable      bool
	section      string
	sectionTitle string
	state        string // canonical state of the current block of rows
	stateCode    string
	annex2       bool
	last         *pendingRecord // the record continuation rows append to

	records   []*pendingRecord
	footnotes map[string][]string // label → text, in lines joined at the end
	fnLine    map[string]int      // label → line of its text, for duplicate checks
	lastFn    string              // label of a footnote text a following line may continue
	titleNote string              // label of the marker on the annex title
	preTable  []numberedLine      // non-empty lines before the first header row
}

type numberedLine struct {
	n    int
	text string
}

// pendingRecord is a record whose footnote labels are not resolved yet:
// footnote texts follow at the bottom of the page. Its texts are kept in
// pieces, one per continuation row, and cleaned once at the end: cleaning
// the whole text again at every row would make a long run of rows
// quadratic.
type pendingRecord struct {
	Record
	activity, comment []string
	labels            []string
	line              int
}

// place is where line n came from in a PDF or DOCX, "" for a text file.
func (p *parser) place(n int) string {
	if n >= 1 && n <= len(p.places) {
		return p.places[n-1]
	}
	return ""
}

// source names line n for records and warnings: file:line for text,
// file:p.3 for a PDF, file:row 12 for a DOCX.
func (p *parser) source(n int) string {
	if pl := p.place(n); pl != "" {
		return p.file + ":" + pl
	}
	return p.file + ":" + strconv.Itoa(n)
}

func (p *parser) errorf(line int, format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &ParseError{File: p.file, Line: line, Place: p.place(line), Msg: fmt.Sprintf(format, args...)})
	}
}

func (p *parser) warnf(line int, format string, args ...any) {
	p.rep.Warnings = append(p.rep.Warnings, Warning{Source: p.source(line), Message: fmt.Sprintf(format, args...)})
}

// ParseReport parses a report's bytes. name is used for the report id and in
// every message and record source. All problems found are returned together
// (up to a limit), each naming file:line; a report with any error yields no
// records at all, so a half-understood report never reaches the index.
func ParseReport(name string, data []byte, gz *Gazetteer) (*Report, error) {
	if len(data) > MaxReportBytes {
		return nil, &ParseError{File: name, Msg: fmt.Sprintf("file is %d bytes, more than the %d a report can be", len(data), MaxReportBytes)}
	}
	text, err := decodeText(data)
	if err != nil {
		return nil, &ParseError{File: name, Msg: err.Error()}
	}
	return parseLines(name, strings.Split(text, "\n"), nil, gz)
}

// parseLines parses a report's lines. places, when not nil, says where each
// line came from in a PDF or DOCX whose layout was rebuilt into these lines;
// records and messages then cite it instead of the line number.
func parseLines(name string, lines, places []string, gz *Gazetteer) (*Report, error) {
	// Record ids are made from the file name and must survive JSON and URLs:
	// any Unicode name does (第62届 报告.zh.txt), bytes that are not UTF-8
	// or control characters do not.
	if id := ReportID(name); id == "" || !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl) {
		return nil, &ParseError{File: strings.ToValidUTF8(name, "\uFFFD"), Msg: "the file name cannot be a report id: rename the file so that its name is valid UTF-8 text without control characters"}
	}
	p := &parser{
		file:      name,
		places:    places,
		gz:        gz,
		rep:       &Report{ID: ReportID(name), File: name},
		footnotes: map[string][]string{},
		fnLine:    map[string]int{},
	}
	for i, line := range lines {
		p.line(i+1, line)
	}
	p.finish()
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return p.rep, nil
}

func (p *parser) line(n int, raw string) {
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" {
		p.lastFn = ""
		return
	}
	cells := strings.Split(raw, "\t")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	if isHeaderRow(cells) {
		if !p.inTable {
			p.startTable(n)
		}
		p.inTable = true
		p.lastFn = ""
		return
	}
	if !p.inTable {
		p.preamble(n, trimmed)
		return
	}
	if m := footnoteRE.FindStringSubmatch(trimmed); m != nil && len(cells) == 1 {
		p.footnoteText(n, m[1], m[2])
		return
	}
	if len(cells) == 1 {
		// Free text between table pages (page headers, document numbers, a
		// footnote text wrapped onto a second line) and the closing date.
		if p.lastFn != "" {
			p.footnotes[p.lastFn] = append(p.footnotes[p.lastFn], trimmed)
			return
		}
		if per, err := ParsePeriod(trimmed); err == nil && per.Start.Equal(per.End) {
			p.rep.Date = per.Start.Format(DateLayout)
			return
		}
		p.heading(n, trimmed) // a heading without tabs; other free text is no row
		return
	}
	p.lastFn = ""
	p.row(n, cells)
}

// DateLayout is the form of every date in a record: Start, End and Report.Date.
const DateLayout = "2006-01-02"

func isHeaderRow(cells []string) bool {
	return len(cells) >= 3 && fold.RemoveSpaces(cells[0]) == "国家" && strings.Contains(fold.RemoveSpaces(cells[1]), "日期")
}

// preamble picks the report's metadata out of the text before the table.
func (p *parser) preamble(n int, line string) {
	if p.rep.Session == 0 {
		if m := sessionRE.FindStringSubmatch(line); m != nil {
			s, err := ParseChineseNumber(m[1])
			if err != nil || s <= 0 {
				p.errorf(n, "cannot read the session number in %q", line)
			} else {
				p.rep.Session = s
			}
		}
	}
	// A symbol in a footnote ("* A/62/50。" under 暂定项目表*) is another
	// document's, the provisional agenda's: only a symbol standing on its own
	// line names the report itself.
	if p.rep.Symbol == "" && !strings.HasPrefix(line, "*") {
		if m := symbolRE.FindString(line); m != "" && m == strings.TrimSpace(line) {
			// A copy: the match is a piece of the file's text, which would
			// stay in memory as long as the report's summary does. The
			// indexer keeps every report's summary through the build; at 1M
			// records that was 116 MiB of files (TestReportKeepsNoFileText).
			p.rep.Symbol = strings.Clone(m)
		}
	}
	p.preTable = append(p.preTable, numberedLine{n, line})
}

// startTable reads the annex title and reporting period from the lines just
// above the first header row: the period is printed under the title.
func (p *parser) startTable(n int) {
	pre := p.preTable
	if len(pre) > 0 {
		last := pre[len(pre)-1]
		if _, err := ParsePeriod(last.text); err == nil {
			p.rep.Period = fold.Clean(last.text)
			pre = pre[:len(pre)-1]
		} else {
			p.warnf(last.n, "no reporting period above the table (found %q)", last.text)
		}
	}
	if len(pre) > 0 {
		title := pre[len(pre)-1].text
		if m := markerRE.FindStringSubmatch(title); m != nil {
			p.titleNote = m[1]
		}
	}
	if p.rep.Session == 0 {
		p.errorf(n, "no session line (第…届会议) before the activity table")
	}
}

func (p *parser) footnoteText(n int, label, text string) {
	if prev, dup := p.fnLine[label]; dup {
		first := fmt.Sprintf("line %d", prev)
		if pl := p.place(prev); pl != "" {
			first = pl
		}
		p.errorf(n, "footnote ^%s is defined twice (first on %s)", label, first)
		return
	}
	p.footnotes[label] = []string{text}
	p.fnLine[label] = n
	p.lastFn = label
}

// heading handles group and section headings; it reports whether the text was one.
func (p *parser) heading(n int, text string) bool {
	if m := sectionRE.FindStringSubmatch(text); m != nil {
		p.section = m[1] + "(" + strings.ToLower(m[2]) + ")"
		p.sectionTitle = fold.Clean(m[3])
		p.state, p.stateCode, p.annex2 = "", "", false
		p.last = nil
		return true
	}
	if groupRE.MatchString(text) {
		p.section, p.sectionTitle = "", ""
		p.state, p.stateCode, p.annex2 = "", "", false
		p.last = nil
		return true
	}
	return false
}

func (p *parser) row(n int, cells []string) {
	if len(cells) > 4 {
		for _, c := range cells[4:] {
			if c != "" {
				p.errorf(n, "row has %d cells; a table row has 4 (国家, 日期/期间, 活动和背景, 评论)", len(cells))
				return
			}
		}
	}
	for len(cells) < 4 {
		cells = append(cells, "")
	}
	var labels []string
	for i, c := range cells[:4] {
		// Most cells carry no footnote marker; the check spares them the
		// regular expressions, which were 5% of cmd/indexer's CPU at 10k.
		if !strings.Contains(c, "^") {
			continue
		}
		for _, m := range markerRE.FindAllStringSubmatch(c, -1) {
			labels = append(labels, m[1])
		}
		cells[i] = markerRE.ReplaceAllString(c, "")
	}
	stateCell, dateCell, activity, comment := cells[0], cells[1], cells[2], cells[3]

	if dateCell == "" && activity == "" && comment == "" && len(labels) == 0 {
		if p.heading(n, stateCell) {
			return
		}
	}
	if stateCell == "" && dateCell == "" {
		if activity == "" && comment == "" && len(labels) == 0 {
			return // a row of empty cells carries nothing
		}
		if p.last == nil {
			p.errorf(n, "continuation row (no state, no date) but there is no record before it to continue")
			return
		}
		p.last.activity = append(p.last.activity, activity)
		p.last.comment = append(p.last.comment, comment)
		p.last.labels = append(p.last.labels, labels...)
		return
	}
	if p.section == "" {
		p.errorf(n, "row outside any section: expected a heading such as \"1(a). 与附件2国家有关的活动\" before it")
		return
	}
	if stateCell != "" {
		p.setState(n, stateCell)
	} else if p.state == "" {
		p.errorf(n, "row has no state and no state row comes before it in section %s", p.section)
		return
	}
	if dateCell == "" {
		p.errorf(n, "row for %s has no date/period", p.state)
		return
	}
	per, err := ParsePeriod(dateCell)
	if err != nil {
		p.errorf(n, "%v", err)
		return
	}
	rec := &pendingRecord{
		Record: Record{
			Report:       p.rep.ID,
			Section:      p.section,
			SectionTitle: p.sectionTitle,
			State:        p.state,
			StateCode:    p.stateCode,
			Annex2:       p.annex2,
			Period:       fold.Clean(dateCell),
			Start:        per.Start.Format(DateLayout),
			End:          per.End.Format(DateLayout),
			Months:       per.Months,

			Source: p.source(n),
		},
		activity: []string{activity},
		comment:  []string{comment},
		labels:   labels,
		line:     n,
	}
	p.records = append(p.records, rec)
	p.last = rec
}

func (p *parser) setState(n int, cell string) {
	name := fold.RemoveSpaces(cell)
	if st, ok := p.gz.Lookup(name); ok {
		p.state, p.stateCode, p.annex2 = st.Name, st.Code, st.Annex2
		return
	}
	p.state, p.stateCode, p.annex2 = name, "", false
	p.warnf(n, "unknown state name %q: kept as written, without a country code", name)
}

// finish resolves footnotes, which are printed after the rows that cite
// them, and checks the report as a whole.
func (p *parser) finish() {
	if !p.inTable {
		p.errorf(0, "no activity table: the header row \"国家 日期/期间 活动和背景 评论\" was not found")
		return
	}
	if len(p.records) == 0 && len(p.errs) == 0 {
		p.errorf(0, "the activity table has no rows")
	}
	notes := make(map[string]string, len(p.footnotes))
	for label, lines := range p.footnotes {
		notes[label] = fold.Clean(strings.Join(lines, " "))
	}
	if p.titleNote != "" {
		if t, ok := notes[p.titleNote]; ok {
			p.rep.Footnote = t
		} else {
			p.warnf(1, "the annex title cites footnote ^%s but its text was not found", p.titleNote)
		}
	}
	if p.rep.Date == "" {
		p.warnf(1, "no closing date line found after the table")
	}
	p.rep.Year = reportYear(p.rep.Date, p.rep.Period)
	p.rep.Records = make([]Record, 0, len(p.records))
	for i, pr := range p.records {
		rec := pr.Record
		rec.Activity = fold.Clean(strings.Join(pr.activity, " "))
		rec.Comment = fold.Clean(strings.Join(pr.comment, " "))
		rec.ID = RecordID(p.rep.ID, i+1)
		rec.Session = p.rep.Session
		rec.Footnotes = []string{}
		seen := map[string]bool{}
		for _, l := range pr.labels {
			if seen[l] {
				continue
			}
			seen[l] = true
			t, ok := notes[l]
			if !ok {
				p.errorf(pr.line, "footnote marker ^%s has no footnote text in the report", l)
				continue
			}
			rec.Footnotes = append(rec.Footnotes, t)
		}
		p.rep.Records = append(p.rep.Records, rec)
	}
}

// reportYear is the year a report is cited by: UN documents carry the year
// they are issued, which is the closing date's; without one, the last year
// its reporting period covers is the best guess (the report follows it).
func reportYear(date, period string) int {
	if d, err := time.Parse(DateLayout, date); err == nil {
		return d.Year()
	}
	if per, err := ParsePeriod(period); err == nil {
		return per.End.Year()
	}
	return 0
}
