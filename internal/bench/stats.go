package bench

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Summary is the latency distribution of a set of timed operations, in
// milliseconds. Percentiles are nearest-rank: P99 of 200 samples is the
// 198th smallest, always a latency that was actually measured.
type Summary struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of
// sorted, which must be in ascending order; 0 for no samples. p ≤ 0 gives
// the minimum.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Summarize describes ds; it does not modify ds.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	var sum time.Duration
	for _, d := range sorted {
		sum += d
	}
	return Summary{
		N:    len(sorted),
		P50:  ms(Percentile(sorted, 50)),
		P90:  ms(Percentile(sorted, 90)),
		P99:  ms(Percentile(sorted, 99)),
		Max:  ms(sorted[len(sorted)-1]),
		Mean: ms(sum / time.Duration(len(sorted))),
	}
}

// ms converts to milliseconds, rounded to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// Recorder collects latencies by query class; it is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	byClass map[string][]time.Duration
	all     []time.Duration
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{byClass: map[string][]time.Duration{}}
}

// Add records one operation of a class.
func (r *Recorder) Add(class string, d time.Duration) {
	r.mu.Lock()
	r.byClass[class] = append(r.byClass[class], d)
	r.all = append(r.all, d)
	r.mu.Unlock()
}

// Summaries describes each class and all operations together.
func (r *Recorder) Summaries() (map[string]Summary, Summary) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Summary, len(r.byClass))
	for c, ds := range r.byClass {
		out[c] = Summarize(ds)
	}
	return out, Summarize(r.all)
}
