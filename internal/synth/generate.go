package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"ctbtsearch/report"
)

// The four sections of every report's annex, in report order, with the
// share of rows each has in the real reports (20, 14, 43 and 11 of the
// sample's 88 rows).
var (
	sectionOrder  = []string{"1(a)", "1(b)", "2(a)", "2(b)"}
	sectionShares = []float64{0.23, 0.16, 0.49, 0.12}
	// headings as the reports print them; the second form of each is how
	// PDF extraction sometimes spaces it.
	sectionHeadings = map[string][2]string{
		"1(a)": {"1(a). 与附件2国家有关的活动", "1 (a). 与附件2国家有关的活动"},
		"1(b)": {"1(b). 与非附件2国家有关的活动", "1 (b). 与非附件2 国家有关的活动"},
		"2(a)": {"2(a). 全球", "2 (a). 全球"},
		"2(b)": {"2(b). 区域", "2 (b). 区域"},
	}
	groupHeadings = map[byte]string{'1': "1. 双边努力", '2': "2. 多边努力"}
)

const headerRow = "国家\t日期/期间\t活动和背景\t评论"

// sectionCounts splits n records over the sections by their shares, by
// largest remainder, so that the counts add up to n exactly.
func sectionCounts(n int) []int {
	counts := make([]int, len(sectionShares))
	type rem struct {
		i int
		f float64
	}
	var rems []rem
	left := n
	for i, s := range sectionShares {
		x := s * float64(n)
		counts[i] = int(x)
		left -= counts[i]
		rems = append(rems, rem{i, x - float64(counts[i])})
	}
	for left > 0 {
		best := 0
		for j := range rems {
			if rems[j].f > rems[best].f {
				best = j
			}
		}
		counts[rems[best].i]++
		rems[best].f = -1
		left--
	}
	return counts
}

// record is one generated row with what its cells say.
type record struct {
	section   string
	state     report.State
	stateCell string // as written, markers included; "" for a further row of the same state
	date      string
	form      string
	activity  string // footnote markers included
	comment   string
	labels    []string // footnote labels cited in the row
}

type footnote struct {
	label, text string
}

type synthReport struct {
	spec     reportSpec
	period   string
	closing  string
	symbol   string // on a line of its own at the top, as the first page's header prints it; "" for none
	records  []record
	notes    map[string]footnote
	commaSep string
}

// generate makes the rows of one report.
func generate(m *material, r *rand.Rand, spec reportSpec) *synthReport {
	y1, y2 := 1944+spec.session, 1945+spec.session
	rep := &synthReport{
		spec:    spec,
		period:  fmt.Sprintf("%d年6月至%d年5月", y1, y2),
		closing: fmt.Sprintf("%d年6月%d日", y2, 15+r.IntN(15)),
		notes:   map[string]footnote{},
	}
	if r.IntN(2) == 0 {
		// Half the extractions keep the page header with the symbol.
		rep.symbol = fmt.Sprintf("A/%d/%d", spec.session, 99+spec.ordinal)
	}
	rep.commaSep = "，"
	if r.IntN(10) < 3 {
		rep.commaSep = "," // many of the real report's pages have ASCII commas
	}
	nextLabel := 'b'
	for si, count := range sectionCounts(spec.records) {
		section := sectionOrder[si]
		var st report.State
		left := 0 // rows left in the current state's block
		for range count {
			rec := record{section: section}
			if left == 0 {
				st = pickState(m, r)
				left = blockLen(r)
				rec.stateCell = stateCell(m, r, st)
			}
			left--
			rec.state = st
			rec.date, rec.form = dateCell(r, y1, y2)
			rec.activity = activity(m, r, section, st.Name, rep.commaSep)
			if p := commentChance(section); r.Float64() < p {
				rec.comment = comment(m, r, st.Name, rep.commaSep)
			}
			if nextLabel <= 'z' && r.IntN(100) < 3 {
				label := string(nextLabel)
				nextLabel++
				rec.labels = append(rec.labels, label)
				if rec.stateCell != "" && r.IntN(3) == 0 {
					// The marker on the state itself, as in "布隆迪 ^c".
					rec.stateCell += " ^" + label
					rep.notes[label] = footnote{label, noteText(r, st.Name, y1, y2)}
				} else {
					other := m.members[r.IntN(len(m.members))]
					rec.activity = fmt.Sprintf(noteLeads[r.IntN(len(noteLeads))], other.Name, label) + rep.commaSep + rec.activity
					rep.notes[label] = footnote{label, noteText(r, other.Name, y1, y2)}
				}
			}
			rep.records = append(rep.records, rec)
		}
	}
	return rep
}

// noteLeads open an activity with a state that a footnote tells more about.
var noteLeads = []string{
	"在与%s ^%s 的双边交往中",
	"在%s ^%s 宣布独立和加入联合国后",
	"包括%s ^%s 在内",
}

func noteText(r *rand.Rand, state string, y1, y2 int) string {
	y, m := y1, 6+r.IntN(7)
	if r.IntN(2) == 0 {
		y, m = y2, 1+r.IntN(5)
	}
	d := 1 + r.IntN(daysIn(y, m))
	verb := [...]string{"批准", "批准", "签署", "继承"}[r.IntN(4)]
	return fmt.Sprintf("%s于 %d 年 %d 月 %d 日%s了《条约》。", state, y, m, d, verb)
}

func commentChance(section string) float64 {
	if section[0] == '2' {
		return 0.10
	}
	return 0.04
}

// pickState: most rows come from the states that report year after year
// (those of the sample), the rest from any member state.
func pickState(m *material, r *rand.Rand) report.State {
	if r.IntN(10) < 6 {
		return m.frequent[r.IntN(len(m.frequent))]
	}
	return m.members[r.IntN(len(m.members))]
}

// blockLen is how many rows a state gets in a row: mostly one, some four.
func blockLen(r *rand.Rand) int {
	switch x := r.IntN(100); {
	case x < 55:
		return 1
	case x < 80:
		return 2
	case x < 92:
		return 3
	}
	return 4
}

// stateCell writes a state's name as a report would: usually the canonical
// name, sometimes another spelling, sometimes with a line-wrap space inside.
func stateCell(m *material, r *rand.Rand, st report.State) string {
	name := st.Name
	if al := m.aliases[st.Code]; len(al) > 0 && r.IntN(100) < 5 {
		name = al[r.IntN(len(al))]
	}
	if rs := []rune(name); len(rs) >= 4 && r.IntN(100) < 5 {
		// One or two spaces, as in "大不列颠及 北爱尔兰联 合王国".
		cuts := map[int]bool{1 + r.IntN(len(rs)-1): true}
		if len(rs) >= 8 {
			cuts[1+r.IntN(len(rs)-1)] = true
		}
		var b strings.Builder
		for i, c := range rs {
			if cuts[i] {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		name = b.String()
	}
	return name
}

// activity recombines one to four clauses into one or two sentences.
func activity(m *material, r *rand.Rand, section, state, sep string) string {
	p := m.sections[section]
	if r.IntN(5) == 0 {
		p = m.all
	}
	k := 1
	switch x := r.IntN(100); {
	case x < 15:
		k = 1
	case x < 50:
		k = 2
	case x < 80:
		k = 3
	default:
		k = 4
	}
	first := k
	if k >= 3 && r.IntN(100) < 35 {
		first = k / 2
	}
	b := make([]byte, 0, 256)
	b = sentence(b, p, r, first, state, sep)
	if first < k {
		b = sentence(b, p, r, k-first, state, sep)
	}
	return string(b)
}

func sentence(b []byte, p *pool, r *rand.Rand, clauses int, state, sep string) []byte {
	b = p.leads[r.IntN(len(p.leads))].appendTo(b, state)
	for range clauses - 1 {
		b = append(b, sep...)
		b = p.tails[r.IntN(len(p.tails))].appendTo(b, state)
	}
	return append(b, "。"...)
}

func comment(m *material, r *rand.Rand, state, sep string) string {
	b := m.comments[r.IntN(len(m.comments))].appendTo(nil, state)
	if r.IntN(2) == 0 {
		b = append(b, sep...)
		b = m.all.tails[r.IntN(len(m.all.tails))].appendTo(b, state)
	}
	return string(append(b, "。"...))
}

// Date forms of the 日期/期间 cell, each as the reports write it, with how
// often it occurs (per cent).
var dateForms = []struct {
	name   string
	weight int
}{
	{"period", 30},          // 2006年6月至2007年5月
	{"month", 22},           // 2006年6月
	{"day", 14},             // 2006年9月20日
	{"month-range", 7},      // 2007年1月至 5月
	{"month-pair", 6},       // 2006年6月和7月
	{"day-range", 6},        // 2007 年 2 月 25 日至 28 日
	{"day-range-across", 5}, // 2006年8月31日至9月1日
	{"day-pair", 5},         // 2007年9月17日和18日
	{"month-list", 5},       // 2008年10月、11月和12月
}

// DateForms lists the names of the date forms Write uses, as Stats.DateForms
// counts them.
func DateForms() []string {
	out := make([]string, len(dateForms))
	for i, f := range dateForms {
		out[i] = f.name
	}
	return out
}

// dateCell writes a date inside the reporting period y1-06 .. y2-05.
func dateCell(r *rand.Rand, y1, y2 int) (cell, form string) {
	x := r.IntN(100)
	for _, f := range dateForms {
		if x < f.weight {
			form = f.name
			break
		}
		x -= f.weight
	}
	// half picks the calendar year: y1 holds months 6..12, y2 months 1..5.
	half := func() (y, lo, hi int) {
		if r.IntN(12) < 7 {
			return y1, 6, 12
		}
		return y2, 1, 5
	}
	anyMonth := func() (int, int) {
		y, lo, hi := half()
		return y, lo + r.IntN(hi-lo+1)
	}
	var t []any // numbers and units; numbers are spaced out in the spaced style
	switch form {
	case "period":
		m1, m2 := 6, 5
		if r.IntN(2) == 0 {
			m1, m2 = 6+r.IntN(7), 1+r.IntN(5)
		}
		t = []any{y1, "年", m1, "月", "至", y2, "年", m2, "月"}
	case "month":
		y, m := anyMonth()
		t = []any{y, "年", m, "月"}
	case "day":
		y, m := anyMonth()
		t = []any{y, "年", m, "月", 1 + r.IntN(daysIn(y, m)), "日"}
	case "month-range":
		y, lo, hi := half()
		m1 := lo + r.IntN(hi-lo)
		m2 := m1 + 1 + r.IntN(hi-m1)
		t = []any{y, "年", m1, "月", "至", m2, "月"}
	case "month-pair":
		y, lo, hi := half()
		m := lo + r.IntN(hi-lo)
		t = []any{y, "年", m, "月", "和", m + 1, "月"}
	case "month-list":
		y, lo, hi := half()
		m := lo + r.IntN(hi-lo-1)
		t = []any{y, "年", m, "月", "、", m + 1, "月", "和", m + 2, "月"}
	case "day-range":
		y, m := anyMonth()
		d1 := 1 + r.IntN(daysIn(y, m)-1)
		d2 := d1 + 1 + r.IntN(min(5, daysIn(y, m)-d1))
		t = []any{y, "年", m, "月", d1, "日", "至", d2, "日"}
	case "day-range-across":
		y, lo, hi := half()
		m := lo + r.IntN(hi-lo)
		t = []any{y, "年", m, "月", daysIn(y, m) - r.IntN(3), "日", "至", m + 1, "月", 1 + r.IntN(3), "日"}
	case "day-pair":
		y, m := anyMonth()
		d := 1 + r.IntN(daysIn(y, m)-1)
		t = []any{y, "年", m, "月", d, "日", "和", d + 1, "日"}
	}
	spaced := r.IntN(10) < 4
	spaceAfterRange := !spaced && r.IntN(10) < 3 // "2006年6月至 2007年5月"
	var b strings.Builder
	for i, tok := range t {
		switch v := tok.(type) {
		case int:
			if spaced && i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(v))
			if spaced && i < len(t)-1 {
				b.WriteByte(' ')
			}
		case string:
			b.WriteString(v)
			if v == "至" && spaceAfterRange {
				b.WriteByte(' ')
			}
		}
	}
	return b.String(), form
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
