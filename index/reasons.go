package index

import (
	"fmt"
	"slices"
	"strings"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// conceptNames are how a reason line names a concept.
var conceptNames = map[string]string{
	"CTBT":       "全面禁止核试验条约",
	"CTBTO":      "全面禁止核试验条约组织",
	"NPT":        "不扩散核武器条约",
	"ANNEX2":     "附件2国家",
	"NONANNEX2":  "非附件2国家",
	"NUCTEST":    "核试验",
	"MORATORIUM": "暂停核试验",
	"IMS":        "国际监测系统",
	"ARTXIV":     "第十四条大会",
	"EIF":        "生效",
}

// reasons explains, one line per query word, why a hit matched where its
// highlighted text does not show that word (or one of its variants): the
// state's own row, a concept named another way (《条约》), the section, or
// the word's characters standing apart.
// marked are the hit's texts as hitTexts folded them.
func (p *plan) reasons(h *Hit, marked []markedText) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	texts := make([]string, len(marked))
	forms := make([]string, len(marked)) // search forms without spaces, as marks are found
	for i, m := range marked {
		texts[i], forms[i] = m.text, m.form
	}
	v := theVocabulary()
	var tags []string // the record's concept tags, computed when first needed
	for _, g := range p.groups {
		visible := false
		for _, t := range g {
			if t.fixed != nil || t.field != "" {
				visible = true // a field clause says itself why it matched
				break
			}
			for _, w := range t.highlights() {
				w = fold.RemoveSpaces(w)
				for _, f := range forms {
					if strings.Contains(f, w) && (!v.masked(w) || len(v.standaloneAt(f, w)) > 0) {
						visible = true
					}
				}
			}
		}
		if visible {
			continue
		}
		if tags == nil {
			tags = recordConcepts(&h.Record)
		}
		explained := false
		for _, t := range g {
			if r := p.reasonFor(t, h, texts, tags); r != "" {
				add(r)
				explained = true
				break
			}
		}
		if !explained && h.SectionOnly {
			add(sectionReason(h.Section, h.SectionTitle, ""))
		}
	}
	if h.SectionOnly && len(out) == 0 {
		add(sectionReason(h.Section, h.SectionTitle, ""))
	}
	return out
}

func sectionReason(section, title, means string) string {
	s := fmt.Sprintf("仅因所在章节 %s「%s」", section, title)
	if means != "" {
		s += " = " + means
	}
	return s
}

func (p *plan) reasonFor(t *term, h *Hit, texts, tags []string) string {
	if t.state != nil && h.StateCode == t.state.Code {
		return "本国的记录：" + h.State
	}
	for _, id := range t.concepts {
		if slices.Contains(tags, id) {
			if phrase := conceptPhraseIn(texts, id); phrase != "" {
				return phrase + " = " + conceptNames[id]
			}
		}
	}
	for _, id := range t.concepts {
		if slices.Contains(tags, sectionConceptPrefix+id) {
			return sectionReason(h.Section, h.SectionTitle, conceptNames[id])
		}
	}
	if t.state != nil {
		if code := t.state.Code; slices.Contains(theGazetteerMentions(texts), code) {
			return "提到" + t.state.Name + "（另一种写法）"
		}
	}
	if sectionTitleQuery(t.sf, 1) != nil && strings.Contains(searchWord(h.SectionTitle), fold.RemoveSpaces(t.sf)) {
		return sectionReason(h.Section, h.SectionTitle, "")
	}
	if t.pieces {
		rs := []rune(fold.RemoveSpaces(t.sf))
		var parts []string
		for i := 0; i < len(rs); i += 2 {
			j := min(i+2, len(rs))
			parts = append(parts, string(rs[j-2:j]))
		}
		if len(rs) >= 4 {
			return "「" + strings.Join(parts, "」「") + "」分开出现"
		}
	}
	return ""
}

// conceptPhraseIn finds a phrase naming the concept in the texts, cut from
// the text as displayed (《条约》 for the Treaty, 附件2国家 as printed).
func conceptPhraseIn(texts []string, id string) string {
	for _, txt := range texts {
		if spans := conceptSpans(txt, []string{id}); len(spans) > 0 {
			return txt[spans[0].start:spans[0].end]
		}
	}
	return ""
}

func theGazetteerMentions(texts []string) []string {
	return report.DefaultGazetteer().Mentions(strings.Join(texts, "\n"))
}
