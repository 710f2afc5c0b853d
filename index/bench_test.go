package index

import (
	"context"
	"strings"
	"testing"

	"ctbtsearch/report"
)

// manySingleCharacters is a query of single Chinese characters separated by
// spaces, as long as a query may be.
func manySingleCharacters() string {
	text := []rune("澳大利亚以第十四条协调员的身份促请印度尼西亚尽早批准条约同时强调印度尼西亚作为附件2国家应该在促使条约生效方面发挥特殊作用")
	var words []string
	for i := 0; 2*len(words)+1 <= MaxQueryRunes; i++ {
		words = append(words, string(text[i%len(text)]))
	}
	return strings.Join(words, " ")
}

// BenchmarkIndexSample measures parsing and indexing the sample report into
// a fresh in-memory index (88 records per iteration).
func BenchmarkIndexSample(b *testing.B) {
	data := mustReadSample()
	gz := report.DefaultGazetteer()
	ctx := context.Background()
	for b.Loop() {
		rep, err := report.ParseReport(sampleName, data, gz)
		if err != nil {
			b.Fatal(err)
		}
		ix, err := NewMemory()
		if err != nil {
			b.Fatal(err)
		}
		if err := ix.Add(ctx, nil, rep); err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
	b.ReportMetric(float64(88*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSearch measures whole search requests: query, three active
// filters (so every facet is counted disjunctively), highlights and loading
// the page of records.
func BenchmarkSearch(b *testing.B) {
	ix := openTestIndex(b)
	ctx := context.Background()
	cases := []struct {
		name string
		req  Request
	}{
		{"word", Request{Query: "条约"}},
		{"phrase+3facets", Request{Query: `"附件2国家"`, States: []string{"德国", "法国"}, Section: []string{"1(a)", "1(b)"}, Months: []string{"2007-01"}}},
		{"words+3facets", Request{Query: "附件2 国家", States: []string{"德国"}, Section: []string{"1(b)"}, Months: []string{"2007-01", "2007-02"}}},
		{"state-alias", Request{Query: "英国"}},
		{"single-char", Request{Query: "国"}},
		{"typo-did-you-mean", Request{Query: "附件2国加 讲习版"}},
		{"section-only-ranking", Request{Query: "附件2国家"}},
		{"empty-newest", Request{}},
		// Pasted text as single characters, each its own clause: each
		// character is the bigrams that contain it (web's
		// TestPathologicalQueries, "single characters").
		{"many-single-characters", Request{Query: manySingleCharacters()}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Search(ctx, c.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
