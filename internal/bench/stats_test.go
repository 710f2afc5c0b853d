package bench

import (
	"strings"
	"testing"
	"time"
)

func durations(ms ...int) []time.Duration {
	out := make([]time.Duration, len(ms))
	for i, m := range ms {
		out[i] = time.Duration(m) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	sorted := durations(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, c := range []struct {
		p    float64
		want int
	}{{0, 1}, {1, 1}, {10, 1}, {11, 2}, {50, 5}, {51, 6}, {90, 9}, {99, 10}, {100, 10}, {150, 10}} {
		if got := Percentile(sorted, c.p); got != time.Duration(c.want)*time.Millisecond {
			t.Errorf("Percentile(1..10 ms, %v) = %v, want %d ms", c.p, got, c.want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("Percentile of nothing should be 0")
	}
	// Nearest rank: p99 of 200 samples is the 198th, a measured value.
	var many []time.Duration
	for i := 1; i <= 200; i++ {
		many = append(many, time.Duration(i)*time.Microsecond)
	}
	if got := Percentile(many, 99); got != 198*time.Microsecond {
		t.Errorf("p99 of 1..200 µs = %v, want 198µs", got)
	}
}

func TestSummarize(t *testing.T) {
	in := durations(9, 1, 5, 3, 7)
	s := Summarize(in)
	want := Summary{N: 5, P50: 5, P90: 9, P99: 9, Max: 9, Mean: 5}
	if s != want {
		t.Errorf("Summarize = %+v, want %+v", s, want)
	}
	if in[0] != 9*time.Millisecond {
		t.Error("Summarize sorted its argument in place")
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("Summarize(nil) should be zero")
	}
	if got := Summarize([]time.Duration{1500 * time.Nanosecond}); got.P50 != 0.002 {
		t.Errorf("1.5 µs = %v ms, want 0.002 (rounded to the µs)", got.P50)
	}
}

func TestRecorder(t *testing.T) {
	r := NewRecorder()
	for i := 1; i <= 100; i++ {
		r.Add("a", time.Duration(i)*time.Millisecond)
	}
	r.Add("b", time.Second)
	classes, all := r.Summaries()
	if classes["a"].N != 100 || classes["a"].P90 != 90 || classes["b"].Max != 1000 {
		t.Errorf("classes = %+v", classes)
	}
	if all.N != 101 || all.Max != 1000 || all.P50 != 51 {
		t.Errorf("overall = %+v", all)
	}
}

func TestPrintTable(t *testing.T) {
	res := newResult(ToolOurs, PhaseSearch, 1000)
	res.Queries = 3
	res.Classes = map[string]Summary{ClassPhrase: {N: 1, P50: 2}, ClassWord2: {N: 2, P50: 1}}
	res.Overall = &Summary{N: 3, P50: 1}
	res.ZeroByClass = map[string]int{ClassPhrase: 1}
	var b strings.Builder
	PrintTable(&b, res)
	out := b.String()
	w2, ph, ov := strings.Index(out, "word2 "), strings.Index(out, "phrase "), strings.Index(out, "overall ")
	if w2 < 0 || ph < w2 || ov < ph {
		t.Errorf("classes not in table order:\n%s", out)
	}
	if !strings.Contains(out, "no hit") {
		t.Errorf("no zero-hit column:\n%s", out)
	}
}

func TestLoopbackURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1/", "http://[::1]:80", "http://127.1.2.3:9"} {
		if _, err := loopbackURL(ok); err != nil {
			t.Errorf("loopbackURL(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:80", "http://192.168.1.1", "http://example.com", "https://127.0.0.1", "ftp://localhost", "::"} {
		if _, err := loopbackURL(bad); err == nil {
			t.Errorf("loopbackURL(%q) accepted", bad)
		}
	}
}
