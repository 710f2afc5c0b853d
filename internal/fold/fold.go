// Package fold is the one home of the project's text folding: how report text
// is cleaned when it is read (Clean), the search form that Bleve indexes and
// queries are matched in (Search, SearchRunes), the form concept phrases are
// found in (Concept), and the key state names are compared by (NameKey).
// Keeping them together keeps ingest, index and queries agreeing on what
// "the same text" means; a change here changes the index fingerprint
// (index.MappingFingerprint hashes Version).
package fold

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"
)

// Version changes whenever a folding changes what is indexed: documents
// indexed under another version no longer meet the queries.
const Version = 3

// The search form of a text is what Bleve indexes and what queries are
// matched against. Display text stays as the report prints it; the two are
// linked rune by rune (SearchRunes) so highlights land on the displayed text.
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
//
// Only ideographs from hanFirst to hanLast are converted, so the table is a
// dense array indexed from hanFirst (108 KiB; 0: unchanged): every hit's
// texts are folded for highlighting, and a map lookup per character was a
// tenth of a served search's CPU.
var t2s = sync.OnceValue(func() *[hanLast - hanFirst + 1]rune {
	cc, err := opencc.New("t2s")
	if err != nil {
		panic("fold: loading OpenCC t2s dictionary: " + err.Error())
	}
	var b strings.Builder
	for r := rune(hanFirst); r <= hanLast; r++ {
		b.WriteRune(r)
		b.WriteByte('\n')
	}
	out, err := cc.Convert(b.String())
	if err != nil {
		panic("fold: OpenCC t2s conversion: " + err.Error())
	}
	tbl := new([hanLast - hanFirst + 1]rune)
	in := strings.Split(b.String(), "\n")
	conv := strings.Split(out, "\n")
	if len(in) != len(conv) {
		panic("fold: OpenCC t2s changed the number of lines")
	}
	for i := range in {
		if in[i] == conv[i] || utf8.RuneCountInString(conv[i]) != 1 {
			continue
		}
		src, _ := utf8.DecodeRuneInString(in[i])
		dst, _ := utf8.DecodeRuneInString(conv[i])
		tbl[src-hanFirst] = dst
	}
	return tbl
})

// The ideographs t2s converts: CJK Unified Ideographs Extension A and the
// CJK Unified Ideographs block. None of them has an NFKC decomposition or a
// case (TestHanBlockIsNFKCNormal), which gives SearchRunes its fast path.
const (
	hanFirst = 0x3400
	hanLast  = 0x9FFF
)

// punctFold returns the NFKC form of r when r is Chinese punctuation or a
// full-width form (，（）：ＣＴＢＴ２) whose form is one rune, else 0. Chinese
// text has one such rune in every few; through package norm each cost a
// decomposition and an allocation, a fifth of SearchRunes' time.
func punctFold(r rune) rune {
	switch {
	case r >= 0x3000 && r <= 0x303F:
		return punctForms()[r-0x3000]
	case r >= 0xFF00 && r <= 0xFFEF:
		return punctForms()[r-0xFF00+0x40]
	}
	return 0
}

// punctForms holds punctFold's answers: 0x3000–0x303F, then 0xFF00–0xFFEF.
var punctForms = sync.OnceValue(func() []rune {
	out := make([]rune, 0x40+0xF0)
	for i := range out {
		r := rune(0x3000 + i)
		if i >= 0x40 {
			r = rune(0xFF00 + i - 0x40)
		}
		if f := []rune(norm.NFKC.String(string(r))); len(f) == 1 {
			out[i] = f[0]
		}
	}
	return out
})

// simplified returns r in simplified script.
func simplified(r rune) rune {
	if r >= hanFirst && r <= hanLast {
		if s := t2s()[r-hanFirst]; s != 0 {
			return s
		}
	}
	return r
}

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

// Rune is one rune of a search form and the byte span of the display
// text it came from.
type Rune struct {
	R          rune
	Start, End int
}

// SearchRunes computes the search form of s with each rune's source span.
func SearchRunes(s string) []Rune {
	out := make([]Rune, 0, len(s)/2)
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
			out = append(out, Rune{unicode.ToLower(r), i, end})
			continue
		}
		if r >= hanFirst && r <= hanLast {
			out = append(out, Rune{simplified(r), i, end})
			continue
		}
		if f := punctFold(r); f != 0 {
			out = append(out, Rune{unicode.ToLower(simplified(f)), i, end})
			continue
		}
		if unicode.IsSpace(r) {
			out = append(out, Rune{' ', i, end})
			continue
		}
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		folded := buf[:n]
		if !norm.NFKC.IsNormal(folded) {
			folded = norm.NFKC.Bytes(folded)
		}
		for _, fr := range string(folded) {
			out = append(out, Rune{unicode.ToLower(simplified(fr)), i, end})
		}
	}
	annexNumerals(out)
	return out
}

// annexNumerals writes 附件1/2/3 as 附件一/二/三: the reports use both, and
// in Chinese numerals 附件二国家 is one run of ideographs, a chain of bigrams
// matched without positions, where 附件2国家 would be three tokens (附件, 2,
// 国家) needing a positional phrase check on the very common token 2.
func annexNumerals(rs []Rune) {
	// Spaces may stand between the parts (附件 2), as in unclean text.
	prev := func(i int) int {
		for i--; i >= 0 && rs[i].R == ' '; i-- {
		}
		return i
	}
	for i := range rs {
		if rs[i].R < '1' || rs[i].R > '3' {
			continue
		}
		j := prev(i)
		if j < 1 || rs[j].R != '件' {
			continue
		}
		if k := prev(j); k < 0 || rs[k].R != '附' {
			continue
		}
		next := i + 1
		for next < len(rs) && rs[next].R == ' ' {
			next++
		}
		if next < len(rs) && rs[next].R >= '0' && rs[next].R <= '9' {
			continue // 附件12 is not 附件一二
		}
		rs[i].R = []rune("一二三")[rs[i].R-'1']
	}
}

// Search is the search form of s as a string.
func Search(s string) string {
	rs := SearchRunes(s)
	b := make([]rune, len(rs))
	for i, nr := range rs {
		b[i] = nr.R
	}
	return string(b)
}

// IsWide reports whether r belongs to Chinese running text: ideographs and the
// punctuation set inside it. Spaces next to such a rune are artefacts of PDF
// line-wrapping, never meaningful.
func IsWide(r rune) bool {
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

// Clean collapses whitespace runs to one space and removes the runs that
// touch Chinese text, so "大不列颠及 北爱尔兰联 合王国" becomes one word again
// while "Article XIV" keeps its space. Full-width letters and digits are folded
// to ASCII so that indexed, stored and displayed text agree (Bleve's tokenizer
// drops full-width digits otherwise).
func Clean(s string) string {
	if isClean(s) {
		// Most cells need nothing done: building a copy rune by rune was
		// a quarter of parsing a report (BenchmarkClean, a sentence of 47
		// characters: 1.3 µs, against 0.4 µs checked and cloned). Still a
		// copy: a cell is a piece of its file's text, which would stay in
		// memory as long as anything kept the cell. The indexer keeps every
		// report's summary; at 1M records returning the piece kept 262 MB
		// of files alive, and collecting under the heap limit took the
		// build from 122 s to 225 s.
		return strings.Clone(s)
	}
	return cleanByRunes(s)
}

// cleanByRunes is Clean rune by rune, for text that needs something done.
func cleanByRunes(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	var prev rune // last rune written, 0 at start
	for _, r := range s {
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		r = Width(r)
		if pendingSpace && prev != 0 && !IsWide(prev) && !IsWide(r) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// isClean reports whether Clean would leave s unchanged: valid UTF-8
// without whitespace or full-width letters and digits.
func isClean(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c == ' ' || c >= '\t' && c <= '\r' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r > '\u3000' && r < '０' {
			i += n // Chinese characters and punctuation, the bulk of a cell
			continue
		}
		if r == utf8.RuneError && n == 1 || unicode.IsSpace(r) || Width(r) != r {
			return false
		}
		i += n
	}
	return true
}

// Width maps full-width ASCII letters and digits to ASCII. Full-width
// punctuation stays: it is how Chinese text is meant to look.
func Width(r rune) rune {
	switch {
	case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
		return r - 0xFEE0
	}
	return r
}

// RemoveSpaces drops every whitespace rune: state names never contain spaces
// in Chinese, only wrapping artefacts.
func RemoveSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// Concept prepares text for concept matching: like the search form
// (width, script, case) but keeping punctuation, which 《条约》 needs, and
// dropping spaces.
func Concept(s string) []rune {
	rs := make([]Rune, 0, len(s)/3)
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		r = simplified(Width(r))
		rs = append(rs, Rune{R: unicode.ToLower(r)})
	}
	annexNumerals(rs) // as in the search form, so queries and texts meet
	out := make([]rune, len(rs))
	for i, nr := range rs {
		out[i] = nr.R
	}
	return out
}

// NameKey is the form in which spellings are compared: NFKC (so full-width
// and half-width forms agree), lower case, and without whitespace,
// parentheses or middle dots — the marks that UN documents of different
// years, and PDF line-wrapping, put in different places in the same name.
func NameKey(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !SkipInName(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// SkipInName reports whether NameKey drops r.
func SkipInName(r rune) bool {
	switch r {
	case '(', ')', '（', '）', '·', '・':
		return true
	}
	return unicode.IsSpace(r)
}
