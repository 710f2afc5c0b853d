package bench

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"ctbtsearch/report"
)

// Every word of the mix must occur in the sample report: synthetic corpora
// are made of its text, so a word missing there would only measure misses.
func TestMixWordsOccurInSample(t *testing.T) {
	reports, err := report.BundledReports()
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, r := range reports {
		for _, rec := range r.Records {
			text.WriteString(strings.ReplaceAll(rec.Activity+rec.Comment, " ", ""))
		}
	}
	for _, list := range [][]string{words2, words3, words4, phrases} {
		for _, w := range list {
			if !strings.Contains(text.String(), w) {
				t.Errorf("%q does not occur in the sample report", w)
			}
		}
	}
	for _, w := range words2 {
		if n := len([]rune(w)); n != 2 {
			t.Errorf("%q in words2 has %d characters", w, n)
		}
	}
	for _, w := range words3 {
		if n := len([]rune(w)); n != 3 {
			t.Errorf("%q in words3 has %d characters", w, n)
		}
	}
	for _, w := range words4 {
		if n := len([]rune(w)); n != 4 {
			t.Errorf("%q in words4 has %d characters", w, n)
		}
	}
}

func TestMix(t *testing.T) {
	v := Vocab{States: []string{"日本", "法国"}, Months: []string{"2006-06", "2006-07"}}
	a := Mix(1000, 1, true, v)
	if !reflect.DeepEqual(a, Mix(1000, 1, true, v)) {
		t.Fatal("Mix is not deterministic")
	}
	count := map[string]int{}
	pages := map[int]int{}
	for _, q := range a {
		count[q.Class]++
		pages[q.Page]++
		filters := 0
		for _, f := range [][]string{q.States, q.Sections, q.Months} {
			if len(f) > 0 {
				filters++
			}
		}
		switch q.Class {
		case ClassFilter1, ClassFilter2, ClassFilter3:
			if want := int(q.Class[len(q.Class)-1] - '0'); filters != want {
				t.Errorf("%s query has %d filters: %+v", q.Class, filters, q)
			}
		default:
			if filters != 0 || q.Text == "" {
				t.Errorf("%s query %+v", q.Class, q)
			}
		}
		if q.Phrase != (q.Class == ClassPhrase) && q.Class[:4] != "filt" {
			t.Errorf("phrase flag wrong: %+v", q)
		}
	}
	for _, c := range Classes {
		if count[c] < 50 {
			t.Errorf("class %s: %d queries of 1000", c, count[c])
		}
	}
	if pages[1] < 600 || pages[2] < 120 || pages[3] < 50 {
		t.Errorf("pages: %v", pages)
	}
	for _, q := range Mix(300, 1, false, v) {
		if strings.HasPrefix(q.Class, "filter") {
			t.Fatalf("filtered query without -facets: %+v", q)
		}
	}
}

func TestQueryForms(t *testing.T) {
	q := Query{Class: ClassFilter2, Text: "部长级会议", Phrase: true, States: []string{"日本", "法国"}, Months: []string{"2006-09"}, Page: 2}
	if got := q.Request(); got.Query != `"部长级会议"` || !slices.Equal(got.States, q.States) || got.Page != 2 || got.Size != PageSize {
		t.Errorf("Request = %+v", got)
	}
	want := "month=2006-09&page=2&q=%22%E9%83%A8%E9%95%BF%E7%BA%A7%E4%BC%9A%E8%AE%AE%22&size=20&state=%E6%97%A5%E6%9C%AC&state=%E6%B3%95%E5%9B%BD"
	if got := q.Values().Encode(); got != want {
		t.Errorf("Values = %s\nwant %s", got, want)
	}
}

func TestVocabFromCounts(t *testing.T) {
	states := map[string]int{"乙": 5, "甲": 5, "丙": 9}
	for i := range 30 {
		states[string(rune('a'+i))] = 1
	}
	v := VocabFromCounts(states, map[string]int{"2006-07": 1, "2006-06": 3, "2007-01": 0})
	if len(v.States) != VocabSize || v.States[0] != "丙" || v.States[1] != "乙" || v.States[2] != "甲" {
		t.Errorf("states = %v", v.States)
	}
	if !slices.Equal(v.Months, []string{"2006-06", "2006-07"}) {
		t.Errorf("months = %v", v.Months)
	}
}

func TestProductMix(t *testing.T) {
	v := Vocab{States: []string{"日本"}, Months: []string{"2006-01", "2006-05", "2007-02", "2007-09", "2008-03", "2008-11", "2009-04", "2010-06"}}
	qs := ProductMix(28, v)
	classes := map[string]int{}
	for _, q := range qs {
		classes[q.Class]++
		if strings.Contains(q.Class, "+1(a)+month") {
			if len(q.Sections) != 1 || q.Sections[0] != "1(a)" || len(q.Months) != 1 || !slices.Contains(v.Months, q.Months[0]) {
				t.Errorf("%s: sections %v months %v, want 1(a) and a month of the vocabulary", q.Class, q.Sections, q.Months)
			}
		} else if len(q.Sections)+len(q.Months)+len(q.States) > 0 {
			t.Errorf("%s: filtered, want unfiltered", q.Class)
		}
	}
	if len(classes) != 14 {
		t.Errorf("%d classes, want the 10 common queries and 4 filtered: %v", len(classes), classes)
	}
	for c, n := range classes {
		if n != 2 {
			t.Errorf("%s sent %d times in 28, want 2", c, n)
		}
	}
	if q := qs[5]; !q.Phrase || q.Text != "全面禁止核试验条约" {
		t.Errorf("the quoted phrase is %+v", q)
	}
	if _, err := MixQueries("nonsense", 1, 1, false, v); err == nil {
		t.Error("an unknown mix is accepted")
	}
}
