package index

import (
	"context"
	"errors"
	"html"
	"runtime/debug"

	"ctbtsearch/report"
)

// RecordDetail is a record with what a reader needs to cite it and to move
// on from it: its report's metadata, its neighbours in the report's table
// and its text with a query's matches marked.
type RecordDetail struct {
	report.Record
	// ReportInfo is the record's report as the index lists it; its ID is ""
	// when the index keeps nothing about that report.
	ReportInfo ReportInfo
	// Prev and Next are the rows before and after this one in the report's
	// table; nil at either end.
	Prev, Next *report.Record
	// Marked holds the record's text fields whole as HTML: every character
	// escaped, matches of the query in <mark>…</mark> (the contract of
	// Hit.Highlights, but never cut into fragments).
	Marked MarkedText
}

// MarkedText is a record's text fields as escaped HTML with marked matches.
type MarkedText struct {
	Activity  string
	Comment   string
	Footnotes []string // one per report.Record.Footnotes entry
}

// RecordDetail returns the record id with its context, its text marked with
// the matches of query as Search would mark them in a hit. A query that does
// not parse marks nothing rather than failing: it only came along from the
// search the record was opened from, and must not stand between anyone and
// the record. ErrNotFound when the id is unknown.
func (ix *Index) RecordDetail(ctx context.Context, id, query string) (_ RecordDetail, err error) {
	defer guardReads(&err, debug.SetPanicOnFault(true))
	rec, err := ix.Record(ctx, id)
	if err != nil {
		return RecordDetail{}, err
	}
	d := RecordDetail{Record: rec}
	ix.mu.RLock()
	d.ReportInfo = ix.reports[rec.Report].ReportInfo
	ix.mu.RUnlock()

	// The table's order is in the ids (report.RecordID); the index is asked
	// whether the rows either side exist, rather than trusting a row count.
	if n, ok := report.RecordOrdinal(rec.Report, rec.ID); ok {
		if d.Prev, err = ix.row(ctx, rec.Report, n-1); err != nil {
			return RecordDetail{}, err
		}
		if d.Next, err = ix.row(ctx, rec.Report, n+1); err != nil {
			return RecordDetail{}, err
		}
	}

	// The marks are the search's own (Search's highlights), so the record
	// page shows what the results page showed.
	var m marks
	if p, err := ix.compile(ctx, &Request{Query: query}); err == nil {
		m = marks{terms: dedupe(p.highlight), concepts: p.conceptMarks}
	} else if _, refused := errors.AsType[*RequestError](err); !refused {
		return RecordDetail{}, err
	}
	d.Marked = MarkedText{Activity: markWhole(rec.Activity, m), Comment: markWhole(rec.Comment, m)}
	for _, f := range rec.Footnotes {
		d.Marked.Footnotes = append(d.Marked.Footnotes, markWhole(f, m))
	}
	return d, nil
}

// row is the ordinal-th row of a report when the index has it, nil
// otherwise.
func (ix *Index) row(ctx context.Context, reportID string, ordinal int) (*report.Record, error) {
	if ordinal < 1 {
		return nil, nil
	}
	rec, err := ix.Record(ctx, report.RecordID(reportID, ordinal))
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &rec, nil
}

// markWhole renders the whole text as escaped HTML with the terms marked.
func markWhole(text string, m marks) string {
	spans := markSpans(text, m)
	if len(spans) == 0 {
		return html.EscapeString(text)
	}
	return renderMarked(text, 0, len(text), spans)
}

// RecordDetail returns a record with its context from the current generation.
func (l *Live) RecordDetail(ctx context.Context, id, query string) (RecordDetail, error) {
	return read(l, func(ix *Index) (RecordDetail, error) { return ix.RecordDetail(ctx, id, query) })
}
