package index

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"ctbtsearch/report"
)

var qualityReport = flag.Bool("quality.report", false, "print per-query nDCG@10 and recall for ours and the baseline")

// judgment is one query of the judged set: what a user asking it wants,
// graded per record (2 fully relevant, 1 partly; unlisted records are 0).
type judgment struct {
	Query  string         `json:"query"`
	Intent string         `json:"intent"`
	Grades map[string]int `json:"grades"`
	// Via "suggestion": a typo that finds nothing; what is judged is the
	// list the user gets by following the first did-you-mean link, which
	// the test checks is offered.
	Via string `json:"via,omitempty"`
}

func loadJudgments(t testing.TB) []judgment {
	t.Helper()
	data, err := os.ReadFile("testdata/judgments.json")
	if err != nil {
		t.Fatal(err)
	}
	var js []judgment
	if err := json.Unmarshal(data, &js); err != nil {
		t.Fatal(err)
	}
	return js
}

// ndcgAt computes nDCG@k with gain 2^grade-1 and the usual log2 discount.
func ndcgAt(k int, ranked []string, grades map[string]int) float64 {
	dcg := 0.0
	for i, id := range ranked {
		if i == k {
			break
		}
		dcg += (math.Pow(2, float64(grades[id])) - 1) / math.Log2(float64(i+2))
	}
	var ideal []int
	for _, g := range grades {
		ideal = append(ideal, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	idcg := 0.0
	for i, g := range ideal {
		if i == k {
			break
		}
		idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 1
	}
	return dcg / idcg
}

// recallOfFullyRelevant is the share of grade-2 records found at any rank
// (queries without grade-2 records count as fully recalled).
func recallOfFullyRelevant(found []string, grades map[string]int) (hit, want int) {
	in := map[string]bool{}
	for _, id := range found {
		in[id] = true
	}
	for id, g := range grades {
		if g == 2 {
			want++
			if in[id] {
				hit++
			}
		}
	}
	return hit, want
}

type rankFunc func(j judgment) ([]string, error)

type queryScore struct {
	ndcg          float64
	hit, want     int
	relevant, all int // hits graded 1 or 2, and all hits
}

type qualityScores struct {
	meanNDCG, recall, precision float64
	perQuery                    []queryScore
}

// evaluate scores a ranking on the judged set. precision is the share of
// all hits returned, over all queries, that are graded relevant (1 or 2):
// what a result set costs the reader, which nDCG@10 and recall do not see.
func evaluate(t *testing.T, js []judgment, rank rankFunc) qualityScores {
	t.Helper()
	var sumNDCG float64
	var hits, wants, relevant, all int
	var per []queryScore
	for _, j := range js {
		ids, err := rank(j)
		if err != nil {
			t.Fatalf("%q: %v", j.Query, err)
		}
		n := ndcgAt(10, ids, j.Grades)
		h, w := recallOfFullyRelevant(ids, j.Grades)
		rel := 0
		for _, id := range ids {
			if j.Grades[id] > 0 {
				rel++
			}
		}
		sumNDCG += n
		hits += h
		wants += w
		relevant += rel
		all += len(ids)
		per = append(per, queryScore{n, h, w, rel, len(ids)})
	}
	return qualityScores{meanNDCG: sumNDCG / float64(len(js)), recall: float64(hits) / float64(wants),
		precision: float64(relevant) / float64(max(all, 1)), perQuery: per}
}

// ourRanking is the product's search: every match, in ranked order.
func ourRanking(t *testing.T) rankFunc {
	ix := openTestIndex(t)
	return func(j judgment) ([]string, error) {
		q := j.Query
		if j.Via == "suggestion" {
			res, err := ix.Search(context.Background(), Request{Query: q})
			if err != nil {
				return nil, err
			}
			if res.Total != 0 || len(res.Suggestions) == 0 {
				return nil, fmt.Errorf("a typo judged through its suggestion finds %d records and offers %d suggestions", res.Total, len(res.Suggestions))
			}
			q = res.Suggestions[0].Query
		}
		var ids []string
		err := ix.Export(context.Background(), Request{Query: q}, func(r report.Record) error {
			ids = append(ids, r.ID)
			return nil
		})
		return ids, err
	}
}

// baselineRanking is plain Bleve: the display text indexed with the default
// mapping and the cjk analyzer, searched with a match query.
func baselineRanking(t *testing.T) rankFunc {
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = "cjk"
	bi, err := bleve.NewMemOnly(m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bi.Close() })
	a62, a64 := testReports(t)
	b := bi.NewBatch()
	for _, r := range slices.Concat(a62.Records, a64.Records) {
		if err := b.Index(r.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := bi.Batch(b); err != nil {
		t.Fatal(err)
	}
	return func(j judgment) ([]string, error) {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchQuery(j.Query), 1000, 0, false)
		res, err := bi.Search(req)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		return ids, nil
	}
}

// Floors for the judged query set: the level reached, so that a change that
// makes search worse for users fails here. See docs/QUALITY.md.
const (
	minMeanNDCG  = 0.95
	minRecall    = 0.98
	minPrecision = 0.95 // share of all hits graded relevant
	minQueryNDCG = 0.75 // no single query below this
	minQueries   = 100
)

func TestSearchQuality(t *testing.T) {
	js := loadJudgments(t)
	if len(js) < minQueries {
		t.Fatalf("only %d judged queries, want at least %d", len(js), minQueries)
	}
	ours := evaluate(t, js, ourRanking(t))
	base := evaluate(t, js, baselineRanking(t))
	t.Logf("ours:     mean nDCG@10 %.3f, recall of fully relevant %.3f, result-set precision %.3f", ours.meanNDCG, ours.recall, ours.precision)
	t.Logf("baseline: mean nDCG@10 %.3f, recall of fully relevant %.3f, result-set precision %.3f", base.meanNDCG, base.recall, base.precision)
	if *qualityReport {
		var b strings.Builder
		b.WriteString("\n| query | nDCG@10 | recall | precision | baseline nDCG@10 | baseline recall | baseline precision |\n|---|---|---|---|---|---|---|\n")
		for i, j := range js {
			o, p := ours.perQuery[i], base.perQuery[i]
			q := "`" + strings.ReplaceAll(j.Query, "|", "\\|") + "`"
			if j.Via != "" {
				q += " (via " + j.Via + ")"
			}
			fmt.Fprintf(&b, "| %s | %.3f | %d/%d | %d/%d | %.3f | %d/%d | %d/%d |\n", q, o.ndcg, o.hit, o.want, o.relevant, o.all, p.ndcg, p.hit, p.want, p.relevant, p.all)
		}
		t.Log(b.String())
	}
	for i, j := range js {
		if n := ours.perQuery[i].ndcg; n < minQueryNDCG {
			t.Errorf("%q: nDCG@10 = %.3f, below %.2f", j.Query, n, minQueryNDCG)
		}
	}
	if ours.precision < minPrecision {
		t.Errorf("result-set precision = %.3f, below %.2f", ours.precision, minPrecision)
	}
	if ours.meanNDCG < minMeanNDCG {
		t.Errorf("mean nDCG@10 = %.3f, below %.2f", ours.meanNDCG, minMeanNDCG)
	}
	if ours.recall < minRecall {
		t.Errorf("recall of fully relevant records = %.3f, below %.2f", ours.recall, minRecall)
	}
}
