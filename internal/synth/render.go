package synth

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"ctbtsearch/internal/fold"
)

// render writes a report in the text format of the real ones.
func render(w *bufio.Writer, rep *synthReport, r *rand.Rand, st *Stats) {
	s := rep.spec.session
	cn := ChineseNumeral(s)
	fmt.Fprintf(w, "SYNTHETIC TEST DATA — 合成测试数据，不是联合国文件 (ctbtsearch/internal/synth)\n\n")
	if rep.symbol != "" {
		fmt.Fprintf(w, "%s\n", rep.symbol)
	}
	fmt.Fprintf(w, "\n\n")
	fmt.Fprintf(w, "第%s届会议\n\n暂定项目表* 项目 %d\n\n全面禁止核试验条约\n\n全面禁止核试验条约\n\n秘书长的报告\n\n", cn, 80+r.IntN(40))
	fmt.Fprintf(w, "1. 大会在其题为“全面禁止核试验条约”的第 %d/%d 号决议第 %d 段请秘书长同全面禁止核试验条约组织筹备委员会协商编写报告，"+
		"说明已批准《条约》的国家为各国普遍加入《条约》作出的努力以及向请求在批准程序上得到协助的国家提供这种协助的可能性，"+
		"并向大会第%s届会议提出该报告。\n", s-1, 60+r.IntN(60), 5+r.IntN(5), cn)
	// The footnote on 暂定项目表* names the provisional agenda, another document.
	fmt.Fprintf(w, "2. 本报告即是根据该项请求提交的。全面禁止核试验条约组织筹备委员会提交的关于这个主题的资料载于附件。\n\n* A/%d/50。\n\n\n\n", s)
	fmt.Fprintf(w, "附件\n\n关于为争取各国普遍加入《全面禁止核试验条约》所作努力的报告^a\n\n%s\n\n%s\n", rep.period, headerRow)

	pg := &pager{w: w, r: r, st: st, rep: rep}
	pg.pending = []footnote{{"a", "报告所列的是已经完成的活动(即:不是正在进行的或计划进行的活动)和旨在促使条约生效的活动。"}}
	pg.newPage()
	// Every section gets its headings, even one without rows in a small
	// report; rows come in section order.
	group, i := byte(0), 0
	for _, sec := range sectionOrder {
		if sec[0] != group {
			group = sec[0]
			pg.line(groupHeadings[group] + "\t\t\t")
		}
		pg.line(sectionHeadings[sec][r.IntN(2)] + "\t\t\t")
		for ; i < len(rep.records) && rep.records[i].section == sec; i++ {
			pg.record(&rep.records[i])
		}
	}
	pg.flushNotes()
	fmt.Fprintf(w, "\n%s\n", rep.closing)
}

// pager lays table lines out on pages of seven to nine lines.
type pager struct {
	w       *bufio.Writer
	r       *rand.Rand
	st      *Stats
	rep     *synthReport
	onPage  int
	pageLen int
	pending []footnote // texts of the markers on this page
}

func (p *pager) newPage() {
	p.onPage = 0
	p.pageLen = 7 + p.r.IntN(3)
}

func (p *pager) line(s string) {
	if p.onPage >= p.pageLen {
		p.pageBreak()
	}
	p.w.WriteString(s)
	p.w.WriteByte('\n')
	p.onPage++
}

// pageBreak ends a page: the footnotes of its markers, sometimes the
// document number, and the header row that starts the next page.
func (p *pager) pageBreak() {
	p.flushNotes()
	if p.r.IntN(5) == 0 {
		fmt.Fprintf(p.w, "\n%02d-%05d\n", (1945+p.rep.spec.session)%100, p.r.IntN(100000))
	}
	p.w.WriteString("\n" + headerRow + "\n")
	p.st.PageBreaks++
	p.newPage()
}

func (p *pager) flushNotes() {
	for _, n := range p.pending {
		text := n.text
		if cut := splitPoint(text, p.r); cut > 0 && p.r.IntN(10) < 3 {
			// A footnote text wrapped onto a second line.
			text = text[:cut] + "\n" + text[cut:]
			p.st.WrappedNotes++
		}
		fmt.Fprintf(p.w, "\n^%s %s\n", n.label, text)
	}
	p.pending = p.pending[:0]
}

func (p *pager) record(rec *record) {
	st := p.st
	st.Records++
	st.Sections[rec.section]++
	st.DateForms[rec.form]++
	st.states[rec.state.Code] = true
	if rec.stateCell != "" {
		st.StateCells++
		bare := rec.stateCell
		if i := strings.Index(bare, " ^"); i >= 0 {
			bare = bare[:i]
		}
		if strings.Contains(bare, " ") {
			st.Wrapped++
		}
		if fold.NameKey(bare) != fold.NameKey(rec.state.Name) {
			st.Aliases++
		}
	}
	if rec.comment != "" {
		st.Comments++
	}
	st.Footnotes += len(rec.labels)
	for _, l := range rec.labels {
		p.pending = append(p.pending, p.rep.notes[l])
	}

	if p.onPage >= p.pageLen {
		p.pageBreak()
	}
	act, com := rec.activity, rec.comment
	var actRest, comRest string
	if p.onPage == p.pageLen-1 && p.r.IntN(100) < 35 {
		// The last line of the page: let the row run over onto the next.
		if cut := splitPoint(act, p.r); cut > 0 {
			act, actRest = act[:cut], act[cut:]
		}
		if cut := splitPoint(com, p.r); cut > 0 && p.r.IntN(2) == 0 {
			com, comRest = com[:cut], com[cut:]
		}
	}
	fmt.Fprintf(p.w, "%s\t%s\t%s\t%s\n", rec.stateCell, rec.date, act, com)
	p.onPage++
	if actRest != "" || comRest != "" {
		p.pageBreak()
		fmt.Fprintf(p.w, "\t\t%s\t%s\n", actRest, comRest)
		p.onPage++
		st.Continuations++
	}
}

// splitPoint picks a byte offset in the middle part of text between two
// ideographs, where PDF extraction breaks a cell across pages; 0 when there
// is none. Cutting between ideographs only keeps the parser's rejoined text
// identical to the original (it drops a space that touches Chinese text).
func splitPoint(text string, r *rand.Rand) int {
	n := utf8.RuneCountInString(text)
	if n < 12 {
		return 0
	}
	target := n/3 + r.IntN(n/3)
	i, prev := 0, rune(0)
	for off, c := range text {
		if i >= target && isHan(prev) && isHan(c) {
			return off
		}
		prev = c
		i++
	}
	return 0
}
