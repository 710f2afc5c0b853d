package bench

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// The query mix: what people type into the search box of this product, by
// length of the word (Chinese words are two to four characters; each is
// matched as a run of bigrams), quoted phrases, and searches narrowed by
// facet filters. Every word occurs in the sample report, so it occurs in a
// synthetic corpus made from it too. State names are among the words, as
// people search for them.
var (
	words2  = []string{"条约", "批准", "会议", "声明", "生效", "签署", "外交", "促请", "合作", "日本", "法国", "德国"}
	words3  = []string{"核试验", "讲习班", "联合国", "部长级", "协调员", "核爆炸", "新闻稿", "主席国", "代表团", "加拿大"}
	words4  = []string{"决议草案", "双边往来", "普遍加入", "早日生效", "外交部长", "主动行动", "多边论坛", "监测系统", "欧洲联盟", "特别代表", "澳大利亚"}
	phrases = []string{"部长级联合声明", "全面禁止核试验条约", "附件2国家", "不扩散核武器条约", "国际监测系统", "第十四条协调员", "决议草案经大会通过", "放射性核素站"}
)

// Query classes.
const (
	ClassWord2   = "word2"
	ClassWord3   = "word3"
	ClassWord4   = "word4"
	ClassPhrase  = "phrase"
	ClassFilter1 = "filter1" // a word, phrase or nothing, and one facet filter
	ClassFilter2 = "filter2" // … two filters
	ClassFilter3 = "filter3" // … state, section and month filters at once
)

// Classes lists the query classes in table order.
var Classes = []string{ClassWord2, ClassWord3, ClassWord4, ClassPhrase, ClassFilter1, ClassFilter2, ClassFilter3}

// Query is one search of the mix, independent of the engine that runs it.
type Query struct {
	Class    string
	Text     string // a word or a phrase, without quotes; "" to browse with filters only
	Phrase   bool
	States   []string
	Sections []string
	Months   []string
	Page     int // 1-based
}

// PageSize is the page size of every query of the mix: the product's default.
const PageSize = index.DefaultPageSize

// QueryString is the query as typed in the search box: phrases in quotes.
func (q Query) QueryString() string {
	if q.Phrase {
		return `"` + q.Text + `"`
	}
	return q.Text
}

// Request is the query for index.Index.Search.
func (q Query) Request() index.Request {
	return index.Request{Query: q.QueryString(), States: q.States, Section: q.Sections, Months: q.Months, Page: q.Page, Size: PageSize}
}

// Values is the query as the parameters of GET /api/search.
func (q Query) Values() url.Values {
	v := url.Values{}
	if q.Text != "" {
		v.Set("q", q.QueryString())
	}
	for _, s := range q.States {
		v.Add("state", s)
	}
	for _, s := range q.Sections {
		v.Add("section", s)
	}
	for _, m := range q.Months {
		v.Add("month", m)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	v.Set("size", strconv.Itoa(PageSize))
	return v
}

// Vocab is what filters can be set to: values that occur in the corpus.
type Vocab struct {
	States []string // the most frequent states first
	Months []string // YYYY-MM
}

// VocabSize is how many of the most frequent states filters choose from.
const VocabSize = 20

// VocabFromCounts builds a Vocab from record counts per state and per
// month, the way the facets list them: states by count, then by name.
func VocabFromCounts(states, months map[string]int) Vocab {
	var v Vocab
	for s := range states {
		v.States = append(v.States, s)
	}
	slices.SortFunc(v.States, func(a, b string) int {
		if c := cmp.Compare(states[b], states[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	v.States = v.States[:min(len(v.States), VocabSize)]
	for m, n := range months {
		if n > 0 {
			v.Months = append(v.Months, m)
		}
	}
	slices.Sort(v.Months)
	return v
}

// VocabFromReports counts states and months in parsed reports.
func VocabFromReports(reports []*report.Report) Vocab {
	states, months := map[string]int{}, map[string]int{}
	for _, r := range reports {
		for i := range r.Records {
			states[r.Records[i].State]++
			for _, m := range r.Records[i].Months {
				months[m]++
			}
		}
	}
	return VocabFromCounts(states, months)
}

// VocabFromFacets takes the filter values from an unfiltered search's facets.
func VocabFromFacets(f index.Facets) Vocab {
	states, months := map[string]int{}, map[string]int{}
	for _, v := range f.State {
		states[v.Value] = v.Count
	}
	for _, v := range f.Month {
		months[v.Value] = v.Count
	}
	if len(months) == 0 {
		years := map[string]int{}
		for _, v := range f.Year {
			years[v.Value] = v.Count
		}
		months = MonthsOfYears(years)
	}
	return VocabFromCounts(states, months)
}

// MonthsOfYears spreads year counts over the years' twelve months. A result
// spanning more than two years carries the year facet instead of the month
// facet (index.MonthFacetMaxYears), and month filters are still wanted.
func MonthsOfYears(years map[string]int) map[string]int {
	months := map[string]int{}
	for y, n := range years {
		for m := 1; m <= 12; m++ {
			months[fmt.Sprintf("%s-%02d", y, m)] = max(1, n/12)
		}
	}
	return months
}

var sectionCodes = []string{"1(a)", "1(b)", "2(a)", "2(b)"}

// Mix returns n queries drawn with a fixed seed, so that every engine and
// every run gets the same sequence for the same vocabulary. Without facets
// it has only unfiltered word and phrase queries; with facets, four in ten
// queries also set one to three filters, each of which makes our engine run
// a disjunctive facet count. Pages 1–3 are asked for in 70/20/10 proportion.
func Mix(n int, seed uint64, facets bool, v Vocab) []Query {
	r := rand.New(rand.NewPCG(seed, 0x6d6978))
	type weighted struct {
		class  string
		weight int
	}
	classes := []weighted{{ClassWord2, 30}, {ClassWord3, 25}, {ClassWord4, 25}, {ClassPhrase, 20}}
	if facets && len(v.States) > 0 && len(v.Months) > 0 {
		classes = []weighted{{ClassWord2, 18}, {ClassWord3, 15}, {ClassWord4, 15}, {ClassPhrase, 12},
			{ClassFilter1, 15}, {ClassFilter2, 13}, {ClassFilter3, 12}}
	}
	pick := func(list []string) string { return list[r.IntN(len(list))] }
	out := make([]Query, n)
	for i := range out {
		x := r.IntN(100)
		var class string
		for _, c := range classes {
			if x < c.weight {
				class = c.class
				break
			}
			x -= c.weight
		}
		q := Query{Class: class, Page: 1}
		switch class {
		case ClassWord2:
			q.Text = pick(words2)
		case ClassWord3:
			q.Text = pick(words3)
		case ClassWord4:
			q.Text = pick(words4)
		case ClassPhrase:
			q.Text, q.Phrase = pick(phrases), true
		default:
			switch y := r.IntN(10); {
			case y < 2: // browse: filters only
			case y < 4:
				q.Text, q.Phrase = pick(phrases), true
			default:
				q.Text = pick([][]string{words2, words3, words4}[r.IntN(3)])
			}
			kinds := []int{0, 1, 2} // state, section, month
			r.Shuffle(len(kinds), func(a, b int) { kinds[a], kinds[b] = kinds[b], kinds[a] })
			for _, k := range kinds[:int(class[len(class)-1]-'0')] {
				values := 1 + r.IntN(10)/7 // one value, sometimes two
				for range values {
					switch k {
					case 0:
						q.States = appendNew(q.States, pick(v.States))
					case 1:
						q.Sections = appendNew(q.Sections, pick(sectionCodes))
					case 2:
						q.Months = appendNew(q.Months, pick(v.Months))
					}
				}
			}
		}
		switch y := r.IntN(10); {
		case y == 9:
			q.Page = 3
		case y >= 7:
			q.Page = 2
		}
		out[i] = q
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// Mixes, as Result.Mix names them ("" is MixScale).
const (
	MixScale   = "scale"   // Mix: word lengths, phrases, 1-3 filters, pages 1-3
	MixProduct = "product" // ProductMix: the product's common queries (issue 14)
)

// productQueries are the product's common queries as issue 14 lists them:
// what people type most, a quoted phrase among them.
var productQueries = []string{"附件2 国家", "批准条约", "核试验", "维也纳", "部长级会议", `"全面禁止核试验条约"`, "委内瑞拉", "决议草案", "讲习班", "朝鲜"}

// productFiltered are the queries of productQueries that the product mix
// also sends narrowed to section 1(a) and one month, as a reader narrowing
// a result does.
var productFiltered = []string{"附件2 国家", "批准条约", "核试验", "讲习班"}

// ProductMix is the product's common queries, and four of them narrowed by
// section=1(a)&month=M, cycled n times over (each query one class, named
// by what is typed, the filtered ones with "+1(a)+month"). The months are
// four of the vocabulary's, spread over its span.
func ProductMix(n int, v Vocab) []Query {
	var base []Query
	for _, t := range productQueries {
		q := Query{Class: t, Page: 1}
		q.Text, q.Phrase = strings.Trim(t, `"`), strings.HasPrefix(t, `"`)
		base = append(base, q)
	}
	for i, t := range productFiltered {
		q := Query{Class: t + " +1(a)+month", Text: t, Sections: []string{"1(a)"}, Page: 1}
		if len(v.Months) > 0 {
			q.Months = []string{v.Months[(2*i+1)*len(v.Months)/(2*len(productFiltered))]}
		}
		base = append(base, q)
	}
	out := make([]Query, n)
	for i := range out {
		out[i] = base[i%len(base)]
	}
	return out
}

// MixQueries returns n queries of the named mix.
func MixQueries(mix string, n int, seed uint64, facets bool, v Vocab) ([]Query, error) {
	switch mix {
	case "", MixScale:
		return Mix(n, seed, facets, v), nil
	case MixProduct:
		return ProductMix(n, v), nil
	}
	return nil, fmt.Errorf("unknown query mix %q: use %s or %s", mix, MixScale, MixProduct)
}
