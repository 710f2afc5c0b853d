package report

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"
)

// makeDOCX packs parts into a DOCX archive.
func makeDOCX(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const wordDoc = `<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>`

func para(runs string) string { return "<w:p>" + runs + "</w:p>" }
func run(text string) string  { return `<w:r><w:t xml:space="preserve">` + text + `</w:t></w:r>` }
func supRun(text string) string {
	return `<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>` + text + `</w:t></w:r>`
}
func cell(props, content string) string {
	return "<w:tc><w:tcPr>" + props + "</w:tcPr>" + content + "</w:tc>"
}

// Word's own constructs, as the UN's DOCX files use them: a state cell
// merged down over its rows (vMerge), a heading row spanning the table
// (gridSpan), deleted text kept as a tracked change, a superscript marker,
// a Word footnote with a custom mark, the symbol in the page header, a run
// inside a hyperlink, a cell of two paragraphs.
func TestDOCXWordConstructs(t *testing.T) {
	body := para(run("第六十二届会议")) +
		para(run("关于为争取各国普遍加入《全面禁止核试验条约》所作努力的报告")+`<w:r><w:footnoteReference w:customMarkFollows="1" w:id="2"/></w:r>`+supRun("a")) +
		para(run("2006年6月至2007年5月")) +
		"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/><w:gridCol/><w:gridCol/></w:tblGrid>" +
		"<w:tr>" + cell("", para(run("国家"))) + cell("", para(run("日期/期间"))) + cell("", para(run("活动和背景"))) + cell("", para(run("评论"))) + "</w:tr>" +
		"<w:tr>" + cell(`<w:gridSpan w:val="4"/>`, para(run("1(a). 与附件2国家有关的活动"))) + "</w:tr>" +
		"<w:tr>" + cell(`<w:vMerge w:val="restart"/>`, para(run("澳大利亚"))) + cell("", para(run("2006年6月"))) +
		cell("", para(run("澳大利亚促请印度尼西亚")+`<w:del><w:r><w:delText>不</w:delText></w:r><w:r><w:t>已删除</w:t></w:r></w:del>`+run("尽早批准《条约》。"))) + cell("", "<w:p/>") + "</w:tr>" +
		"<w:tr>" + cell(`<w:vMerge/>`, "<w:p/>") + cell("", para(run("2006年9月"))) +
		cell("", para(`<w:hyperlink><w:r><w:t>与摩尔多瓦</w:t></w:r></w:hyperlink>`+supRun("b")+run("会晤。"))+para(run("第二段。"))) + cell("", para(run("评论文字"))) + "</w:tr>" +
		"</w:tbl>" +
		para(supRun("b")+run(" 摩尔多瓦于2007年1月16日批准了《条约》。")) +
		para(run("2007年6月26日"))
	footnotes := `<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
		`<w:footnote w:id="2"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:t>a</w:t></w:r><w:r><w:t> 报告所列的是已经完成的活动。</w:t></w:r></w:p></w:footnote></w:footnotes>`
	header := `<?xml version="1.0" encoding="UTF-8"?><w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` + para(run("A/62/173")) + `</w:hdr>`
	data := makeDOCX(t, map[string]string{
		"[Content_Types].xml": `<Types/>`,
		"word/document.xml":   strings.Replace(wordDoc, "%s", body, 1),
		"word/footnotes.xml":  footnotes,
		"word/header1.xml":    header,
	})
	rep, err := ReadReport(context.Background(), "w.docx", data, DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Symbol != "A/62/173" || rep.Session != 62 || rep.Date != "2007-06-26" || rep.Period != "2006年6月至2007年5月" {
		t.Errorf("report: symbol %q session %d date %q period %q", rep.Symbol, rep.Session, rep.Date, rep.Period)
	}
	if !strings.Contains(rep.Footnote, "报告所列的是已经完成的活动") {
		t.Errorf("annex footnote %q: the Word footnote's text was not found", rep.Footnote)
	}
	if len(rep.Records) != 2 {
		t.Fatalf("got %d records, want 2: %+v", len(rep.Records), rep.Records)
	}
	r0, r1 := rep.Records[0], rep.Records[1]
	if r0.Section != "1(a)" || r0.State != "澳大利亚" || r0.Activity != "澳大利亚促请印度尼西亚尽早批准《条约》。" {
		t.Errorf("record 1: section %q state %q activity %q (deleted text must not show)", r0.Section, r0.State, r0.Activity)
	}
	if r1.State != "澳大利亚" || r1.Activity != "与摩尔多瓦会晤。第二段。" || r1.Comment != "评论文字" ||
		len(r1.Footnotes) != 1 || !strings.Contains(r1.Footnotes[0], "摩尔多瓦于2007年1月16日") {
		t.Errorf("record 2: state %q activity %q comment %q footnotes %q", r1.State, r1.Activity, r1.Comment, r1.Footnotes)
	}
	if r0.Source != "w.docx:row 3" || r1.Source != "w.docx:row 4" {
		t.Errorf("sources %q, %q; want w.docx:row 3 and row 4", r0.Source, r1.Source)
	}
}

func TestDOCXDamaged(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts map[string]string
		want  string
	}{
		{"no document part", map[string]string{"word/styles.xml": "<x/>"}, "not a Word document"},
		{"broken XML", map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}, "damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadReport(context.Background(), "d.docx", makeDOCX(t, tc.parts), DefaultGazetteer())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "d.docx:") {
				t.Errorf("error %v, want one naming d.docx and saying %q", err, tc.want)
			}
		})
	}
}
