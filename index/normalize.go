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
//   - 附件二 is written 附件2.
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

// annexNumerals rewrites 附件一/二/三 as 附件1/2/3: the reports use both.
func annexNumerals(rs []normRune) {
	for i := 2; i < len(rs); i++ {
		if rs[i-2].r != '附' || rs[i-1].r != '件' {
			continue
		}
		switch rs[i].r {
		case '一':
			rs[i].r = '1'
		case '二':
			rs[i].r = '2'
		case '三':
			rs[i].r = '3'
		}
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
