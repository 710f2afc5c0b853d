package index

import (
	"math/rand/v2"
	"testing"
)

// beaten never rejects a match that offer would keep: in the relevance
// order, whatever the scores, section-only flags and tie-breaks, a beaten
// candidate is never better than the worst kept one; and it rejects most
// of a run of lower scores, which is what it is for.
func TestTopKBeatenAgreesWithLess(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	top := &topK{k: 5, less: less(SortRelevance), byScore: true}
	rejected := 0
	for i := range 5000 {
		c := candidate{doc: uint64(i), score: float64(rng.IntN(8)), sectionOnly: rng.IntN(4) == 0,
			start: int32(rng.IntN(3)), report: string(rune('a' + rng.IntN(3))), seq: int32(i)}
		if top.beaten(c.score, c.sectionOnly) {
			rejected++
			if top.less(&c, top.items[0]) {
				t.Fatalf("beaten rejected %+v, better than the worst kept %+v", c, *top.items[0])
			}
			continue
		}
		top.offer(c)
	}
	if rejected < 2500 {
		t.Errorf("beaten rejected %d of 5,000 matches; most should lose on their score alone", rejected)
	}
	for _, order := range []string{SortNewest, SortOldest} {
		top := &topK{k: 1, less: less(order), byScore: false}
		top.offer(candidate{score: 9})
		if top.beaten(0, true) {
			t.Errorf("beaten judged by score under %s order", order)
		}
	}
}
