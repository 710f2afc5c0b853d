package index

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ctbtsearch/report"
)

// TestRecordDetailNeighbours checks prev/next against the parsed report's own
// table order, at both ends and in the middle, for both test reports.
func TestRecordDetailNeighbours(t *testing.T) {
	ix := openTestIndex(t)
	a62, a64 := testReports(t)
	for _, rep := range []struct {
		name string
		ids  []string
	}{{"a62", recordIDs(a62.Records)}, {"a64", recordIDs(a64.Records)}} {
		n := len(rep.ids)
		if n < 3 {
			t.Fatalf("%s has %d records; the test needs 3", rep.name, n)
		}
		for _, tc := range []struct {
			name           string
			at             int
			wantPrev, want string
		}{
			{"first row", 0, "", rep.ids[1]},
			{"middle row", n / 2, rep.ids[n/2-1], rep.ids[n/2+1]},
			{"last row", n - 1, rep.ids[n-2], ""},
		} {
			t.Run(rep.name+"/"+tc.name, func(t *testing.T) {
				d, err := ix.RecordDetail(context.Background(), rep.ids[tc.at], "")
				if err != nil {
					t.Fatal(err)
				}
				id := func(r *report.Record) string {
					if r == nil {
						return ""
					}
					return r.ID
				}
				if id(d.Prev) != tc.wantPrev || id(d.Next) != tc.want {
					t.Errorf("neighbours of %s = %q, %q; want %q, %q", d.ID, id(d.Prev), id(d.Next), tc.wantPrev, tc.want)
				}
				if d.ReportInfo.ID != d.Report || d.ReportInfo.Year == 0 {
					t.Errorf("report info = %+v, want the report %s with its year", d.ReportInfo, d.Report)
				}
			})
		}
	}
	if _, err := ix.RecordDetail(context.Background(), "a62-ctbt-universality-999", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: err = %v, want ErrNotFound", err)
	}
}

// TestRecordDetailMarks checks that the record's text is marked as a hit of
// the same query is, whole and escaped, and that a query that does not parse
// marks nothing instead of failing.
func TestRecordDetailMarks(t *testing.T) {
	ix := openTestIndex(t)
	const query = "附件2国家"
	res := doSearch(t, Request{Query: query})
	if len(res.Hits) == 0 {
		t.Fatalf("no hits for %q", query)
	}
	hit := res.Hits[0]
	for _, tc := range []struct {
		name, query string
		wantMarks   bool
	}{
		{"query of the search", query, true},
		{"no query", "", false},
		{"unbalanced quote", `"附件2`, true}, // an unclosed quote is ignored by the parser
		{"unknown field", "nosuchfield:x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ix.RecordDetail(context.Background(), hit.ID, tc.query)
			if err != nil {
				t.Fatal(err)
			}
			marked := strings.Contains(d.Marked.Activity+d.Marked.Comment, "<mark>")
			if marked != tc.wantMarks {
				t.Errorf("marks in %q: %v, want %v", d.Marked.Activity, marked, tc.wantMarks)
			}
			plain := strings.NewReplacer("<mark>", "", "</mark>", "", "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'").Replace(d.Marked.Activity)
			if plain != d.Activity {
				t.Errorf("marked activity without its marks = %q, want the whole text %q", plain, d.Activity)
			}
			if len(d.Marked.Footnotes) != len(d.Footnotes) {
				t.Errorf("%d marked footnotes for %d footnotes", len(d.Marked.Footnotes), len(d.Footnotes))
			}
		})
	}
	d, err := ix.RecordDetail(context.Background(), hit.ID, query)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range hit.Highlights["activity"] {
		if !strings.Contains(d.Marked.Activity, strings.Trim(f, "…")) {
			t.Errorf("the hit's fragment %q is not in the record's marked activity %q", f, d.Marked.Activity)
		}
	}
}

func recordIDs(recs []report.Record) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids
}

// BenchmarkRecordDetail is the index's share of a record page: the record,
// its two neighbours and the query compiled and marked, against
// BenchmarkRecord's single lookup.
func BenchmarkRecordDetail(b *testing.B) {
	ix := openTestIndex(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := ix.RecordDetail(ctx, "a62-ctbt-universality-032", "附件2国家 英国"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	ix := openTestIndex(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := ix.Record(ctx, "a62-ctbt-universality-032"); err != nil {
			b.Fatal(err)
		}
	}
}
