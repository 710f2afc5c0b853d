package synth

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// clause is a piece of real report text between 。；，, with the row's own
// state left open: "澳大利亚以第十四条协调员的身份" is kept as ["", "以第十四条协调员的身份"],
// so a recombined row speaks of the state it is filed under.
type clause struct {
	parts []string // text around each occurrence of the row's state
}

func (c clause) appendTo(b []byte, state string) []byte {
	for i, p := range c.parts {
		if i > 0 {
			b = append(b, state...)
		}
		b = append(b, p...)
	}
	return b
}

// pool holds the clauses of one kind: leads open a sentence in the sample,
// tails continue one.
type pool struct {
	leads, tails []clause
}

// material is everything the generator recombines: text from the sample
// report and names from the gazetteer. It is read once per process.
type material struct {
	sections map[string]*pool // clauses of activities, by section
	all      *pool            // clauses of every activity
	comments []clause         // clauses of the comment cells
	members  []report.State   // UN members and observers: states with a formal name
	frequent []report.State   // the states that report in the sample, most of the rows
	aliases  map[string][]string
}

var loadMaterial = sync.OnceValues(func() (*material, error) {
	reports, err := report.BundledReports()
	if err != nil {
		return nil, fmt.Errorf("synth: sample reports: %w", err)
	}
	m := &material{sections: map[string]*pool{}, all: &pool{}, aliases: map[string][]string{}}
	gz := report.DefaultGazetteer()
	seen := map[string]bool{}
	for _, rep := range reports {
		for _, rec := range rep.Records {
			p := m.sections[rec.Section]
			if p == nil {
				p = &pool{}
				m.sections[rec.Section] = p
			}
			for _, sentence := range splitSentences(rec.Activity) {
				for i, c := range splitClauses(sentence, rec.State) {
					if i == 0 {
						p.leads = append(p.leads, c)
						m.all.leads = append(m.all.leads, c)
					} else {
						p.tails = append(p.tails, c)
						m.all.tails = append(m.all.tails, c)
					}
				}
			}
			for _, sentence := range splitSentences(rec.Comment) {
				m.comments = append(m.comments, splitClauses(sentence, rec.State)...)
			}
			if st, ok := gz.Lookup(rec.State); ok && !seen[st.Code] {
				seen[st.Code] = true
				m.frequent = append(m.frequent, st)
			}
		}
	}
	for _, st := range gz.States() {
		if st.Formal == "" {
			continue // territories do not report to the General Assembly
		}
		m.members = append(m.members, st)
		for _, a := range st.Aliases {
			if strings.IndexFunc(a, isHan) < 0 || fold.NameKey(a) == fold.NameKey(st.Name) {
				continue
			}
			if got, ok := gz.Lookup(a); !ok || got.Code != st.Code {
				continue
			}
			// Historic spellings in the reports put the qualifier in
			// full-width parentheses: 委内瑞拉（玻利瓦尔共和国）.
			a = strings.NewReplacer("(", "（", ")", "）").Replace(a)
			if !slices.Contains(m.aliases[st.Code], a) {
				m.aliases[st.Code] = append(m.aliases[st.Code], a)
			}
		}
	}
	switch {
	case len(m.all.leads) == 0 || len(m.all.tails) == 0 || len(m.comments) == 0:
		return nil, fmt.Errorf("synth: the sample report gives too little text (%d leads, %d tails, %d comment clauses)",
			len(m.all.leads), len(m.all.tails), len(m.comments))
	case len(m.frequent) == 0 || len(m.members) == 0:
		return nil, fmt.Errorf("synth: no states to write about")
	}
	for _, s := range sectionOrder {
		if m.sections[s] == nil || len(m.sections[s].leads) == 0 || len(m.sections[s].tails) == 0 {
			m.sections[s] = m.all
		}
	}
	return m, nil
})

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// splitSentences cuts text at 。 and ；, the ends of sentences and of list
// items; the marks are dropped (the generator writes its own).
func splitSentences(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return r == '。' || r == '；' || r == ';' })
}

// splitClauses cuts a sentence at commas, drops fragments too short to read
// as a clause, and opens the slots where the row's state was named.
func splitClauses(sentence, state string) []clause {
	var out []clause
	for _, f := range strings.FieldsFunc(sentence, func(r rune) bool { return r == '，' || r == ',' }) {
		f = strings.TrimSpace(f)
		if utf8.RuneCountInString(f) < 4 || strings.ContainsAny(f, "^\t\n") {
			continue
		}
		out = append(out, clause{parts: strings.Split(f, state)})
	}
	return out
}
