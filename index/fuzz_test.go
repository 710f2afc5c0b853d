package index

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSearchQuery feeds arbitrary query strings through parsing, rewriting
// and a real search: a query may be refused with a RequestError, but it
// never panics or fails in any other way, and every highlight is well-formed.
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{
		"附件2 国家", `"附件2国家"`, "委内瑞拉", "部长级会议", "国", "英国 -美国", "+条约 -非附件2",
		`state:日本 section:1(a)`, "month:2006-09", `activity:"部长级会议"`, `"unbalanced`, "“全面禁止核试验条约”",
		"annex2:true", "colour:red", "state:", "10:30", "附件*", "/re.*/", "a~2", "x^3", "61/104", "A/62",
		"聯合國", "ＣＴＢＴ", "《》", "-", "+", `""`, "\x00", "附件\xff",
		"日本 OR 澳大利亚", "a|b|", "|", "OR", "或 或", "-日本 OR 澳大利亚", "附件2国加", "Untied Kingdom", "United Kingdom", "印度",
	} {
		f.Add(q)
	}
	ix := openTestIndex(f)
	f.Fuzz(func(t *testing.T, q string) {
		res, err := ix.Search(context.Background(), Request{Query: q, Size: 5})
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("query %q: %v (not a RequestError)", q, err)
			}
			return
		}
		if !utf8.ValidString(q) {
			t.Fatalf("invalid UTF-8 query %q accepted", q)
		}
		for _, h := range res.Hits {
			for _, frags := range h.Highlights {
				for _, fr := range frags {
					if !utf8.ValidString(fr) || strings.Count(fr, "<mark>") != strings.Count(fr, "</mark>") {
						t.Fatalf("query %q: bad fragment %q", q, fr)
					}
					stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fr)
					if strings.ContainsAny(stripped, "<>") {
						t.Fatalf("query %q: unescaped markup in %q", q, fr)
					}
				}
			}
		}
	})
}
