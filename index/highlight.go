package index

import (
	"html"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"ctbtsearch/internal/fold"
)

// Highlighting is done here rather than by Bleve's highlighter, for three
// reasons measured on these texts: Bleve marks overlapping bigrams wrongly
// (the last character of 联合国 stays unmarked), it marks the search form and
// not the displayed text, and it needs term vectors read back for every hit.
// We find the query's terms in each displayed field through its search form,
// so 批准条约 marks 批准《条约》 and 附件2國家 marks 附件2国家.

const (
	// wholeFieldRunes: fields up to this length are returned whole, so
	// typical activity texts read as written.
	wholeFieldRunes = 260
	// fragmentRunes is the context shown on each side of a match in longer fields.
	fragmentRunes = 60
	// maxFragments per field keeps result pages short.
	maxFragments = 3
)

type span struct{ start, end int } // byte offsets into the display text

// marks are what a hit's texts are marked for: the query's words and
// variants in search form, and the concepts it names, whose phrases are
// marked where the text names them (《条约》 for CTBT).
type marks struct {
	terms    []string
	concepts []string
}

// markSpans finds every occurrence of the marks' terms (in search form) and
// concept phrases in text and returns the display spans they cover, merged
// where they overlap or touch.
func markSpans(text string, m marks) []span {
	if (len(m.terms) == 0 && len(m.concepts) == 0) || text == "" {
		return nil
	}
	return spansIn(text, markingForm(text), m)
}

// markingForm is text's search form without spaces, each rune with its
// display span: spaces do not separate words in Chinese text, so matching
// skips them.
func markingForm(text string) []fold.Rune {
	rs := fold.SearchRunes(text)
	keep := rs[:0]
	for _, nr := range rs {
		if nr.R != ' ' {
			keep = append(keep, nr)
		}
	}
	return keep
}

// markedText is one of a hit's texts, folded once for its marks and its
// hit's reasons.
type markedText struct {
	text  string
	form  string // search form without spaces (searchWord)
	spans []span // what the marks cover
}

func markText(text string, m marks) markedText {
	keep := markingForm(text)
	b := make([]rune, len(keep))
	for i, nr := range keep {
		b[i] = nr.R
	}
	mt := markedText{text: text, form: fold.RemoveSpaces(string(b))}
	if (len(m.terms) > 0 || len(m.concepts) > 0) && text != "" {
		mt.spans = spansIn(text, keep, m)
	}
	return mt
}

// spansIn is markSpans over text's marking form keep.
func spansIn(text string, keep []fold.Rune, m marks) []span {
	terms := m.terms
	var spans []span
	v := theVocabulary()
	var ks string          // keep as a string, for masked words
	var runeAt map[int]int // byte offset in ks → index in keep
	for _, t := range terms {
		tr := []rune(strings.ReplaceAll(t, " ", ""))
		if len(tr) == 0 {
			continue
		}
		if w := string(tr); v.masked(w) {
			// A word that hides in longer names is marked only where it
			// stands by itself: 印度 is not marked inside 印度尼西亚.
			if runeAt == nil {
				b := make([]rune, len(keep))
				runeAt = make(map[int]int, len(keep))
				off := 0
				for i, nr := range keep {
					b[i] = nr.R
					runeAt[off] = i
					off += utf8.RuneLen(nr.R)
				}
				ks = string(b)
			}
			for _, at := range v.standaloneAt(ks, w) {
				i := runeAt[at]
				spans = append(spans, span{keep[i].Start, keep[i+len(tr)-1].End})
			}
			continue
		}
		for i := 0; i+len(tr) <= len(keep); i++ {
			match := true
			for j := range tr {
				if keep[i+j].R != tr[j] {
					match = false
					break
				}
			}
			if match {
				spans = append(spans, span{keep[i].Start, keep[i+len(tr)-1].End})
			}
		}
	}
	spans = append(spans, conceptSpans(text, m.concepts)...)
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end || strings.TrimSpace(text[last.end:s.start]) == "" {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// fragments renders the marked spans of text as HTML fragments with <mark>
// around matches, or nil when there are none. Every character of the text
// is escaped; the only markup added is <mark> and </mark>.
func fragments(text string, spans []span) []string {
	if len(spans) == 0 {
		return nil
	}
	if utf8.RuneCountInString(text) <= wholeFieldRunes {
		return []string{renderMarked(text, 0, len(text), spans)}
	}
	var frags []string
	for i := 0; i < len(spans) && len(frags) < maxFragments; {
		from := backRunes(text, spans[i].start, fragmentRunes)
		to := forwardRunes(text, spans[i].end, fragmentRunes)
		j := i + 1
		for j < len(spans) && spans[j].start < to {
			to = max(to, forwardRunes(text, spans[j].end, fragmentRunes))
			j++
		}
		var b strings.Builder
		if from > 0 {
			b.WriteString("…")
		}
		b.WriteString(renderMarked(text, from, to, spans[i:j]))
		if to < len(text) {
			b.WriteString("…")
		}
		frags = append(frags, b.String())
		i = j
	}
	return frags
}

func renderMarked(text string, from, to int, spans []span) string {
	var b strings.Builder
	pos := from
	for _, s := range spans {
		if s.end <= from || s.start >= to {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		pos = s.end
	}
	b.WriteString(html.EscapeString(text[pos:to]))
	return b.String()
}

// backRunes moves n runes back from byte offset i, never into the middle of
// a rune.
func backRunes(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

func forwardRunes(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// conceptSpans are the display spans of the phrases in text that name one
// of the concepts, found as records are tagged: left to right, longest
// phrase first, so 核试验 inside the Treaty's name is not a nuclear test.
// fold.Concept maps every non-space rune to one rune, so the k-th rune of
// the concept form is the k-th non-space rune of the text.
func conceptSpans(text string, ids []string) []span {
	if len(ids) == 0 {
		return nil
	}
	rs := fold.Concept(text)
	offs := make([]span, 0, len(rs))
	for i, r := range text {
		if !unicode.IsSpace(r) {
			offs = append(offs, span{i, i + utf8.RuneLen(r)})
		}
	}
	if len(offs) != len(rs) {
		return nil // not one to one after all: mark nothing rather than the wrong text
	}
	var out []span
	eachConcept(rs, func(i, n int, found []string) {
		for _, id := range found {
			if slices.Contains(ids, id) {
				out = append(out, span{offs[i].start, offs[i+n-1].end})
				return
			}
		}
	})
	return out
}
