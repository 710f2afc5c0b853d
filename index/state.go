package index

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"time"

	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/report"
)

// ErrUnknownState is returned for a state code the gazetteer does not know.
var ErrUnknownState = errors.New("unknown state code")

// MaxStateRecords bounds the records a state page loads. A state has a few
// records per report; the bound only matters for a collection of centuries.
// The counts stay exact beyond it.
const MaxStateRecords = MaxExportRows

// StateHistory is one state across the reports: its names, Annex 2
// membership, and its records grouped by report, newest report first.
type StateHistory struct {
	Code, Name, English, Formal string
	Annex2                      bool
	Total                       int
	Reports                     []StateReport
	Truncated                   bool // more than MaxStateRecords records: the oldest are not loaded
	Took                        time.Duration
}

// StateReport is a state's part of one report.
type StateReport struct {
	Report   ReportInfo
	Total    int
	Sections []SectionCount // in section order; only sections with records
	Records  []report.Record
}

// SectionCount is how many records a section holds.
type SectionCount struct {
	Section, Title string
	Count          int
}

// stateDoc is a document of the state, located.
type stateDoc struct {
	shard  int
	doc    uint64
	report string
	sect   string
}

// StateHistory gathers the records of the state with the ISO 3166-1 alpha-3
// code (in either case). A state the gazetteer knows but no report mentions
// has a history without reports.
func (ix *Index) StateHistory(ctx context.Context, code string) (_ *StateHistory, err error) {
	defer guardReads(&err, debug.SetPanicOnFault(true))
	began := time.Now()
	st, ok := ix.gz.ByCode(code)
	if !ok {
		return nil, ErrUnknownState
	}
	out := &StateHistory{Code: st.Code, Name: st.Name, English: st.English, Formal: st.Formal, Annex2: st.Annex2}
	p, err := ix.pinShards(ctx)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", st.Code, err)
	}
	defer p.release()
	found := make([][]stateDoc, len(p.cols))
	err = p.eachShard(func(shard int, cols *columns) error {
		ord := sort.SearchStrings(cols.states, st.Name)
		if ord == len(cols.states) || cols.states[ord] != st.Name {
			return nil
		}
		for doc, s := range cols.state {
			if doc%(16*checkEvery) == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if s != int32(ord) {
				continue
			}
			d := stateDoc{shard: shard, doc: uint64(doc)}
			if re := cols.report[doc]; re >= 0 {
				d.report = cols.reports[re]
			}
			if se := cols.section[doc]; se >= 0 {
				d.sect = cols.sections[se]
			}
			found[shard] = append(found[shard], d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", st.Code, err)
	}
	docs := slices.Concat(found...)
	out.Total = len(docs)

	infos := map[string]ReportInfo{}
	for _, info := range ix.Reports() {
		infos[info.ID] = info
	}
	byReport := map[string]*StateReport{}
	for _, d := range docs {
		sr := byReport[d.report]
		if sr == nil {
			info, ok := infos[d.report]
			if !ok {
				info = ReportInfo{ID: d.report}
			}
			sr = &StateReport{Report: info}
			byReport[d.report] = sr
		}
		sr.Total++
		i := slices.IndexFunc(sr.Sections, func(s SectionCount) bool { return s.Section == d.sect })
		if i < 0 {
			sr.Sections = append(sr.Sections, SectionCount{Section: d.sect, Title: SectionTitles[d.sect]})
			i = len(sr.Sections) - 1
		}
		sr.Sections[i].Count++
	}
	for _, sr := range byReport {
		slices.SortFunc(sr.Sections, func(a, b SectionCount) int {
			return slices.Index(SectionCodes, a.Section) - slices.Index(SectionCodes, b.Section)
		})
		out.Reports = append(out.Reports, *sr)
	}
	sort.Slice(out.Reports, func(i, j int) bool { // newest first
		a, b := out.Reports[i].Report, out.Reports[j].Report
		if a.Session != b.Session {
			return a.Session > b.Session
		}
		return a.ID > b.ID
	})

	// Load the records, newest reports first, up to the bound.
	slot := map[string]int{}
	for i, sr := range out.Reports {
		slot[sr.Report.ID] = i
	}
	sort.SliceStable(docs, func(i, j int) bool { return slot[docs[i].report] < slot[docs[j].report] })
	if len(docs) > MaxStateRecords {
		docs = docs[:MaxStateRecords]
		out.Truncated = true
	}
	var id bindex.IndexInternalID
	for _, d := range docs {
		id = bindex.NewIndexInternalID(id[:0], d.doc)
		rec, err := loadRecord(p.cols[d.shard], id)
		if err != nil {
			return nil, fmt.Errorf("state %s: document %d/%d: %w", st.Code, d.shard, d.doc, err)
		}
		sr := &out.Reports[slot[d.report]]
		sr.Records = append(sr.Records, rec)
	}
	for i := range out.Reports {
		// Records in the report's order: ids end in their ordinal.
		slices.SortFunc(out.Reports[i].Records, func(a, b report.Record) int { return compareRecordIDs(a.ID, b.ID) })
	}
	out.Took = time.Since(began)
	return out, nil
}

// compareRecordIDs orders the ids of one report's records by their ordinal
// (report id + "-" + ordinal), so -9 comes before -10.
func compareRecordIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
