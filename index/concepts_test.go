package index

import (
	"slices"
	"testing"

	"ctbtsearch/report"
)

// Records are tagged with the concepts they name, longest phrase first, in
// the same folded form as queries.
func TestRecordConcepts(t *testing.T) {
	cases := []struct {
		name, activity string
		want           []string
	}{
		{"annex 2 states", "向附件2国家说明", []string{"ANNEX2", "w:附件二国家"}},
		{"non-annex 2 is not annex 2", "向非附件2国家说明", []string{"NONANNEX2"}},
		{"full-width digit", "向附件２国家说明", []string{"ANNEX2", "w:附件二国家"}},
		{"the Treaty by book-title marks", "批准《条约》", []string{"CTBT"}},
		{"the Treaty's name hides 核试验", "全面禁止核试验条约", []string{"CTBT", "w:全面禁止核试验条约"}},
		{"the Organization's name hides the Treaty's", "全面禁止核试验条约组织", []string{"CTBTO"}},
		{"a nuclear test", "宣布核试验后", []string{"NUCTEST", "w:核试验"}},
		{"a moratorium on nuclear tests is about nuclear tests", "暂停核试验", []string{"MORATORIUM", "NUCTEST", "w:核试验"}},
		{"the NPT's preparatory committee is not the CTBTO", "审议大会筹备委员会", []string{"NPT"}},
		{"traditional script", "全面禁止核試驗條約組織", []string{"CTBTO"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := recordConcepts(&report.Record{Section: "2(a)", Activity: tc.activity})
			if !slices.Equal(got, tc.want) {
				t.Errorf("recordConcepts(%q) = %v, want %v", tc.activity, got, tc.want)
			}
		})
	}
	// Tags from the section are told apart from tags from the text.
	if got := recordConcepts(&report.Record{Section: "1(a)"}); !slices.Equal(got, []string{sectionConceptPrefix + "ANNEX2"}) {
		t.Errorf("section 1(a) gives %v, want [§ANNEX2]", got)
	}
}

// A reason line quotes the phrase as the record prints it, not its folded
// form: CTBT, not ctbt; 附件2国家, not 附件二国家.
func TestConceptPhraseInQuotesTheText(t *testing.T) {
	for _, tc := range []struct{ name, text, id, want string }{
		{"case kept", "各国促请尽早批准CTBT。", "CTBT", "CTBT"},
		{"digit kept", "与附件2国家的双边会谈", "ANNEX2", "附件2国家"},
		{"book-title marks kept", "批准《条约》的努力", "CTBT", "《条约》"},
		{"absent", "双边会谈", "CTBT", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := conceptPhraseIn([]string{tc.text}, tc.id); got != tc.want {
				t.Errorf("conceptPhraseIn(%q, %s) = %q, want %q", tc.text, tc.id, got, tc.want)
			}
		})
	}
}

// Every concept a record can be tagged with has a name for reason lines,
// so a concept added to the tables cannot give "《条约》 = " with nothing.
func TestEveryConceptHasAName(t *testing.T) {
	ids := map[string]bool{}
	for _, list := range conceptPhrases {
		for _, id := range list {
			ids[id] = true
		}
	}
	for _, list := range sectionConcepts {
		for _, id := range list {
			ids[id] = true
		}
	}
	for id := range ids {
		if conceptNames[id] == "" {
			t.Errorf("concept %s has no name in conceptNames", id)
		}
	}
}
