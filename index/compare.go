package index

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode"

	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
)

// Statuses of a state in a comparison of two reports.
const (
	StatusBoth  = "both"
	StatusOnlyA = "only_a"
	StatusOnlyB = "only_b"
)

// Kinds of an activity pair: an activity of report A continued in report B,
// one of A with no counterpart in B (stopped), one of B with none in A (new).
const (
	PairContinued = "continued"
	PairStopped   = "stopped"
	PairNew       = "new"
)

// MinPairSimilarity is the bigram similarity from which two activities of a
// state count as the same activity continued. Measured on the two test
// reports (the state's name left out, see pairActivities): the pairs a
// reader would make score 0.56–0.89 (Japan's 在双边协商中，日本促请… with a
// longer list of countries 0.79); the other pairings of the same states,
// which share only the Treaty's stock phrases, score 0.31 or less, with one
// 0.49.
const MinPairSimilarity = 0.4

// Comparison sets two reports side by side, state by state.
type Comparison struct {
	A, B   ReportInfo
	States []StateComparison // both first, then only in A, then only in B; by name within each
	Pairs  []ActivityPair    // for the states in both: every activity of either report once
	Took   time.Duration
}

// StateComparison is one state's records in each report.
type StateComparison struct {
	State, StateCode, English string
	Annex2                    bool
	A, B                      int
	Status                    string
}

// ActivityPair is an activity of report A matched with its most similar one
// of the same state in report B; either side is nil when it has none.
type ActivityPair struct {
	State, StateCode string
	A, B             *report.Record
	Similarity       float64 // 0–1, character-bigram Dice coefficient
	Kind             string
}

// Compare sets the reports with ids a and b side by side. An unknown id is a
// *RequestError naming the parameter ("a" or "b").
func (ix *Index) Compare(ctx context.Context, a, b string) (_ *Comparison, err error) {
	defer guardReads(&err, debug.SetPanicOnFault(true))
	began := time.Now()
	ix.mu.RLock()
	infoA, okA := ix.reports[a]
	infoB, okB := ix.reports[b]
	ix.mu.RUnlock()
	switch {
	case !okA:
		return nil, &RequestError{Param: "a", Msg: fmt.Sprintf("unknown report %q", a)}
	case !okB:
		return nil, &RequestError{Param: "b", Msg: fmt.Sprintf("unknown report %q", b)}
	case a == b:
		return nil, &RequestError{Param: "b", Msg: "choose two different reports"}
	}
	out := &Comparison{A: infoA.ReportInfo, B: infoB.ReportInfo}
	p, err := ix.pinShards(ctx)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	defer p.release()

	// One pass over the report column per shard finds both reports' records.
	type located struct {
		shard int
		doc   uint64
		state string
		inB   bool
	}
	found := make([][]located, len(p.cols))
	err = p.eachShard(func(shard int, cols *columns) error {
		ra, rb := ordinal(cols.reports, a), ordinal(cols.reports, b)
		if ra < 0 && rb < 0 {
			return nil
		}
		for doc, re := range cols.report {
			if doc%(16*checkEvery) == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if (re == ra || re == rb) && re >= 0 && cols.state[doc] >= 0 {
				found[shard] = append(found[shard], located{shard, uint64(doc), cols.states[cols.state[doc]], re == rb})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	docs := slices.Concat(found...)
	if len(docs) > 2*MaxExportRows {
		return nil, &RequestError{Param: "a", Msg: fmt.Sprintf("the two reports hold %d records; at most %d can be compared", len(docs), 2*MaxExportRows)}
	}

	counts := map[string]*StateComparison{}
	for _, d := range docs {
		sc := counts[d.state]
		if sc == nil {
			sc = &StateComparison{State: d.state}
			if st, ok := ix.gz.Lookup(d.state); ok {
				sc.StateCode, sc.English, sc.Annex2 = st.Code, st.English, st.Annex2
			}
			counts[d.state] = sc
		}
		if d.inB {
			sc.B++
		} else {
			sc.A++
		}
	}
	for _, sc := range counts {
		switch {
		case sc.A > 0 && sc.B > 0:
			sc.Status = StatusBoth
		case sc.A > 0:
			sc.Status = StatusOnlyA
		default:
			sc.Status = StatusOnlyB
		}
		out.States = append(out.States, *sc)
	}
	order := map[string]int{StatusBoth: 0, StatusOnlyA: 1, StatusOnlyB: 2}
	slices.SortFunc(out.States, func(x, y StateComparison) int {
		return cmp.Or(order[x.Status]-order[y.Status], compareNames(x.State, y.State))
	})

	// Pairs: load the records of the states in both reports.
	type sides struct{ a, b []report.Record }
	byState := map[string]*sides{}
	var id bindex.IndexInternalID
	for _, d := range docs {
		if counts[d.state].Status != StatusBoth {
			continue
		}
		id = bindex.NewIndexInternalID(id[:0], d.doc)
		rec, err := loadRecord(p.cols[d.shard], id)
		if err != nil {
			return nil, fmt.Errorf("compare: document %d/%d: %w", d.shard, d.doc, err)
		}
		s := byState[d.state]
		if s == nil {
			s = &sides{}
			byState[d.state] = s
		}
		if d.inB {
			s.b = append(s.b, rec)
		} else {
			s.a = append(s.a, rec)
		}
	}
	for _, sc := range out.States {
		s := byState[sc.State]
		if s == nil {
			continue
		}
		slices.SortFunc(s.a, func(x, y report.Record) int { return compareRecordIDs(x.ID, y.ID) })
		slices.SortFunc(s.b, func(x, y report.Record) int { return compareRecordIDs(x.ID, y.ID) })
		for _, pr := range pairActivities(sc.State, s.a, s.b) {
			pr.State, pr.StateCode = sc.State, sc.StateCode
			out.Pairs = append(out.Pairs, pr)
		}
	}
	out.Took = time.Since(began)
	return out, nil
}

func ordinal(vals []string, v string) int32 {
	i, ok := slices.BinarySearch(vals, v)
	if !ok {
		return noValue
	}
	return int32(i)
}

// pairActivities matches the activities of one state in two reports one to
// one, most similar first (greedy: the best remaining pair is taken until no
// pair reaches MinPairSimilarity), and lists the rest on their own. Pairs
// come in the order of A's records, each unmatched B record after them.
func pairActivities(state string, a, b []report.Record) []ActivityPair {
	// The state's own name is in most of its activities and says nothing
	// about which of them match; a long one (大不列颠及北爱尔兰联合王国)
	// would make any two look alike.
	name := fold.Search(state)
	ga := make([][]uint64, len(a))
	for i, r := range a {
		ga[i] = bigrams(strings.ReplaceAll(fold.Search(r.Activity), name, ""))
	}
	gb := make([][]uint64, len(b))
	for j, r := range b {
		gb[j] = bigrams(strings.ReplaceAll(fold.Search(r.Activity), name, ""))
	}
	type cand struct {
		i, j int
		sim  float64
	}
	var cands []cand
	for i := range a {
		for j := range b {
			if s := dice(ga[i], gb[j]); s >= MinPairSimilarity {
				cands = append(cands, cand{i, j, s})
			}
		}
	}
	slices.SortStableFunc(cands, func(x, y cand) int { return cmp.Compare(y.sim, x.sim) })
	matchA := make([]int, len(a))
	for i := range matchA {
		matchA[i] = -1
	}
	simA := make([]float64, len(a))
	usedB := make([]bool, len(b))
	for _, c := range cands {
		if matchA[c.i] < 0 && !usedB[c.j] {
			matchA[c.i], simA[c.i], usedB[c.j] = c.j, c.sim, true
		}
	}
	var out []ActivityPair
	for i := range a {
		p := ActivityPair{A: &a[i], Kind: PairStopped}
		if j := matchA[i]; j >= 0 {
			p.B, p.Similarity, p.Kind = &b[j], simA[i], PairContinued
		}
		out = append(out, p)
	}
	for j := range b {
		if !usedB[j] {
			out = append(out, ActivityPair{B: &b[j], Kind: PairNew})
		}
	}
	return out
}

// bigrams are the sorted character bigrams of a text (in search form), with
// punctuation and spaces dropped: the reports print the same sentence with
// full- or half-width commas from one year to the next.
func bigrams(s string) []uint64 {
	var rs []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			rs = append(rs, r)
		}
	}
	if len(rs) < 2 {
		if len(rs) == 1 {
			return []uint64{uint64(rs[0])}
		}
		return nil
	}
	out := make([]uint64, 0, len(rs)-1)
	for i := 1; i < len(rs); i++ {
		out = append(out, uint64(rs[i-1])<<32|uint64(rs[i]))
	}
	slices.Sort(out)
	return out
}

// dice is the Dice coefficient of two sorted bigram multisets: twice the
// shared bigrams over the bigrams of both.
func dice(x, y []uint64) float64 {
	if len(x)+len(y) == 0 {
		return 0
	}
	shared := 0
	for i, j := 0, 0; i < len(x) && j < len(y); {
		switch {
		case x[i] == y[j]:
			shared++
			i++
			j++
		case x[i] < y[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(shared) / float64(len(x)+len(y))
}
