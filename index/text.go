package index

import (
	"strings"
	"unicode"
)

// isWide reports whether r belongs to Chinese running text: ideographs and the
// punctuation set inside it. Spaces next to such a rune are artefacts of PDF
// line-wrapping, never meaningful.
func isWide(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r):
		return true
	case r >= 0x3000 && r <= 0x303F: // CJK symbols and punctuation: 。、《》「」
		return true
	case r >= 0xFF00 && r <= 0xFFEF: // full-width forms: ，（）：；
		return true
	case r >= 0x2010 && r <= 0x2027: // dashes, curly quotes, ellipsis used in Chinese text
		return true
	}
	return false
}

// cleanText collapses whitespace runs to one space and removes the runs that
// touch Chinese text, so "大不列颠及 北爱尔兰联 合王国" becomes one word again
// while "Article XIV" keeps its space. Full-width letters and digits are folded
// to ASCII so that indexed, stored and displayed text agree (Bleve's tokenizer
// drops full-width digits otherwise).
func cleanText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	var prev rune // last rune written, 0 at start
	for _, r := range s {
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		r = foldWidth(r)
		if pendingSpace && prev != 0 && !isWide(prev) && !isWide(r) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// foldWidth maps full-width ASCII letters and digits to ASCII. Full-width
// punctuation stays: it is how Chinese text is meant to look.
func foldWidth(r rune) rune {
	switch {
	case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
		return r - 0xFEE0
	}
	return r
}

// removeSpaces drops every whitespace rune: state names never contain spaces
// in Chinese, only wrapping artefacts.
func removeSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
