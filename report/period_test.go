package report

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var periodCases = []struct {
	name, cell string
	start, end string
	months     []string
}{
	{"month", "2006年6月", "2006-06-01", "2006-06-30", []string{"2006-06"}},
	{"month spaced", "2006 年 6 月", "2006-06-01", "2006-06-30", []string{"2006-06"}},
	{"month full-width digits", "２００６年６月", "2006-06-01", "2006-06-30", []string{"2006-06"}},
	{"month ideographic space", "2006年\u30006月", "2006-06-01", "2006-06-30", []string{"2006-06"}},
	{"month range across years", "2006年6月至2007年5月", "2006-06-01", "2007-05-31", []string{
		"2006-06", "2006-07", "2006-08", "2006-09", "2006-10", "2006-11", "2006-12",
		"2007-01", "2007-02", "2007-03", "2007-04", "2007-05"}},
	{"month range spaced", "2006 年 6 月至 2007 年 5 月", "2006-06-01", "2007-05-31", []string{
		"2006-06", "2006-07", "2006-08", "2006-09", "2006-10", "2006-11", "2006-12",
		"2007-01", "2007-02", "2007-03", "2007-04", "2007-05"}},
	{"month range year carried", "2007年1月至 5月", "2007-01-01", "2007-05-31", []string{
		"2007-01", "2007-02", "2007-03", "2007-04", "2007-05"}},
	{"month range year carried 2", "2006年6月至10月", "2006-06-01", "2006-10-31", []string{
		"2006-06", "2006-07", "2006-08", "2006-09", "2006-10"}},
	{"month list 和", "2006年6月和7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"month list 、和", "2008年10月、11月和12月", "2008-10-01", "2008-12-31", []string{"2008-10", "2008-11", "2008-12"}},
	{"month list 及", "2008年3月及4月", "2008-03-01", "2008-04-30", []string{"2008-03", "2008-04"}},
	{"month list skips between", "2006年6月和9月", "2006-06-01", "2006-09-30", []string{"2006-06", "2006-09"}},
	{"month list across years", "2007年12月和2008年2月", "2007-12-01", "2008-02-29", []string{"2007-12", "2008-02"}},
	{"day range", "2007 年 2 月 25 日至 28 日", "2007-02-25", "2007-02-28", []string{"2007-02"}},
	{"day range across months", "2006年8月31日至9月1日", "2006-08-31", "2006-09-01", []string{"2006-08", "2006-09"}},
	{"day range across years", "2007年12月31日至2008年1月2日", "2007-12-31", "2008-01-02", []string{"2007-12", "2008-01"}},
	{"day range in month", "2006年5月15日至17日", "2006-05-15", "2006-05-17", []string{"2006-05"}},
	{"day range report", "2007年4月30日至5月11日", "2007-04-30", "2007-05-11", []string{"2007-04", "2007-05"}},
	{"day", "2006年9月20日", "2006-09-20", "2006-09-20", []string{"2006-09"}},
	{"day spaced", "2006 年 12 月 6 日", "2006-12-06", "2006-12-06", []string{"2006-12"}},
	{"day list 和", "2007年9月17日和18日", "2007-09-17", "2007-09-18", []string{"2007-09"}},
	{"day list 、和", "2008年5月5日、6日和9日", "2008-05-05", "2008-05-09", []string{"2008-05"}},
	{"day list across months", "2008年5月31日和6月2日", "2008-05-31", "2008-06-02", []string{"2008-05", "2008-06"}},
	{"list of ranges", "2006年5月15日至17日和20日", "2006-05-15", "2006-05-20", []string{"2006-05"}},
	{"list of month ranges", "2006年6月至7月和2007年1月至2月", "2006-06-01", "2007-02-28", []string{"2006-06", "2006-07", "2007-01", "2007-02"}},
	{"range 到", "2006年6月到7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range hyphen", "2006年6月-7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range full-width hyphen", "2006年6月－7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range en dash", "2006年6月–7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range em dash", "2006年6月—7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range tilde", "2006年6月~7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range full-width tilde", "2006年6月～7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range wave dash", "2006年6月〜7月", "2006-06-01", "2006-07-31", []string{"2006-06", "2006-07"}},
	{"range spaced dash", "2006年6月 - 2007年1月", "2006-06-01", "2007-01-31", []string{
		"2006-06", "2006-07", "2006-08", "2006-09", "2006-10", "2006-11", "2006-12", "2007-01"}},
	{"year", "2008年", "2008-01-01", "2008-12-31", []string{
		"2008-01", "2008-02", "2008-03", "2008-04", "2008-05", "2008-06",
		"2008-07", "2008-08", "2008-09", "2008-10", "2008-11", "2008-12"}},
	{"year range", "2007年至2008年", "2007-01-01", "2008-12-31", []string{
		"2007-01", "2007-02", "2007-03", "2007-04", "2007-05", "2007-06",
		"2007-07", "2007-08", "2007-09", "2007-10", "2007-11", "2007-12",
		"2008-01", "2008-02", "2008-03", "2008-04", "2008-05", "2008-06",
		"2008-07", "2008-08", "2008-09", "2008-10", "2008-11", "2008-12"}},
	{"chinese month", "二〇〇七年五月", "2007-05-01", "2007-05-31", []string{"2007-05"}},
	{"chinese day", "二〇〇七年十二月二十五日", "2007-12-25", "2007-12-25", []string{"2007-12"}},
	{"chinese 零 and ○ years", "二零零六年十月至二○○七年一月", "2006-10-01", "2007-01-31", []string{"2006-10", "2006-11", "2006-12", "2007-01"}},
	{"chinese day range", "二〇〇六年八月三十一日至九月一日", "2006-08-31", "2006-09-01", []string{"2006-08", "2006-09"}},
	{"leap day", "2008年2月29日", "2008-02-29", "2008-02-29", []string{"2008-02"}},
	{"leap february", "2008年2月", "2008-02-01", "2008-02-29", []string{"2008-02"}},
	{"leap february 2000", "2000年2月", "2000-02-01", "2000-02-29", []string{"2000-02"}},
	{"february 1900", "1900年2月", "1900-02-01", "1900-02-28", []string{"1900-02"}},
}

func TestParsePeriod(t *testing.T) {
	for _, c := range periodCases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePeriod(c.cell)
			if err != nil {
				t.Fatalf("ParsePeriod(%q): %v", c.cell, err)
			}
			if !p.Start.Equal(day(c.start)) || !p.End.Equal(day(c.end)) || !slices.Equal(p.Months, c.months) {
				t.Errorf("ParsePeriod(%q) = %s..%s %v, want %s..%s %v", c.cell,
					p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), p.Months, c.start, c.end, c.months)
			}
			if p.Start.Location() != time.UTC || p.End.Location() != time.UTC {
				t.Errorf("ParsePeriod(%q): not in UTC", c.cell)
			}
		})
	}
}

var periodErrors = []struct {
	name, cell, want string // want: a fragment of the message saying what is wrong
}{
	{"empty", "", "empty"},
	{"only spaces", "  \u3000 ", "empty"},
	{"month 13", "2006年13月", `impossible date "2006年13月": month 13`},
	{"month 0", "2006年0月", "month 0"},
	{"month 13 carried year", "2006年6月至13月", `impossible date "2006年13月": month 13`},
	{"february 30", "2007年2月30日", `impossible date "2007年2月30日": 2007年2月 has 28 days`},
	{"june 31", "2006年6月31日", "2006年6月 has 30 days"},
	{"not a leap year", "2007年2月29日", "2007年2月 has 28 days"},
	{"day 0", "2006年6月0日", "has 30 days"},
	{"bad day in range end", "2006年6月15日至31日", `impossible date "2006年6月31日"`},
	{"two-digit year", "06年6月", "year 6"},
	{"end before start", "2007年5月至2006年6月", `"2006年6月" does not come after "2007年5月"`},
	{"empty range", "2006年6月至6月", "does not come after"},
	{"list out of order", "2007年9月18日和17日", `"2007年9月17日" does not come after "2007年9月18日"`},
	{"overlapping list", "2006年6月至8月和7月", "does not come after"},
	{"mixed units", "2006年6月15日至7月", "not written to the same unit"},
	{"year then month", "2007年至5月", "not written to the same unit"},
	{"trailing 起", "2008年6月起", `unexpected "起" after "2008年6月"`},
	{"trailing 以来", "2006年6月以来", `unexpected "以"`},
	{"leading word", "自2006年6月", `unexpected "自" at the start`},
	{"garbage", "不详", "unexpected"},
	{"latin", "June 2006", "unexpected"},
	{"comma list", "2006年6月,7月", `unexpected ","`},
	{"dangling range", "2006年6月至", `nothing after "至"`},
	{"dangling list", "2006年6月和", `nothing after "和"`},
	{"leading range", "至2006年6月", "at the start"},
	{"double separator", "2006年6月至和7月", `unexpected "和"`},
	{"three-ended range", "2006年6月至7月至8月", "a range has only two ends"},
	{"bare number", "2006", `"2006" is not followed by 年, 月 or 日`},
	{"number without unit", "2006年6", `"6" is not followed by 年, 月 or 日`},
	{"number before separator", "2006年6至7月", `"6" is not followed by 年, 月 or 日`},
	{"no year", "6月", `"6月" has no year`},
	{"no month", "2006年5日", `unexpected "5日" after "2006年"`},
	{"day after year", "2007年至5日", `"5日" has no month`},
	{"units out of order", "2006年6月2007年", `unexpected "2007年"`},
	{"repeated unit", "2006年2007年", `unexpected "2007年"`},
	{"unit without number", "年6月", "at the start"},
	{"bad chinese number", "二〇〇七年一百三月", `bad number "一百三"`},
	{"digits mixed with numerals", "2〇〇7年5月", `bad number "2〇〇7"`},
	{"huge number", "2006年1234567890月", "bad number"},
}

func TestParsePeriodErrors(t *testing.T) {
	for _, c := range periodErrors {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParsePeriod(c.cell)
			if err == nil {
				t.Fatalf("ParsePeriod(%q) = %v, want an error", c.cell, p)
			}
			if msg := err.Error(); !strings.Contains(msg, strconv.Quote(c.cell)) || !strings.Contains(msg, c.want) {
				t.Errorf("ParsePeriod(%q) error %q, want it to quote the cell and say %q", c.cell, msg, c.want)
			}
		})
	}
}

var numberCases = []struct {
	in   string
	want int
}{
	{"六十二", 62}, {"六十", 60}, {"七十", 70}, {"七十一", 71}, {"十", 10}, {"十二", 12},
	{"十五", 15}, {"一十五", 15}, {"一百", 100}, {"一百零三", 103}, {"一百〇三", 103},
	{"一百一十", 110}, {"三百二十一", 321}, {"一千零三", 1003}, {"一千零三十", 1030},
	{"七", 7}, {"〇", 0}, {"二〇〇七", 2007}, {"二零零七", 2007}, {"二○○七", 2007},
	{"62", 62}, {"６２", 62}, {"0", 0}, {"2007", 2007}, {"007", 7},
}

func TestParseChineseNumber(t *testing.T) {
	for _, c := range numberCases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseChineseNumber(c.in)
			if err != nil || got != c.want {
				t.Errorf("ParseChineseNumber(%q) = %d, %v; want %d", c.in, got, err, c.want)
			}
		})
	}
}

func TestParseChineseNumberErrors(t *testing.T) {
	for _, in := range []string{
		"", " ", "abc", "六十二年", " 62", "-5", "+5", "6.2", "1234567890",
		"一百三",   // 130 or 103: refused
		"一百十",   // the standard form is 一百一十
		"六十零",   // trailing 零 marks nothing
		"零十五",   // leading 零 marks nothing
		"一百零零三", // one 零 per gap
		"一千零三百", // nothing skipped before 三百
		"十十", "二十二十", "十百", "百", "千", "六十二十",
		"6十", "2〇〇7", "二〇〇7",
	} {
		t.Run(in, func(t *testing.T) {
			if got, err := ParseChineseNumber(in); err == nil {
				t.Errorf("ParseChineseNumber(%q) = %d, want an error", in, got)
			} else if !strings.Contains(err.Error(), strconv.Quote(in)) {
				t.Errorf("ParseChineseNumber(%q) error %q does not quote the input", in, err)
			}
		})
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, c := range periodCases {
		f.Add(c.cell)
	}
	for _, c := range periodErrors {
		f.Add(c.cell)
	}
	f.Fuzz(func(t *testing.T, cell string) {
		p, err := ParsePeriod(cell)
		if err != nil {
			if !strings.Contains(err.Error(), strconv.Quote(cell)) {
				t.Fatalf("ParsePeriod(%q) error %q does not quote the cell", cell, err)
			}
			return
		}
		if p.End.Before(p.Start) {
			t.Fatalf("ParsePeriod(%q): end %v before start %v", cell, p.End, p.Start)
		}
		if len(p.Months) == 0 {
			t.Fatalf("ParsePeriod(%q): no months", cell)
		}
		first, last := p.Start.Format("2006-01"), p.End.Format("2006-01")
		if p.Months[0] != first || p.Months[len(p.Months)-1] != last {
			t.Fatalf("ParsePeriod(%q): months %v do not run from %s to %s", cell, p.Months, first, last)
		}
		for i, m := range p.Months {
			if i > 0 && m <= p.Months[i-1] {
				t.Fatalf("ParsePeriod(%q): months %v not strictly ascending", cell, p.Months)
			}
			if _, err := time.Parse("2006-01", m); err != nil {
				t.Fatalf("ParsePeriod(%q): month %q: %v", cell, m, err)
			}
		}
	})
}

func BenchmarkParsePeriod(b *testing.B) {
	cells := []string{
		"2006 年 6 月至 2007 年 5 月",
		"2007 年 2 月 25 日至 28 日",
		"2008年5月5日、6日和9日",
		"二〇〇七年十二月二十五日",
	}
	for b.Loop() {
		for _, c := range cells {
			if _, err := ParsePeriod(c); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func TestMonthKeyIsTimeFormat(t *testing.T) {
	for _, y := range []int{1, 7, 99, 100, 999, 1000, 1996, 2026, 9999, 10000, 12345} {
		for m := 1; m <= 12; m++ {
			want := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
			if got := monthKey(y, m); got != want {
				t.Errorf("monthKey(%d, %d) = %q, want %q", y, m, got, want)
			}
		}
	}
}
