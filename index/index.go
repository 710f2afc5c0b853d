package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom" // mapping.json defines a custom analyzer
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk"        // registers the cjk analyzer
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"ctbtsearch"
)

// batchSize is Bleve's sweet spot for indexing these short records (measured:
// 100 is 45% slower, 10000 no faster and uses four times the memory).
const batchSize = 1000

// reportsKey is the internal key under which an index keeps the metadata of
// the reports it holds.
var reportsKey = []byte("ctbt:reports")

// ReportInfo is what an index remembers of each report it holds.
type ReportInfo struct {
	ID       string `json:"id"`
	File     string `json:"file"`
	Session  int    `json:"session"`
	Symbol   string `json:"symbol"`
	Period   string `json:"period"`
	Date     string `json:"date"`
	Footnote string `json:"footnote"`
	Records  int    `json:"records"`
}

// Index is a searchable collection of activity records. An Index opened
// read-only (Open) serves searches; one made with Create or NewMemory also
// takes new reports (Add).
type Index struct {
	bi       bleve.Index
	gz       *Gazetteer
	readOnly bool

	mu      sync.RWMutex
	reports map[string]ReportInfo

	colMu    sync.Mutex
	cols     *columns   // of the latest snapshot searched
	colUsers *waitGroup // searches using cols
}

type waitGroup = sync.WaitGroup

// requiredFields are the fields the code indexes and queries; a mapping
// without them would silently find nothing.
var requiredFields = []string{"activity", "comment", "section_title", "footnotes", "unigram",
	"report_meta", "state", "state_code", "mentions", "concepts", "section", "months", "report", "session", "annex2", "start", "end", "record"}

// LoadMapping parses and validates an index mapping. Unknown keys are errors
// (a misspelt option would otherwise be ignored without a word).
func LoadMapping(data []byte) (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	prev := mapping.MappingJSONStrict
	mapping.MappingJSONStrict = true
	err := json.Unmarshal(data, m)
	mapping.MappingJSONStrict = prev
	if err != nil {
		return nil, fmt.Errorf("load mapping: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("load mapping: %w", err)
	}
	if m.DefaultAnalyzer != "cjk" {
		return nil, fmt.Errorf("load mapping: default_analyzer is %q; it must be \"cjk\" or unfielded queries break Chinese phrases", m.DefaultAnalyzer)
	}
	for _, f := range requiredFields {
		if m.DefaultMapping.Properties[f] == nil {
			return nil, fmt.Errorf("load mapping: field %q is missing", f)
		}
	}
	return m, nil
}

func defaultMapping() (*mapping.IndexMappingImpl, error) {
	return LoadMapping(ctbtsearch.MappingJSON)
}

// NewMemory makes an empty in-memory index with the project's mapping, for
// tests and for serving the bundled sample.
func NewMemory() (*Index, error) {
	m, err := defaultMapping()
	if err != nil {
		return nil, err
	}
	// Scorch without a path keeps everything in memory; unlike NewMemOnly's
	// upsidedown store it numbers documents as the served indexes do.
	bi, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("new memory index: %w", err)
	}
	return &Index{bi: bi, gz: DefaultGazetteer(), reports: map[string]ReportInfo{}}, nil
}

// Create makes a new, empty on-disk index at dir, which must not exist.
func Create(dir string) (*Index, error) {
	m, err := defaultMapping()
	if err != nil {
		return nil, err
	}
	bi, err := bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	return &Index{bi: bi, gz: DefaultGazetteer(), reports: map[string]ReportInfo{}}, nil
}

// Open opens an index read-only, as servers do: several processes may read
// one index, and a reader never triggers background merges.
func Open(dir string) (*Index, error) {
	bi, err := bleve.OpenUsing(dir, map[string]any{"read_only": true})
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix := &Index{bi: bi, gz: DefaultGazetteer(), readOnly: true, reports: map[string]ReportInfo{}}
	raw, err := bi.GetInternal(reportsKey)
	if err != nil {
		bi.Close()
		return nil, fmt.Errorf("open index %s: read report list: %w", dir, err)
	}
	if raw == nil {
		bi.Close()
		return nil, fmt.Errorf("open index %s: not an index made by this program (no report list)", dir)
	}
	var infos []ReportInfo
	if err := json.Unmarshal(raw, &infos); err != nil {
		bi.Close()
		return nil, fmt.Errorf("open index %s: corrupt report list: %w", dir, err)
	}
	for _, r := range infos {
		ix.reports[r.ID] = r
	}
	return ix, nil
}

// Close releases the index once the searches in progress are done.
func (ix *Index) Close() error {
	ix.colMu.Lock()
	if ix.cols != nil {
		ix.colUsers.Wait()
		ix.cols.reader.Close()
		ix.cols = nil
	}
	ix.colMu.Unlock()
	return ix.bi.Close()
}

// DocCount is the number of records in the index.
func (ix *Index) DocCount() uint64 {
	n, err := ix.bi.DocCount()
	if err != nil {
		return 0
	}
	return n
}

// Reports lists the reports the index holds, newest session first.
func (ix *Index) Reports() []ReportInfo {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]ReportInfo, 0, len(ix.reports))
	for _, r := range ix.reports {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Session != out[j].Session {
			return out[i].Session > out[j].Session
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Add indexes reports. A report already in the index is replaced as a whole:
// its old records are deleted first, so a corrected report never leaves
// stale rows behind. progress, if not nil, is called after each batch with
// the number of records indexed so far.
func (ix *Index) Add(ctx context.Context, progress func(records int), reports ...*Report) error {
	if ix.readOnly {
		return errors.New("add reports: index is open read-only")
	}
	for _, rep := range reports {
		if err := ix.deleteReport(ctx, rep.ID); err != nil {
			return err
		}
	}
	batch := ix.bi.NewBatch()
	done := 0
	for _, rep := range reports {
		meta := searchForm(rep.Symbol)
		for i := range rep.Records {
			doc, err := ix.document(&rep.Records[i], meta)
			if err != nil {
				return err
			}
			if err := batch.Index(rep.Records[i].ID, doc); err != nil {
				return fmt.Errorf("add reports: %s: %w", rep.Records[i].Source, err)
			}
			if batch.Size() >= batchSize {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("add reports: %w", err)
				}
				if err := ix.bi.Batch(batch); err != nil {
					return fmt.Errorf("add reports: %w", err)
				}
				done += batch.Size()
				batch.Reset()
				if progress != nil {
					progress(done)
				}
			}
		}
	}
	if batch.Size() > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("add reports: %w", err)
		}
		if err := ix.bi.Batch(batch); err != nil {
			return fmt.Errorf("add reports: %w", err)
		}
		done += batch.Size()
		if progress != nil {
			progress(done)
		}
	}
	ix.mu.Lock()
	for _, rep := range reports {
		ix.reports[rep.ID] = ReportInfo{ID: rep.ID, File: rep.File, Session: rep.Session, Symbol: rep.Symbol,
			Period: rep.Period, Date: rep.Date, Footnote: rep.Footnote, Records: len(rep.Records)}
	}
	ix.mu.Unlock()
	raw, err := json.Marshal(ix.Reports())
	if err != nil {
		return fmt.Errorf("add reports: %w", err)
	}
	if err := ix.bi.SetInternal(reportsKey, raw); err != nil {
		return fmt.Errorf("add reports: save report list: %w", err)
	}
	return nil
}

func (ix *Index) deleteReport(ctx context.Context, id string) error {
	ix.mu.RLock()
	_, known := ix.reports[id]
	ix.mu.RUnlock()
	if !known {
		return nil
	}
	q := query.NewTermQuery(id)
	q.SetField("report")
	for {
		req := bleve.NewSearchRequestOptions(q, batchSize, 0, false)
		req.Score = "none"
		res, err := ix.bi.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("replace report %s: %w", id, err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		b := ix.bi.NewBatch()
		for _, h := range res.Hits {
			b.Delete(h.ID)
		}
		if err := ix.bi.Batch(b); err != nil {
			return fmt.Errorf("replace report %s: %w", id, err)
		}
	}
}

// document is what Bleve indexes for a record: the text fields in their
// search form, the facet keywords, and the record itself as one stored field
// from which hits are displayed.
func (ix *Index) document(r *Record, reportMeta string) (map[string]any, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", r.Source, err)
	}
	start, err := time.Parse(dateLayout, r.Start)
	if err != nil {
		return nil, fmt.Errorf("index %s: start: %w", r.Source, err)
	}
	end, err := time.Parse(dateLayout, r.End)
	if err != nil {
		return nil, fmt.Errorf("index %s: end: %w", r.Source, err)
	}
	activity, comment := searchForm(r.Activity), searchForm(r.Comment)
	footnotes := make([]string, len(r.Footnotes))
	for i, f := range r.Footnotes {
		footnotes[i] = searchForm(f)
	}
	title := searchForm(r.SectionTitle)
	var all strings.Builder
	all.WriteString(activity)
	all.WriteString("\n")
	all.WriteString(comment)
	for _, f := range footnotes {
		all.WriteString("\n")
		all.WriteString(f)
	}
	all.WriteString("\n")
	all.WriteString(title)
	mentions := ix.gz.Mentions(activity + "\n" + comment + "\n" + strings.Join(footnotes, "\n"))
	doc := map[string]any{
		"activity":      activity,
		"comment":       comment,
		"footnotes":     footnotes,
		"section_title": title,
		"unigram":       all.String(),
		"state":         r.State,
		"state_code":    r.StateCode,
		"mentions":      mentions,
		"concepts":      recordConcepts(r),
		"report_meta":   reportMeta,
		"section":       r.Section,
		"months":        r.Months,
		"report":        r.Report,
		"session":       fmt.Sprint(r.Session),
		"annex2":        fmt.Sprint(r.Annex2),
		"start":         start,
		"end":           end,
		"record":        string(raw),
	}
	return doc, nil
}

// decodeRecord reads the stored record of a hit.
func decodeRecord(fields map[string]any) (Record, error) {
	raw, ok := fields["record"].(string)
	if !ok {
		return Record{}, errors.New("hit has no stored record")
	}
	var r Record
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if err := dec.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("stored record: %w", err)
	}
	return r, nil
}
