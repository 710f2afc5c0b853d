package synth

import "strings"

var (
	numeralDigits = []rune("〇一二三四五六七八九")
	numeralPlaces = []struct {
		value int
		name  rune
	}{{1000, '千'}, {100, '百'}, {10, '十'}, {1, 0}}
)

// ChineseNumeral writes n (1..9999) in Chinese numerals as UN documents
// write session numbers: 六十二, 十, 十二, 一百零三, 一百一十, 一千零一. One 零
// stands for each run of skipped places, and a bare 十 only leads. It returns
// "" for n outside 1..9999.
func ChineseNumeral(n int) string {
	if n < 1 || n > 9999 {
		return ""
	}
	var b strings.Builder
	zero := false // a place was skipped since the last digit written
	for _, p := range numeralPlaces {
		d := n / p.value % 10
		switch {
		case d == 0:
			zero = b.Len() > 0
			continue
		case zero:
			b.WriteRune('零')
			zero = false
		}
		if !(d == 1 && p.value == 10 && b.Len() == 0) { // 十二, not 一十二
			b.WriteRune(numeralDigits[d])
		}
		if p.name != 0 {
			b.WriteRune(p.name)
		}
	}
	return b.String()
}
