package web

import (
	"html/template"
	"strings"
)

// Highlight tags the index puts around matches.
const (
	markOpen  = "<mark>"
	markClose = "</mark>"
)

// trustedHighlight is the only place in this package where text becomes
// template.HTML, i.e. bypasses html/template's escaping. Keep it that way.
//
// Why it is safe: a fragment comes from the index's highlighter, which
// HTML-escapes every character of the record text and adds nothing but
// <mark> and </mark> around matches (index.Hit.Highlights documents that
// contract; index/highlight.go implements it with html.EscapeString).
// Record text and queries are untrusted, so we do not rely on that alone:
// the fragment is re-verified to consist of escaped text and properly paired
// <mark>…</mark> tags, and anything else is escaped as a whole. A broken
// highlighter can then at worst show literal tags, never inject markup.
func trustedHighlight(fragment string) template.HTML {
	if !isEscapedWithMarks(fragment) {
		return template.HTML(template.HTMLEscapeString(fragment))
	}
	return template.HTML(fragment)
}

// isEscapedWithMarks reports whether s is HTML-escaped text in which the only
// markup is non-nested, closed <mark> and </mark> tags.
//
// Escaped text contains no '<' or '>' and no '&' other than a character
// reference. Quotes are refused too, although harmless in element content,
// because html.EscapeString escapes them and their presence means the text
// did not go through it.
func isEscapedWithMarks(s string) bool {
	open := false
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			switch {
			case !open && strings.HasPrefix(s[i:], markOpen):
				open = true
				i += len(markOpen)
			case open && strings.HasPrefix(s[i:], markClose):
				open = false
				i += len(markClose)
			default:
				return false
			}
		case '&':
			n := charRefLen(s[i:])
			if n == 0 {
				return false
			}
			i += n
		case '>', '"', '\'', 0:
			return false
		default:
			i++
		}
	}
	return !open
}

// maxCharRefLen bounds a character reference: the longest named one in
// practice (&CounterClockwiseContourIntegral;) has 33 bytes.
const maxCharRefLen = 40

// charRefLen returns the length of the character reference s starts with
// (&amp; &#39; &#x4E2D;), or 0 when s does not start with one.
func charRefLen(s string) int {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > maxCharRefLen {
		return 0
	}
	name := s[1:end]
	isDigits := func(t string, hex bool) bool {
		if t == "" {
			return false
		}
		for _, c := range []byte(t) {
			if !('0' <= c && c <= '9' || hex && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
				return false
			}
		}
		return true
	}
	switch {
	case strings.HasPrefix(name, "#x") || strings.HasPrefix(name, "#X"):
		if !isDigits(name[2:], true) {
			return 0
		}
	case strings.HasPrefix(name, "#"):
		if !isDigits(name[1:], false) {
			return 0
		}
	default:
		for _, c := range []byte(name) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				return 0
			}
		}
	}
	return end + 1
}
