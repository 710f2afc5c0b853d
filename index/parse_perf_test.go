package index

import (
	"strings"
	"testing"
	"time"
)

// Parsing must stay linear in the number of continuation lines: a report
// converted badly (or made on purpose) with a long run of them must not
// stall the indexer. Today each continuation re-cleans all the text before
// it, which is quadratic: 20,000 lines (about 300 KB) take some 10 s, a
// file at MaxReportBytes about a day. See docs/SECURITY.md, finding 1.
func TestParseContinuationLinesLinear(t *testing.T) {

	const lines = 20000
	head := "第六十二届会议\n\n国家\t日期/期间\t活动和背景\t评论\n1(a). 与附件2国家有关的活动\n阿根廷\t2006年6月\t活动 ^a\t\n"
	for _, tc := range []struct{ name, before, line string }{
		{"continuation rows", "^a 注\n", "\t\t条约批准\t\n"},
		{"footnote continuation lines", "^a 注\n", "条约批准\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := head + tc.before + strings.Repeat(tc.line, lines)
			began := time.Now()
			if _, err := ParseReport("long.txt", []byte(data), DefaultGazetteer()); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(began); took > 2*time.Second {
				t.Errorf("%d %s (%d KB) took %v to parse", lines, tc.name, len(data)>>10, took)
			}
		})
	}
}
