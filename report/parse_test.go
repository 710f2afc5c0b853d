package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"ctbtsearch"
	"ctbtsearch/internal/fold"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

const sampleName = "data/reports/a62-ctbt-universality.zh.txt"

func sampleBytes(t testing.TB) []byte {
	t.Helper()
	data, err := ctbtsearch.SampleReports.ReadFile(sampleName)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseSample(t testing.TB) *Report {
	t.Helper()
	rep, err := ParseReport(sampleName, sampleBytes(t), DefaultGazetteer())
	if err != nil {
		t.Fatalf("ParseReport(sample): %v", err)
	}
	return rep
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./index -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gotLines), len(wantLines)); i++ {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", path, i+1, g, w)
		}
	}
}

// reportJSONL renders a report the way `indexer -dump` does: the report's
// metadata first (as a test-only header line), then one record per line.
func reportJSONL(t *testing.T, rep *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	meta := map[string]any{
		"report": rep.ID, "session": rep.Session, "symbol": rep.Symbol, "period": rep.Period,
		"date": rep.Date, "year": rep.Year, "footnote": rep.Footnote, "warnings": warningStrings(rep.Warnings),
	}
	if err := enc.Encode(meta); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Records {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func warningStrings(ws []Warning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

func TestParseSampleGolden(t *testing.T) {
	rep := parseSample(t)
	golden(t, "a62.golden.jsonl", reportJSONL(t, rep))

	// Independent of the golden file: the figures the issue fixes.
	if len(rep.Records) != 88 {
		t.Errorf("records = %d, want 88", len(rep.Records))
	}
	perSection := map[string]int{}
	for _, r := range rep.Records {
		perSection[r.Section]++
	}
	want := map[string]int{"1(a)": 20, "1(b)": 14, "2(a)": 43, "2(b)": 11}
	for s, n := range want {
		if perSection[s] != n {
			t.Errorf("section %s: %d records, want %d", s, perSection[s], n)
		}
	}
	if rep.Session != 62 || rep.Period != "2006年6月至2007年5月" || rep.Date != "2007-06-26" || rep.Symbol != "" {
		t.Errorf("metadata = session %d, period %q, date %q, symbol %q", rep.Session, rep.Period, rep.Date, rep.Symbol)
	}
	if !strings.HasPrefix(rep.Footnote, "报告所列的是已经完成的活动") {
		t.Errorf("report footnote = %q", rep.Footnote)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings: %v", rep.Warnings)
	}
}

// The records that test the hard parts of the format, asserted by content so
// that a wrong golden file cannot hide them.
func TestParseSampleTrickyRows(t *testing.T) {
	rep := parseSample(t)
	find := func(state, period, activityPrefix string) Record {
		t.Helper()
		for _, r := range rep.Records {
			if r.State == state && r.Period == period && strings.HasPrefix(r.Activity, activityPrefix) {
				return r
			}
		}
		t.Fatalf("no record %s / %s / %s…", state, period, activityPrefix)
		return Record{}
	}
	t.Run("continued across a page break", func(t *testing.T) {
		r := find("乌克兰", "2006年10月", "在朝鲜民主主义人民共和国宣布将进行核试验后")
		if !strings.Contains(r.Activity, "避免采取任何可能造成重大国际影响的步骤") {
			t.Errorf("activity not joined across the page break: %q", r.Activity)
		}
	})
	t.Run("comment continued across a page break", func(t *testing.T) {
		r := find("澳大利亚", "2006年9月20日", "澳大利亚共同召集了")
		if r.Comment != "澳大利亚外交部长共同主持了会议并参加了会后举行的新闻发布会。有72个国家赞同部长级联合声明。" {
			t.Errorf("comment = %q", r.Comment)
		}
	})
	t.Run("footnote marker in the activity", func(t *testing.T) {
		r := find("乌克兰", "2006年6月至2007年5月", "在与亚美尼亚")
		if strings.Contains(r.Activity, "^") || !strings.Contains(r.Activity, "和摩尔多瓦的双边交往中") {
			t.Errorf("marker not removed: %q", r.Activity)
		}
		if len(r.Footnotes) != 1 || !strings.HasPrefix(r.Footnotes[0], "亚美尼亚于2006年7月12日批准了《条约》") {
			t.Errorf("footnotes = %q", r.Footnotes)
		}
	})
	t.Run("wrapped state name", func(t *testing.T) {
		r := find("委内瑞拉玻利瓦尔共和国", "2006年9月20日", "委内瑞拉玻利瓦尔共和国参加了")
		if r.StateCode != "VEN" || r.Section != "2(a)" {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("historic spelling", func(t *testing.T) {
		r := find("委内瑞拉玻利瓦尔共和国", "2006年10月", "委内瑞拉玻利瓦尔共和国积极参加")
		if r.StateCode != "VEN" || r.Section != "2(b)" {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("United Kingdom is Annex 2", func(t *testing.T) {
		r := find("大不列颠及北爱尔兰联合王国", "2006年8月至2007年5月", "")
		if r.StateCode != "GBR" || !r.Annex2 || r.Section != "1(b)" {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("day range across months", func(t *testing.T) {
		r := find("俄罗斯联邦", "2006年8月31日至9月1日", "")
		if r.Start != "2006-08-31" || r.End != "2006-09-01" || strings.Join(r.Months, ",") != "2006-08,2006-09" {
			t.Errorf("got %s..%s %v", r.Start, r.End, r.Months)
		}
	})
	t.Run("spaced period", func(t *testing.T) {
		r := find("澳大利亚", "2007年2月25日至28日", "")
		if r.Start != "2007-02-25" || r.End != "2007-02-28" {
			t.Errorf("got %s..%s", r.Start, r.End)
		}
	})
	t.Run("year-long period touches 12 months", func(t *testing.T) {
		r := find("阿根廷", "2006年6月至2007年5月", "")
		if len(r.Months) != 12 || r.Months[0] != "2006-06" || r.Months[11] != "2007-05" {
			t.Errorf("months = %v", r.Months)
		}
	})
}

func TestParseIDsAreStable(t *testing.T) {
	a, b := parseSample(t), parseSample(t)
	for i := range a.Records {
		if a.Records[i].ID != b.Records[i].ID {
			t.Fatalf("record %d: id %s then %s", i, a.Records[i].ID, b.Records[i].ID)
		}
	}
	if a.Records[0].ID != "a62-ctbt-universality-001" {
		t.Errorf("first id = %s", a.Records[0].ID)
	}
}

// Every encoding and line-end convention the reports arrive in gives the
// same records as the UTF-8 original.
func TestParseEncodings(t *testing.T) {
	utf8Data := sampleBytes(t)
	want := parseSample(t).Records
	encode := func(enc interface{ Bytes([]byte) ([]byte, error) }, data []byte) []byte {
		out, err := enc.Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	crlf := bytes.ReplaceAll(utf8Data, []byte("\n"), []byte("\r\n"))
	cases := []struct {
		name string
		data []byte
	}{
		{"utf-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, utf8Data...)},
		{"utf-8 CRLF", crlf},
		{"utf-16le BOM", encode(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), crlf)},
		{"utf-16be BOM", encode(unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder(), utf8Data)},
		{"gb18030", encode(simplifiedchinese.GB18030.NewEncoder(), utf8Data)},
		{"gbk CRLF", encode(simplifiedchinese.GBK.NewEncoder(), crlf)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ParseReport(sampleName, tc.data, DefaultGazetteer())
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Records) != len(want) {
				t.Fatalf("%d records, want %d", len(rep.Records), len(want))
			}
			for i := range want {
				g, w := rep.Records[i], want[i]
				if g.Activity != w.Activity || g.State != w.State || g.Start != w.Start || g.Source != w.Source {
					t.Fatalf("record %d differs:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

// minimalReport builds a small report around the given table rows, for
// bad-input cases.
func minimalReport(rows ...string) string {
	return "第六十二届会议\n\n附件\n\n关于…的报告\n\n2006年6月至2007年5月\n\n国家\t日期/期间\t活动和背景\t评论\n" +
		strings.Join(rows, "\n") + "\n\n2007年6月26日\n"
}

func TestParseBadInput(t *testing.T) {
	cases := []struct {
		name string
		data string
		want string // substring of the error, which must also name file:line
	}{
		{"no table", "第六十二届会议\n\n秘书长的报告\n", "bad.txt: no activity table"},
		{"empty table", minimalReport(), "bad.txt: the activity table has no rows"},
		{"impossible month", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷\t2006年13月\t活动\t"), "bad.txt:11: period \"2006年13月\""},
		{"continuation without record", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "\t\t续文\t"), "bad.txt:11: continuation row"},
		{"row before section", minimalReport("阿根廷\t2006年6月\t活动\t"), "bad.txt:10: row outside any section"},
		{"state row without date", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷\t\t活动\t"), "bad.txt:11: row for 阿根廷 has no date"},
		{"date without state", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "\t2006年6月\t活动\t"), "bad.txt:11: row has no state"},
		{"too many cells", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷\t2006年6月\t活动\t评论\t多余"), "bad.txt:11: row has 5 cells"},
		{"footnote without text", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷 ^q\t2006年6月\t活动\t"), "bad.txt:11: footnote marker ^q"},
		{"duplicate footnote", minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷\t2006年6月\t活动\t", "^b 一", "^b 二"), "bad.txt:13: footnote ^b is defined twice (first on line 12)"},
		{"no session", strings.Replace(minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷\t2006年6月\t活动\t"), "第六十二届会议", "", 1), "bad.txt:9: no session line"},
		{"binary", "\x00\x01\x02国家", "bad.txt: file contains NUL bytes"},
		{"not text", "\xff\xfe\xfd\x80\x81", "not valid UTF-16"},
		{"invalid gb18030", "\x81\x20\x81\x20", "neither UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ParseReport("bad.txt", []byte(tc.data), DefaultGazetteer())
			if err == nil {
				t.Fatalf("no error; got %d records", len(rep.Records))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestParseReportFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ParseReportFile(filepath.Join(dir, "missing.txt"), DefaultGazetteer()); err == nil || !strings.Contains(err.Error(), "missing.txt: cannot read report: no such file") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := ParseReportFile(dir, DefaultGazetteer()); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestParseUnknownStateWarns(t *testing.T) {
	rep, err := ParseReport("x.txt", []byte(minimalReport("2(b). 区域\t\t\t", "火星联盟\t2006年6月\t活动\t")), DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Records[0]; r.State != "火星联盟" || r.StateCode != "" {
		t.Errorf("record = %+v", r)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0].String(), "x.txt:11: unknown state name") {
		t.Errorf("warnings = %v", rep.Warnings)
	}
}

func TestSectionHeadings(t *testing.T) {
	cases := []struct {
		name, line, code, title string
	}{
		{"tight", "1(a). 与附件2国家有关的活动", "1(a)", "与附件2国家有关的活动"},
		{"spaced", "1 (b). 与非附件2 国家有关的活动", "1(b)", "与非附件2国家有关的活动"},
		{"spaced 2", "2 (b). 区域", "2(b)", "区域"},
		{"full-width parentheses", "2（a）. 全球", "2(a)", "全球"},
		{"full-width dot", "2(a)． 全球", "2(a)", "全球"},
		{"no dot", "2(b) 区域", "2(b)", "区域"},
		{"upper case letter", "1(A). 与附件2国家有关的活动", "1(a)", "与附件2国家有关的活动"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ParseReport("h.txt", []byte(minimalReport(tc.line+"\t\t\t", "阿根廷\t2006年6月\t活动\t")), DefaultGazetteer())
			if err != nil {
				t.Fatal(err)
			}
			if r := rep.Records[0]; r.Section != tc.code || r.SectionTitle != tc.title {
				t.Errorf("section = %q %q, want %q %q", r.Section, r.SectionTitle, tc.code, tc.title)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"wrapped state", "大不列颠及 北爱尔兰联 合王国", "大不列颠及北爱尔兰联合王国"},
		{"digits between Chinese", "附件 2 国家", "附件2国家"},
		{"latin words keep their space", "Article  XIV conference", "Article XIV conference"},
		{"full-width digits fold", "２００６年", "2006年"},
		{"full-width punctuation stays", "条约，（或）", "条约，（或）"},
		{"ideographic space", "联合国　大会", "联合国大会"},
		{"trim", "  文本 ", "文本"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fold.Clean(tc.in); got != tc.want {
				t.Errorf("fold.Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sampleBytes(f))
	f.Add([]byte(minimalReport("1(a). 与附件2国家有关的活动\t\t\t", "阿根廷 ^b\t2006年6月\t活动\t", "\t\t续\t评", "^b 注")))
	f.Add([]byte("国家\t日期/期间\t活动和背景\t评论\n\t\t\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ParseReport("fuzz.txt", data, DefaultGazetteer())
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.txt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(rep.Records) == 0 {
			t.Fatal("a report without error has no records")
		}
		for _, r := range rep.Records {
			if r.Start > r.End || len(r.Months) == 0 || r.Section == "" || r.State == "" {
				t.Fatalf("inconsistent record %+v", r)
			}
		}
	})
}

func BenchmarkParseSample(b *testing.B) {
	data := sampleBytes(b)
	gz := DefaultGazetteer()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseReport(sampleName, data, gz); err != nil {
			b.Fatal(err)
		}
	}
}

// The second fixture is a 64th-session report in another year's shape:
// GB18030 with CRLF, other states and date forms, page breaks elsewhere.
// testdata/a64-expected.md lists what a correct parse is, record by record.
func TestParseSecondYearGolden(t *testing.T) {
	const name = "testdata/a64-ctbt-universality.zh.txt"
	rep, err := ParseReportFile(name, DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "a64.golden.jsonl", reportJSONL(t, rep))

	perSection := map[string]int{}
	annex2 := 0
	for _, r := range rep.Records {
		perSection[r.Section]++
		if r.Annex2 {
			annex2++
		}
	}
	if len(rep.Records) != 30 || perSection["1(a)"] != 8 || perSection["1(b)"] != 7 || perSection["2(a)"] != 9 || perSection["2(b)"] != 6 {
		t.Errorf("records = %d, per section %v; want 30: 8, 7, 9, 6", len(rep.Records), perSection)
	}
	if annex2 != 23 {
		t.Errorf("annex2 records = %d, want 23", annex2)
	}
	if rep.Session != 64 || rep.Period != "2008年6月至2009年5月" || rep.Date != "2009-07-14" {
		t.Errorf("metadata = %d %q %q", rep.Session, rep.Period, rep.Date)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0].String(), ":67: unknown state name \"欧洲联盟\"") {
		t.Errorf("warnings = %v", rep.Warnings)
	}
	byLine := map[string]Record{}
	for _, r := range rep.Records {
		byLine[strings.TrimPrefix(r.Source, name+":")] = r
	}
	checks := []struct {
		name, line, state, code, period, start, end string
		months                                      int
	}{
		{"em dash month range", "41", "大韩民国", "KOR", "2008年7月—8月", "2008-07-01", "2008-08-31", 2},
		{"wrapped state name", "42", "大不列颠及北爱尔兰联合王国", "GBR", "2008年6月至2009年5月", "2008-06-01", "2009-05-31", 12},
		{"marker in state cell", "48", "哥伦比亚", "COL", "2008年9月", "2008-09-01", "2008-09-30", 1},
		{"full-width digits", "62", "奥地利", "AUT", "2008年9月24日", "2008-09-24", "2008-09-24", 1},
		{"state carried across a page break", "65", "奥地利", "AUT", "2008年12月2日", "2008-12-02", "2008-12-02", 1},
		{"days across the year end", "69", "日本", "JPN", "2008年12月31日至2009年1月2日", "2008-12-31", "2009-01-02", 2},
		{"list of days", "74", "大韩民国", "KOR", "2009年5月5日、6日和9日", "2009-05-05", "2009-05-09", 1},
		{"full-width parentheses", "75", "委内瑞拉玻利瓦尔共和国", "VEN", "2008年12月2日", "2008-12-02", "2008-12-02", 1},
		{"half-width parentheses", "84", "委内瑞拉玻利瓦尔共和国", "VEN", "2008年11月", "2008-11-01", "2008-11-30", 1},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			r, ok := byLine[c.line]
			if !ok {
				t.Fatalf("no record from line %s", c.line)
			}
			if r.State != c.state || r.StateCode != c.code || r.Period != c.period || r.Start != c.start || r.End != c.end || len(r.Months) != c.months {
				t.Errorf("got %s %s %q %s..%s %v", r.State, r.StateCode, r.Period, r.Start, r.End, r.Months)
			}
		})
	}
	t.Run("activity and comment continued across a page break", func(t *testing.T) {
		r := byLine["51"]
		if !strings.HasPrefix(r.Comment, "墨西哥常驻维也纳代表团同时向") || strings.Contains(r.Activity, "\t") {
			t.Errorf("record 51: %+v", r)
		}
	})
}

func TestReportYear(t *testing.T) {
	for _, tc := range []struct {
		name, date, period string
		want               int
	}{
		{"closing date wins", "2007-08-03", "2006年6月至2007年5月", 2007},
		{"period's last year without a date", "", "2008年6月至2009年5月", 2009},
		{"neither", "", "", 0},
		{"unreadable period", "", "某时", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reportYear(tc.date, tc.period); got != tc.want {
				t.Errorf("reportYear(%q, %q) = %d, want %d", tc.date, tc.period, got, tc.want)
			}
		})
	}
}

// Report ids come from file names and must round-trip through JSON and URLs:
// any Unicode name does; names that are not UTF-8, hold control characters
// are refused, naming the file.
func TestParseReportFileNames(t *testing.T) {
	data := sampleBytes(t)
	for _, tc := range []struct {
		name, file, wantID string
		ok                 bool
	}{
		{"Chinese with a space", "第62届 报告.zh.txt", "第62届 报告", true},
		{"ASCII", "a62.zh.txt", "a62", true},
		{"invalid UTF-8", "a62\xff.txt", "", false},
		{"control character", "a62\x01.txt", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ParseReport(tc.file, data, DefaultGazetteer())
			if !tc.ok {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), "file name cannot be a report id") {
					t.Fatalf("ParseReport(%q) = %v, want a ParseError about the file name", tc.file, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.ID != tc.wantID || !strings.HasPrefix(rep.Records[0].ID, tc.wantID+"-") {
				t.Errorf("id %q, first record %q; want %q", rep.ID, rep.Records[0].ID, tc.wantID)
			}
		})
	}
}
