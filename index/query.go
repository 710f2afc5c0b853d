package index

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The query language is the part of Bleve's query-string syntax that people
// use on these reports: words, "phrases", +must, -exclude and field:value,
// plus OR between words or phrases (A OR B, A | B, A|B, A 或 B). Plain words
// must all match; OR binds tighter, so 日本 OR 澳大利亚 讲习班 is
// (日本 or 澳大利亚) and 讲习班. Wildcards, regular expressions, fuzzy and range
// syntax are not supported: their characters are searched as text, so no
// query can make the engine enumerate the whole term dictionary.

// clause is one element of a parsed query.
type clause struct {
	op     byte   // 0 or '+': must match; '-': must not match
	field  string // "" for the text fields
	text   string // as typed, without quotes
	phrase bool   // quoted: matched exactly, without variants
	or     bool   // joined to the clause before by OR
}

// isOrWord reports whether a word of the query is the OR operator. Only
// upper-case OR is: "or" is an English word people search for.
func isOrWord(w string) bool { return w == "OR" || w == "|" || w == "或" || w == "｜" }

// queryFields are the field names a query may use, and what they are.
var queryFields = map[string]string{
	"activity":      "text",
	"comment":       "text",
	"footnotes":     "text",
	"section_title": "text",
	"state":         "state",
	"state_code":    "keyword",
	"section":       "section",
	"month":         "month",
	"months":        "month",
	"report":        "keyword",
	"session":       "keyword",
	"annex2":        "bool",
}

func queryFieldNames() string {
	names := make([]string, 0, len(queryFields))
	for n := range queryFields {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

var fieldPrefixRE = regexp.MustCompile(`^([a-z_0-9]+):`)

var annexNumberRE = regexp.MustCompile(`附件\s+([0-9０-９一二三])`)

// closingQuote pairs the quote characters people type around phrases.
var closingQuote = map[rune]rune{'"': '"', '“': '”', '＂': '＂', '「': '」'}

// parseQuery splits a query into clauses. Its only errors are ones the user
// can fix: an unknown field or a field without a value. An unbalanced quote
// is forgiven: the quote is dropped and the rest read as words.
func parseQuery(q string) ([]clause, error) {
	var out []clause
	// The number of an annex belongs to the word: 附件 2 国家 means 附件2 国家.
	q = annexNumberRE.ReplaceAllString(q, "附件$1")
	rs := []rune(q)
	i := 0
	pendingOr := false
	add := func(c clause) {
		if pendingOr && len(out) > 0 {
			c.or = true
		}
		pendingOr = false
		out = append(out, c)
	}
	for i < len(rs) {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		// An OR between clauses, standing alone.
		j := i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		if isOrWord(string(rs[i:j])) {
			pendingOr = len(out) > 0
			i = j
			continue
		}
		var c clause
		if (rs[i] == '+' || rs[i] == '-') && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			c.op = byte(rs[i])
			i++
		}
		if m := fieldPrefixRE.FindStringSubmatch(string(rs[i:min(len(rs), i+20)])); m != nil {
			if _, ok := queryFields[m[1]]; !ok {
				if !isAllDigits(m[1]) { // 10:30 is text, foo:bar a mistake
					return nil, &RequestError{Param: "q", Msg: fmt.Sprintf("unknown field %q; fields are %s", m[1], queryFieldNames())}
				}
			} else {
				c.field = m[1]
				i += utf8.RuneCountInString(m[0])
				if i >= len(rs) || unicode.IsSpace(rs[i]) {
					return nil, &RequestError{Param: "q", Msg: fmt.Sprintf("field %s: needs a value, e.g. %s:%s", c.field, c.field, fieldExample(c.field))}
				}
			}
		}
		if closer, ok := closingQuote[rs[i]]; ok {
			end := -1
			for j := i + 1; j < len(rs); j++ {
				if rs[j] == closer {
					end = j
					break
				}
			}
			if end >= 0 {
				c.text = strings.TrimSpace(string(rs[i+1 : end]))
				c.phrase = true
				i = end + 1
				if c.text != "" {
					add(c)
				}
				continue
			}
			i++ // unbalanced: drop the quote, read on as words
			if i >= len(rs) || unicode.IsSpace(rs[i]) {
				continue
			}
		}
		j = i
		for j < len(rs) && !unicode.IsSpace(rs[j]) {
			j++
		}
		word := string(rs[i:j])
		i = j
		// A|B without spaces is an OR too; a | at either end is dropped.
		parts := strings.FieldsFunc(word, func(r rune) bool { return r == '|' || r == '｜' })
		for k, p := range parts {
			pc := c
			pc.text = p
			if k > 0 {
				pc.field, pc.op = "", 0
				pendingOr = true
			}
			add(pc)
		}
		if len(parts) > 0 && (strings.HasSuffix(word, "|") || strings.HasSuffix(word, "｜")) {
			pendingOr = true
		}
	}
	return out, nil
}

func isAllDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func fieldExample(field string) string {
	switch queryFields[field] {
	case "state":
		return "日本"
	case "section":
		return "1(a)"
	case "month":
		return "2006-09"
	case "bool":
		return "true"
	}
	switch field {
	case "state_code":
		return "JPN"
	case "report":
		return "a62-ctbt-universality"
	case "session":
		return "62"
	}
	return "部长级会议"
}
