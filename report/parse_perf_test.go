package report

import (
	"runtime"
	"strings"
	"testing"
)

// Parsing must stay linear in the number of continuation lines: a report
// converted badly (or made on purpose) with a long run of them must not
// stall the indexer. Cleaning the whole text again at each line made it
// quadratic (20,000 lines took 10 s; docs/SECURITY.md, finding 1).
//
// Time is not measured here (that is what benchmarks are for): the bytes
// allocated are, which grow with the square of the lines when the text is
// rebuilt at every line, and do not depend on the machine.
func TestParseContinuationLinesLinear(t *testing.T) {
	head := "第六十二届会议\n\n国家\t日期/期间\t活动和背景\t评论\n1(a). 与附件2国家有关的活动\n阿根廷\t2006年6月\t活动 ^a\t\n^a 注\n"
	allocated := func(data string) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := ParseReport("long.txt", []byte(data), DefaultGazetteer()); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	for _, tc := range []struct{ name, line string }{
		{"continuation rows", "\t\t条约批准\t\n"},
		{"footnote continuation lines", "条约批准\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			small := allocated(head + strings.Repeat(tc.line, 2000))
			large := allocated(head + strings.Repeat(tc.line, 8000))
			// Four times the lines: about four times the bytes when linear,
			// sixteen when quadratic.
			if ratio := float64(large) / float64(small); ratio > 6 {
				t.Errorf("4x the %s allocate %.1fx the bytes (%d -> %d): parsing is not linear", tc.name, ratio, small, large)
			}
		})
	}
}

func BenchmarkParseContinuationRows(b *testing.B) {
	head := "第六十二届会议\n\n国家\t日期/期间\t活动和背景\t评论\n1(a). 与附件2国家有关的活动\n阿根廷\t2006年6月\t活动\t\n"
	data := []byte(head + strings.Repeat("\t\t条约批准\t\n", 20000))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseReport("long.txt", data, DefaultGazetteer()); err != nil {
			b.Fatal(err)
		}
	}
}
