package report

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Period is the span of days a table row's 日期/期间 cell covers.
type Period struct {
	Start  time.Time // first day covered (UTC midnight)
	End    time.Time // last day covered
	Months []string  // every calendar month the period touches, "YYYY-MM", ascending, no duplicates
}

// Separators between the dates of a cell. After NFKC, ～ has become ~ and
// － has become -; en and em dashes and the wave dash 〜 survive as they are.
const (
	rangeSeps = "至到-–—~〜"
	listSeps  = "和及、"
)

// ParsePeriod parses a 日期/期间 cell: one date, a range (至, 到, dashes,
// tildes) or a list (和, 及, 、) of dates or ranges, each written down to the
// year, the month or the day. A date may leave out the leading parts it shares
// with the date before it (2006年6月至10月, 2007年9月17日和18日). A list covers
// only the months of its items, not those between them.
//
// It is strict rather than helpful: whatever it does not understand (trailing
// words like 起, dates written to different units, dates out of order) is an
// error naming the cell, because a guessed period would silently put a row
// under the wrong months in the search.
func ParsePeriod(cell string) (Period, error) {
	p, err := parsePeriod(normalize(cell))
	if err != nil {
		return Period{}, fmt.Errorf("period %q: %w", cell, err)
	}
	return p, nil
}

// normalize folds full-width digits and punctuation to ASCII and drops the
// spaces that the reports' typesetting scatters between numbers and units.
func normalize(s string) []rune {
	return []rune(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, norm.NFKC.String(s)))
}

func parsePeriod(rs []rune) (Period, error) {
	if len(rs) == 0 {
		return Period{}, errors.New("empty")
	}
	var (
		p         Period
		prev      date
		prevLast  time.Time
		itemFirst time.Time // first day of the list item being read, a date or a range
		sep       rune      // separator before the current date, 0 for the first
	)
	for i := 0; ; {
		d, n, err := readDate(rs, i, prev)
		if err != nil {
			return Period{}, err
		}
		i += n
		first, last := d.span()
		switch {
		case sep == 0:
			p.Start, itemFirst = first, first
		case d.n != prev.n:
			return Period{}, fmt.Errorf("%q and %q are not written to the same unit", prev, d)
		case !first.After(prevLast):
			return Period{}, fmt.Errorf("%q does not come after %q", d, prev)
		case strings.ContainsRune(listSeps, sep):
			p.Months = appendMonths(p.Months, itemFirst, prevLast)
			itemFirst = first
		}
		prev, prevLast = d, last
		if i == len(rs) {
			break
		}
		next := rs[i]
		isRange := strings.ContainsRune(rangeSeps, next)
		if !isRange && !strings.ContainsRune(listSeps, next) {
			return Period{}, fmt.Errorf("unexpected %q after %q", string(next), string(rs[:i]))
		}
		if isRange && strings.ContainsRune(rangeSeps, sep) {
			return Period{}, fmt.Errorf("unexpected %q after %q: a range has only two ends", string(next), string(rs[:i]))
		}
		sep = next
		i++
	}
	p.End = prevLast
	p.Months = appendMonths(p.Months, itemFirst, p.End)
	return p, nil
}

// appendMonths relies on the items of a period coming in order, so that a
// duplicate month can only be the last one appended.
func appendMonths(months []string, first, last time.Time) []string {
	y, m := first.Year(), int(first.Month())
	for ly, lm := last.Year(), int(last.Month()); y < ly || y == ly && m <= lm; {
		if s := monthKey(y, m); len(months) == 0 || months[len(months)-1] != s {
			months = append(months, s)
		}
		if m++; m > 12 {
			y, m = y+1, 1
		}
	}
	return months
}

// monthKey is "YYYY-MM", as time.Format's "2006-01" writes it, without its
// cost: formatting months was a tenth of parsing a report.
func monthKey(year, month int) string {
	if year < 0 || year > 9999 {
		return fmt.Sprintf("%d-%02d", year, month)
	}
	return string([]byte{byte('0' + year/1000), byte('0' + year/100%10), byte('0' + year/10%10), byte('0' + year%10),
		'-', byte('0' + month/10), byte('0' + month%10)})
}

var unitNames = [...]rune{'年', '月', '日'}

// date is one date of a cell with the parts it left out filled in from the
// date before it. Its precision n is part of its meaning: 2006年6月 is the
// whole month.
type date struct {
	parts [3]int // year, month, day; those past n are zero
	n     int    // 1: to the year, 2: to the month, 3: to the day
}

func (d date) String() string {
	var b strings.Builder
	for k, v := range d.parts[:d.n] {
		fmt.Fprintf(&b, "%d%c", v, unitNames[k])
	}
	return b.String()
}

func (d date) span() (first, last time.Time) {
	first = time.Date(d.parts[0], time.Month(max(d.parts[1], 1)), max(d.parts[2], 1), 0, 0, 0, 0, time.UTC)
	switch d.n {
	case 1:
		return first, first.AddDate(1, 0, -1)
	case 2:
		return first, first.AddDate(0, 1, -1)
	}
	return first, first
}

// readDate reads the date at rs[i:] and returns it with the number of runes
// it took.
func readDate(rs []rune, i int, prev date) (date, int, error) {
	var d date
	start, from := i, 0 // from: index of the first part written here
	for i < len(rs) {
		j := i
		for j < len(rs) && isNumeral(rs[j]) {
			j++
		}
		if j == i {
			break
		}
		num := string(rs[i:j])
		v, ok := parseNumber(rs[i:j])
		if !ok {
			return date{}, 0, fmt.Errorf("bad number %q", num)
		}
		k := -1
		if j < len(rs) {
			k = indexRune(unitNames[:], rs[j])
		}
		if k < 0 {
			return date{}, 0, fmt.Errorf("%q is not followed by 年, 月 or 日", num)
		}
		if d.n == 0 {
			if k > prev.n {
				return date{}, 0, fmt.Errorf("%q has no %s", string(rs[i:j+1]), [...]string{"year", "month"}[prev.n])
			}
			from, d.n = k, k
			copy(d.parts[:k], prev.parts[:k])
		}
		if k != d.n {
			return date{}, 0, fmt.Errorf("unexpected %q after %q", string(rs[i:j+1]), string(rs[:i]))
		}
		d.parts[k], d.n = v, k+1
		i = j + 1
	}
	if i == start {
		switch {
		case i == len(rs):
			return date{}, 0, fmt.Errorf("nothing after %q", string(rs[i-1]))
		case i == 0:
			return date{}, 0, fmt.Errorf("unexpected %q at the start", string(rs[i]))
		}
		return date{}, 0, fmt.Errorf("unexpected %q after %q", string(rs[i]), string(rs[:i]))
	}
	if err := d.check(from); err != nil {
		return date{}, 0, err
	}
	return d, i - start, nil
}

// check validates the parts written from index from on; the inherited ones
// were checked with the date they came from.
func (d date) check(from int) error {
	y, m, day := d.parts[0], d.parts[1], d.parts[2]
	switch {
	case from == 0 && (y < 1000 || y > 9999):
		// Four digits keep Months in YYYY-MM; shorter years are typos.
		return fmt.Errorf("impossible date %q: year %d", d, y)
	case from <= 1 && d.n >= 2 && (m < 1 || m > 12):
		return fmt.Errorf("impossible date %q: month %d", d, m)
	case d.n == 3 && (day < 1 || day > daysIn(y, m)):
		return fmt.Errorf("impossible date %q: %d年%d月 has %d days", d, y, m, daysIn(y, m))
	}
	return nil
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func indexRune(rs []rune, r rune) int {
	for k, x := range rs {
		if x == r {
			return k
		}
	}
	return -1
}

var (
	// ○ (white circle) is not a numeral but is typeset for 〇 in years often
	// enough (二○○七年) to be worth reading as one.
	digits = map[rune]int{
		'〇': 0, '○': 0, '零': 0, '一': 1, '二': 2, '三': 3, '四': 4,
		'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
	}
	places = map[rune]int{'十': 10, '百': 100, '千': 1000}
)

func isNumeral(r rune) bool {
	_, d := digits[r]
	_, p := places[r]
	return '0' <= r && r <= '9' || d || p
}

// ParseChineseNumber turns 六十二 → 62, 七十 → 70, 十 → 10, 十二 → 12,
// 一百零三 → 103, 二〇〇七 (digit by digit) → 2007, and ASCII/full-width
// digits; error on anything else or empty.
func ParseChineseNumber(s string) (int, error) {
	n, ok := parseNumber([]rune(norm.NFKC.String(s)))
	if !ok {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return n, nil
}

// parseNumber expects NFKC input. Mixing ASCII digits with numerals is
// refused: no report writes 2〇〇7, so such a cell is damaged.
func parseNumber(rs []rune) (int, bool) {
	// Nine digits cannot overflow an int on any platform.
	if len(rs) == 0 || len(rs) > 9 {
		return 0, false
	}
	ascii, named := true, true
	for _, r := range rs {
		_, ok := digits[r]
		ascii = ascii && '0' <= r && r <= '9'
		named = named && ok
	}
	n := 0
	switch {
	case ascii:
		for _, r := range rs {
			n = n*10 + int(r-'0')
		}
	case named: // years are read digit by digit: 二〇〇七
		for _, r := range rs {
			n = n*10 + digits[r]
		}
	default:
		return positional(rs)
	}
	return n, true
}

// positional reads numbers written with 十, 百 and 千. It wants the standard
// forms only: 零 must mark exactly the skipped places (一百零三, while 一百三
// is read as 130 by some and 103 by others), and a bare 十 may only lead
// (十二, but 一百一十).
func positional(rs []rune) (int, bool) {
	total, prev := 0, 0 // prev: place of the previous term, 0 before the first
	for i := 0; i < len(rs); {
		zero := false
		if v, ok := digits[rs[i]]; ok && v == 0 {
			zero = true
			i++
		}
		digit := 0
		if i < len(rs) && digits[rs[i]] > 0 {
			digit = digits[rs[i]]
			i++
		}
		place := 1
		if i < len(rs) && places[rs[i]] > 0 {
			place = places[rs[i]]
			i++
		}
		if digit == 0 {
			if place != 10 || prev != 0 {
				return 0, false
			}
			digit = 1
		}
		skipped := prev != 0 && place*10 < prev
		if prev != 0 && place >= prev || zero != skipped {
			return 0, false
		}
		total += digit * place
		prev = place
	}
	return total, true
}
