package index

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/report"
)

// TestWordPostingsMatchThePhrase: for every known word and text field, the
// word's postings find exactly the documents the phrase of its bigrams
// finds, walking and skipping (Advance), on the fixtures and on a synthetic
// collection in two shards, with the same scores: the word's count in its
// postings is the number of places the phrase finds it at.
func TestWordPostingsMatchThePhrase(t *testing.T) {
	for _, tc := range []struct {
		name string
		ix   *Index
	}{
		{"fixtures", openTestIndex(t)},
		{"synthetic, two shards", synthIndexShards(t, 3000, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := tc.ix
			if len(ix.words.list) < 20 {
				t.Fatalf("%d known words with postings; the vocabulary has more", len(ix.words.list))
			}
			ctx := context.Background()
			found := map[string]int{}
			for i, sh := range ix.shards {
				cols, release, err := sh.snapshot(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var every3 []uint64
				for d := uint64(0); d < uint64(len(cols.state)); d += 3 {
					every3 = append(every3, d)
				}
				for _, w := range ix.words.list {
					terms, _ := ix.analyze(w)
					for _, field := range defaultTextFields {
						phrase := runQuery(t, cols.reader, ix, newAdjacentQuery(terms, field, 2), nil)
						word := runQuery(t, cols.reader, ix, newWordQuery(terms, w, field, 2), nil)
						if !sameDocs(word, phrase) {
							t.Errorf("shard %d, %s in %s: word postings find %d documents, the phrase %d", i, w, field, len(word), len(phrase))
							continue
						}
						for d, s := range word {
							if s != phrase[d] {
								t.Errorf("shard %d, %s in %s, doc %d: word scores %v, the phrase %v", i, w, field, d, s, phrase[d])
							}
						}
						found[w] += len(word)
						if !sameDocs(runQuery(t, cols.reader, ix, newWordQuery(terms, w, field, 2), every3), runQuery(t, cols.reader, ix, newAdjacentQuery(terms, field, 2), every3)) {
							t.Errorf("shard %d, %s in %s: skipping finds other documents than the phrase", i, w, field)
						}
					}
				}
				release()
			}
			if len(found) < 5 {
				t.Errorf("only %d known words found at all (%v); the test would test little", len(found), found)
			}
		})
	}
}

func sameDocs(a, b map[uint64]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for d := range a {
		if _, ok := b[d]; !ok {
			return false
		}
	}
	return true
}

// wordsTestIndex is an index of one report whose records have the given
// activities (and footnotes), in order; words, if not nil, replace the
// vocabulary's as the words given postings.
func wordsTestIndex(t *testing.T, words []string, activities []string, footnotes [][]string) *Index {
	t.Helper()
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	if words != nil {
		ix.setWords(words)
	}
	rep := &report.Report{ID: "a70-words", File: "a70-words.txt", Session: 70, Year: 2015}
	for i, text := range activities {
		rec := report.Record{
			ID: fmt.Sprintf("a70-words-%d", i+1), Report: rep.ID, Session: 70, Section: "2(a)", State: "中国",
			Period: "2015年3月", Start: "2015-03-01", End: "2015-03-31", Months: []string{"2015-03"},
			Activity: text, Source: fmt.Sprintf("a70-words.txt:%d", i+1),
		}
		if i < len(footnotes) {
			rec.Footnotes = footnotes[i]
		}
		rep.Records = append(rep.Records, rec)
	}
	if err := ix.Add(context.Background(), nil, rep); err != nil {
		t.Fatal(err)
	}
	return ix
}

// TestWordScoresAsItsBigrams: a word's postings score as the phrase of its
// bigrams does, and, where each bigram stands only inside the word, as
// Bleve's PhraseQuery; a bigram standing elsewhere too raises Bleve's score
// only. Places count as for the
// phrase: a space or another footnote between the characters is no match,
// a longer name containing the word is one (standing by itself is the tag's
// business, plan.go).
func TestWordScoresAsItsBigrams(t *testing.T) {
	const w = "全面禁止核试验条约"
	activities := []string{
		"全面禁止核试验条约",             // 0: bigrams only inside the word
		"全面禁止核试验条约和不扩散核武器条约",    // 1: 条约 twice
		"全面禁止　核试验条约",            // 2: a space between two runs
		"全面禁止核试验条约组织",           // 3: inside a longer name
		"甲全面禁止核试验条约乙，全面禁止核试验条约", // 4: twice
		"",            // 5: footnotes only, split
		"附件2国家",       // 6: in search form 附件二国家
		"全面 面禁止核试验条约", // 7: its bigrams numbered on across two runs
	}
	footnotes := [][]string{5: {"全面禁止", "核试验条约"}}
	ix := wordsTestIndex(t, nil, activities, footnotes)
	ctx := context.Background()
	cols, release, err := ix.shards[0].snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	byActivity := func(hits map[uint64]float64) map[int]float64 {
		out := map[int]float64{}
		for d, s := range hits {
			rec, err := loadRecord(cols, bindex.NewIndexInternalID(nil, d))
			if err != nil {
				t.Fatal(err)
			}
			out[slices.Index(activities, rec.Activity)] = s
		}
		return out
	}
	for _, tc := range []struct {
		word, field string
		want        []int // records found, by activity
		same        []int // of those, where the word scores as Bleve's PhraseQuery
	}{
		{w, "activity", []int{0, 1, 3, 4}, []int{0, 3, 4}},
		{w, "footnotes", nil, nil},
		{"附件二国家", "activity", []int{6}, []int{6}},
	} {
		t.Run(tc.word+" in "+tc.field, func(t *testing.T) {
			terms, _ := ix.analyze(tc.word)
			if _, ok := ix.wordFor(terms); !ok {
				t.Fatalf("%s has no postings of its own", tc.word)
			}
			word := byActivity(runQuery(t, cols.reader, ix, newWordQuery(terms, tc.word, tc.field, 3), nil))
			phrase := byActivity(runQuery(t, cols.reader, ix, newAdjacentQuery(terms, tc.field, 3), nil))
			bq := query.NewPhraseQuery(terms, tc.field)
			bq.SetBoost(3)
			bleve := byActivity(runQuery(t, cols.reader, ix, bq, nil))
			var got []int
			for i := range word {
				got = append(got, i)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("word finds records %v, want %v (the phrase finds %v)", got, tc.want, phrase)
			}
			for _, i := range tc.want {
				if word[i] != phrase[i] {
					t.Errorf("record %d (%q): word scores %v, the phrase %v", i, activities[i], word[i], phrase[i])
				}
				same := slices.Contains(tc.same, i)
				if alike := math.Abs(word[i]-bleve[i]) < 1e-12; alike != same {
					t.Errorf("record %d (%q): word scores %v, Bleve's PhraseQuery %v; alike %v", i, activities[i], word[i], bleve[i], same)
				}
				if word[i] > bleve[i]*(1+1e-12) {
					t.Errorf("record %d: the word scores above Bleve's phrase", i)
				}
			}
		})
	}
}

// TestWordsOfTheIndexDecideTheQuery: a word the index has no postings for
// (built with another vocabulary, or before words had them) is searched by
// its bigrams and found all the same; the list an index is built with is
// the one it is opened with.
func TestWordsOfTheIndexDecideTheQuery(t *testing.T) {
	const w = "全面禁止核试验条约"
	a62, a64 := testReports(t)
	full := openTestIndex(t)
	terms, _ := full.analyze(w)
	if _, ok := full.wordFor(terms); !ok {
		t.Fatalf("%s: no postings in an index of this version", w)
	}
	fewer, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer fewer.Close()
	// Without postings for these: quoted, they are phrases again; the
	// masked ones (all three) unquoted, their bigrams anywhere in a field.
	lacking := []string{w, "附件二国家", "核试验"}
	fewer.setWords(slices.DeleteFunc(slices.Clone(full.words.list), func(s string) bool { return slices.Contains(lacking, s) }))
	if err := fewer.Add(context.Background(), nil, a62, a64); err != nil {
		t.Fatal(err)
	}
	if _, ok := fewer.wordFor(terms); ok {
		t.Fatalf("%s has postings in an index built without it", w)
	}
	for _, q := range []string{`"` + w + `"`, w, `"附件2国家"`, "附件2 国家", "核试验", `"核试验"`, "部长级会议"} {
		a, err := full.Search(t.Context(), Request{Query: q, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		b, err := fewer.Search(t.Context(), Request{Query: q, Size: 50})
		if err != nil {
			t.Fatal(err)
		}
		if a.Total == 0 || a.Total != b.Total {
			t.Errorf("%s: %d hits with the word's postings, %d without", q, a.Total, b.Total)
		}
	}

	// Published and opened again: the same list. An old generation has
	// none and finds the phrase by its bigrams.
	loc := t.TempDir()
	gen, err := Publish(t.Context(), loc, []*report.Report{a62}, nil)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := Open(gen)
	if err != nil {
		t.Fatal(err)
	}
	defer opened.Close()
	if !slices.Equal(opened.words.list, full.words.list) {
		t.Errorf("opened index lists %d words, built with %d", len(opened.words.list), len(full.words.list))
	}
	old := filepath.Join(t.TempDir(), "gen")
	if err := os.CopyFS(old, os.DirFS("testdata/gen-records-in-bleve")); err != nil {
		t.Fatal(err)
	}
	oldIx, err := Open(old)
	if err != nil {
		t.Fatal(err)
	}
	defer oldIx.Close()
	if len(oldIx.words.list) != 0 {
		t.Errorf("an index built before words had postings lists %d", len(oldIx.words.list))
	}
	for _, ix := range []*Index{opened, oldIx} {
		res, err := ix.Search(t.Context(), Request{Query: `"` + w + `"`})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := opened.Search(t.Context(), Request{Query: `"` + w + `"`})
		if res.Total == 0 || res.Total != want.Total {
			t.Errorf("%q: %d hits, the new generation %d", w, res.Total, want.Total)
		}
	}
}

// A companion field its text field cannot feed is refused when the mapping
// is loaded, naming it.
func TestLoadMappingRefusesBadWordFields(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(props map[string]any)
		want string
	}{
		{"text without term vectors", func(props map[string]any) { firstField(props, "activity")["include_term_vectors"] = false }, "activity_words"},
		{"stored", func(props map[string]any) { firstField(props, "comment_words")["store"] = true }, "comment_words"},
		{"renamed", func(props map[string]any) { firstField(props, "footnotes_words")["name"] = "notes" }, "footnotes_words"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadMapping(editedMappingJSON(t, func(props, _ map[string]any) { tc.edit(props) }))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadMapping = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// BenchmarkKnownWordPhrase: a known word quoted, through its postings and
// through the phrase of its bigrams, on a synthetic collection: every match
// walked and scored, as an unfiltered search does.
func BenchmarkKnownWordPhrase(b *testing.B) {
	ix := synthIndexShards(b, 20000, 1)
	const w = "全面禁止核试验条约"
	terms, _ := ix.analyze(w)
	ctx := context.Background()
	cols, release, err := ix.shards[0].snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer release()
	for _, tc := range []struct {
		name string
		q    query.Query
	}{
		{"word", newWordQuery(terms, w, "activity", 3)},
		{"phrase", newAdjacentQuery(terms, "activity", 3)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				s, err := tc.q.Searcher(ctx, cols.reader, ix.mapping, search.SearcherOptions{})
				if err != nil {
					b.Fatal(err)
				}
				sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
				n = 0
				for {
					dm, err := s.Next(sctx)
					if err != nil {
						b.Fatal(err)
					}
					if dm == nil {
						break
					}
					n++
					sctx.DocumentMatchPool.Put(dm)
				}
				s.Close()
			}
			b.ReportMetric(float64(n), "matches")
		})
	}
}

// The scan counts a word in every field value of every record it indexes:
// it must not allocate for a word of up to 16 terms (wordPattern.count).
// Eight terms, as the Treaty's name has: Go puts a small slice of three on
// the stack by itself, but not this one.
func TestWordCountAllocatesNothing(t *testing.T) {
	word := []rune("全面禁止核试验条约")
	p := &wordPattern{word: string(word)}
	tfs := bindex.TokenFrequencies{}
	for i := range len(word) - 1 {
		term := string(word[i : i+2])
		p.terms = append(p.terms, term)
		p.joins = append(p.joins, min(i, 1)*3) // each bigram starts one character (3 bytes) after the last
		tfs[term] = &bindex.TokenFreq{Term: []byte(term), Locations: []*bindex.TokenLocation{{Position: i + 1, Start: 3 * i, End: 3*i + 6}}}
	}
	if n := p.count(tfs); n != 1 {
		t.Fatalf("count = %d, want 1", n)
	}
	if allocs := testing.AllocsPerRun(100, func() { p.count(tfs) }); allocs != 0 {
		t.Errorf("count allocates %v times a value", allocs)
	}
}

// TestScoreKey: the pairs a phrase's score depends on get keys of their
// own; a pair that cannot be packed exactly is not keyed, so its sum is
// never mistaken for another's.
func TestScoreKey(t *testing.T) {
	norm := func(fieldLength int) float64 { return float64(float32(1 / math.Sqrt(float64(fieldLength)))) }
	seen := map[uint64][2]float64{}
	for freq := uint64(1); freq <= 20; freq++ {
		for length := 1; length <= 2000; length++ {
			key, ok := scoreKey(freq, norm(length))
			if !ok {
				t.Fatalf("(%d, %v) not keyed", freq, norm(length))
			}
			if prev, dup := seen[key]; dup && prev != [2]float64{float64(freq), norm(length)} {
				t.Fatalf("(%d, %v) and %v share key %#x", freq, norm(length), prev, key)
			}
			seen[key] = [2]float64{float64(freq), norm(length)}
		}
	}
	for _, tc := range []struct {
		name string
		freq uint64
		norm float64
	}{
		{"a norm no float32 holds", 1, 0.1},
		{"a count past 32 bits", 1 << 32, 1},
		{"not a number", 1, math.NaN()},
	} {
		if key, ok := scoreKey(tc.freq, tc.norm); ok {
			t.Errorf("%s: keyed %#x", tc.name, key)
		}
	}
}
