package index

import (
	"context"
	"testing"
)

// BenchmarkSearchClasses measures the query classes of the scale study
// (internal/bench's mix) on 10k synthetic records, published as a served
// index of that size is (one shard, one segment): a common word, a quoted
// phrase (the positions of each candidate checked, phrase.go), and
// selective filters over a common word or phrase, or none (driven from the
// filters' documents, collect.go).
//
//	go test ./index -run XXX -bench SearchClasses -benchtime 200x
func BenchmarkSearchClasses(b *testing.B) {
	ix := synthIndex(b, 10000)
	ctx := context.Background()
	all, err := ix.Search(ctx, Request{Query: "条约"})
	if err != nil {
		b.Fatal(err)
	}
	state := all.Facets.State[0].Value
	year := all.Facets.Year[len(all.Facets.Year)/2].Value
	month := year + "-09"
	cases := []struct {
		name string
		req  Request
	}{
		{"common-word", Request{Query: "条约"}},
		{"phrase", Request{Query: `"全面禁止核试验条约"`}},
		{"phrase-rare", Request{Query: `"第十四条协调员"`}},
		{"word+section+month", Request{Query: "条约", Section: []string{"1(a)"}, Months: []string{month}}},
		{"phrase+section+month", Request{Query: `"全面禁止核试验条约"`, Section: []string{"1(a)"}, Months: []string{month}}},
		{"word+state", Request{Query: "批准", States: []string{state}}},
		{"word+state+section+month", Request{Query: "会议", States: []string{state}, Section: []string{"2(b)"}, Months: []string{month}}},
		{"word+state+year", Request{Query: "会议", States: []string{state}, Years: []string{year}}},
		{"browse+section+month", Request{Section: []string{"1(a)"}, Months: []string{month}}},
		{"single-character", Request{Query: "核"}},
	}
	// Each case cold (the match cache off: Bleve's searchers every time)
	// and +cached (the text's matches from the cache, as a reader's next
	// page or filter gets them).
	for _, cached := range []bool{false, true} {
		for _, c := range cases {
			name := c.name
			ix.SetMatchCache(0)
			if cached {
				name += "+cached"
				ix.SetMatchCache(DefaultMatchCacheBytes)
			}
			b.Run(name, func(b *testing.B) {
				res, err := ix.Search(ctx, c.req)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, err := ix.Search(ctx, c.req); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(res.Total), "hits")
			})
		}
	}
}
