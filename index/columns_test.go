package index

import (
	"context"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/numeric"
)

// Dates are read back from the keyword terms records are indexed with now,
// and from the datetime terms of indexes built before, which are still
// served; the lower-precision datetime terms name no day.
func TestTermDays(t *testing.T) {
	day := time.Date(2007, 3, 15, 0, 0, 0, 0, time.UTC)
	want := int32(day.Unix() / secondsPerDay)
	old := func(shift uint) string {
		return string(numeric.MustNewPrefixCodedInt64(day.UnixNano(), shift))
	}
	for _, tc := range []struct {
		name string
		term string
		days int32
		ok   bool
	}{
		{"keyword date", "2007-03-15", want, true},
		{"datetime, exact", old(0), want, true},
		{"datetime, lower precision", old(4), 0, false},
		{"before 1970", "1965-12-31", int32(time.Date(1965, 12, 31, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay), true},
		{"not a date", "2007-13-01", 0, false},
		{"empty", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, ok := termDays(tc.term)
			if days != tc.days || ok != tc.ok {
				t.Errorf("termDays(%q) = %d, %v; want %d, %v", tc.term, days, ok, tc.days, tc.ok)
			}
		})
	}
}

// Each record date is one term of its field: the date itself.
func TestDatesAreOneTermEach(t *testing.T) {
	ix := openTestIndex(t)
	cols, release, err := ix.shards[0].snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	for _, field := range []string{"start", "end"} {
		terms := 0
		err := eachPosting(context.Background(), cols.reader, field, func(term string) {
			terms++
			if _, err := time.Parse("2006-01-02", term); err != nil {
				t.Errorf("%s term %q is not a date", field, term)
			}
		}, func(uint64) {})
		if err != nil {
			t.Fatal(err)
		}
		if terms == 0 {
			t.Errorf("no %s terms", field)
		}
	}
	for doc, days := range cols.start {
		if cols.state[doc] != noValue && (days == 0 || cols.end[doc] < days) {
			t.Fatalf("document %d: start %d, end %d", doc, days, cols.end[doc])
		}
	}
}
