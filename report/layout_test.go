package report

import (
	"errors"
	"strings"
	"testing"
)

// Lines rebuilt from a PDF or DOCX carry their page or row: records,
// warnings and errors cite it instead of a line number.
func TestPlacesInSourcesAndMessages(t *testing.T) {
	lines := []srcLine{
		{"第六十二届会议", "p.1"},
		{"2006年6月至2007年5月", "p.1"},
		{"国家\t日期/期间\t活动和背景\t评论", "p.1"},
		{"1(a). 与附件2国家有关的活动", "p.1"},
		{"阿根廷\t2006年6月\t活动。\t", "p.2"},
		{"无名国\t2006年7月\t活动。\t", "p.3"},
	}
	rep, err := parseSrcLines("r.pdf", lines, DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Records[0].Source; got != "r.pdf:p.2" {
		t.Errorf("source %q, want r.pdf:p.2", got)
	}
	found := false
	for _, w := range rep.Warnings {
		found = found || strings.HasPrefix(w.String(), "r.pdf:p.3: unknown state name")
	}
	if !found {
		t.Errorf("no warning citing r.pdf:p.3: %v", rep.Warnings)
	}

	lines = append(lines, srcLine{"\t2006年13月\t活动。\t", "row 7"})
	_, err = parseSrcLines("r.docx", lines, DefaultGazetteer())
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Place != "row 7" || !strings.HasPrefix(err.Error(), "r.docx:row 7: ") {
		t.Errorf("error %v, want one citing r.docx:row 7", err)
	}
}

func TestJoinWrapped(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts []string
		want  string
	}{
		{"Chinese joins without space", []string{"促请印度尼", "西亚尽早"}, "促请印度尼西亚尽早"},
		{"Latin words keep their space", []string{"Comprehensive", "Nuclear-Test-Ban"}, "Comprehensive Nuclear-Test-Ban"},
		{"digits after Chinese", []string{"2006年6月至", "2007年5月"}, "2006年6月至2007年5月"},
		{"empty parts vanish", []string{"", "甲", ""}, "甲"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := joinWrapped(tc.parts); got != tc.want {
				t.Errorf("joinWrapped(%q) = %q, want %q", tc.parts, got, tc.want)
			}
		})
	}
}
