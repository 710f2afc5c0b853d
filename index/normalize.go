package index

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"
)

// The search form of a text is what Bleve indexes and what queries are
// matched against. Display text stays as the report prints it; the two are
// linked rune by rune (searchRunes) so highlights land on the displayed text.
//
// The search form folds what readers treat as the same text:
//   - width: NFKC, so ２００６ and 附件２ match 2006 and 附件2;
//   - script: traditional characters become simplified (聯合國 → 联合国);
//   - case: CTBT = ctbt;
//   - quotes and brackets inside Chinese text vanish, so that 批准条约 finds
//     批准《条约》 (Bleve's bigrams never cross punctuation);
//   - 附件2 is written 附件二 (see annexNumerals).
//
// Every step maps one source rune to at most a few output runes, so the
// mapping back to display offsets stays exact.

// t2s maps traditional characters to simplified ones, one rune to one rune.
// It is derived once from OpenCC's t2s conversion; characters are converted
// one per line so that OpenCC's phrase table cannot merge neighbours.
var t2s = sync.OnceValue(func() map[rune]rune {
	cc, err := opencc.New("t2s")
	if err != nil {
		panic("index: loading OpenCC t2s dictionary: " + err.Error())
	}
	var b strings.Builder
	for r := rune(0x3400); r <= 0x9FFF; r++ {
		b.WriteRune(r)
		b.WriteByte('\n')
	}
	out, err := cc.Convert(b.String())
	if err != nil {
		panic("index: OpenCC t2s conversion: " + err.Error())
	}
	m := make(map[rune]rune, 4096)
	in := strings.Split(b.String(), "\n")
	conv := strings.Split(out, "\n")
	if len(in) != len(conv) {
		panic("index: OpenCC t2s changed the number of lines")
	}
	for i := range in {
		if in[i] == conv[i] || utf8.RuneCountInString(conv[i]) != 1 {
			continue
		}
		src, _ := utf8.DecodeRuneInString(in[i])
		dst, _ := utf8.DecodeRuneInString(conv[i])
		m[src] = dst
	}
	return m
})

// isIgnorablePunct reports whether r is punctuation that marks up Chinese
// text without separating words: quotes, book-title marks and brackets.
func isIgnorablePunct(r rune) bool {
	switch r {
	case '《', '》', '〈', '〉', '「', '」', '『', '』', '“', '”', '‘', '’', '"', '\'',
		'(', ')', '（', '）', '[', ']', '【', '】', '〔', '〕', '·', '・':
		return true
	}
	return false
}

// normRune is one rune of a search form and the byte span of the display
// text it came from.
type normRune struct {
	r          rune
	start, end int
}

// searchRunes computes the search form of s with each rune's source span.
func searchRunes(s string) []normRune {
	tbl := t2s()
	out := make([]normRune, 0, len(s)/2)
	var prevSrc rune
	for i, r := range s {
		end := i + utf8.RuneLen(r)
		if isIgnorablePunct(r) {
			// Dropped only inside Chinese text, between ideographs (or an
			// ideograph and the end of the text): 第1540(2004)号 keeps its
			// brackets, or 1540 and 2004 would run together.
			next, size := utf8.DecodeRuneInString(s[end:])
			if (i == 0 || unicode.Is(unicode.Han, prevSrc)) && (size == 0 || unicode.Is(unicode.Han, next)) {
				prevSrc = r
				continue
			}
		}
		prevSrc = r
		if r < utf8.RuneSelf {
			out = append(out, normRune{unicode.ToLower(r), i, end})
			continue
		}
		if unicode.IsSpace(r) {
			out = append(out, normRune{' ', i, end})
			continue
		}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		folded := buf[:n]
		if !norm.NFKC.IsNormal(folded) {
			folded = norm.NFKC.Bytes(folded)
		}
		for _, fr := range string(folded) {
			if t, ok := tbl[fr]; ok {
				fr = t
			}
			out = append(out, normRune{unicode.ToLower(fr), i, end})
		}
	}
	annexNumerals(out)
	return out
}

// annexNumerals writes 附件1/2/3 as 附件一/二/三: the reports use both, and
// in Chinese numerals 附件二国家 is one run of ideographs, a chain of bigrams
// matched without positions, where 附件2国家 would be three tokens (附件, 2,
// 国家) needing a positional phrase check on the very common token 2.
func annexNumerals(rs []normRune) {
	// Spaces may stand between the parts (附件 2), as in unclean text.
	prev := func(i int) int {
		for i--; i >= 0 && rs[i].r == ' '; i-- {
		}
		return i
	}
	for i := range rs {
		if rs[i].r < '1' || rs[i].r > '3' {
			continue
		}
		j := prev(i)
		if j < 1 || rs[j].r != '件' {
			continue
		}
		if k := prev(j); k < 0 || rs[k].r != '附' {
			continue
		}
		next := i + 1
		for next < len(rs) && rs[next].r == ' ' {
			next++
		}
		if next < len(rs) && rs[next].r >= '0' && rs[next].r <= '9' {
			continue // 附件12 is not 附件一二
		}
		rs[i].r = []rune("一二三")[rs[i].r-'1']
	}
}

// searchForm is the search form of s as a string.
func searchForm(s string) string {
	rs := searchRunes(s)
	b := make([]rune, len(rs))
	for i, nr := range rs {
		b[i] = nr.r
	}
	return string(b)
}
