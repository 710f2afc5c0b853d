// Package index is the search engine of the CTBT universality search: Bleve
// shards built from the records of package report, the mapping, the query
// language, search with facets and highlights, and index generations that a
// server reloads while it serves. It knows nothing of HTTP.
package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	_ "github.com/blevesearch/bleve/v2/analysis/lang/cjk" // registers the cjk analyzer
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"ctbtsearch"
	"ctbtsearch/internal/fold"
	"ctbtsearch/report"
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
	Year     int    `json:"year"`
	Footnote string `json:"footnote"`
	Records  int    `json:"records"`
	// Sections are the titles the report gives its sections, by code
	// (section_title: searches match them); nil in indexes built before.
	Sections map[string]string `json:"sections"`
}

// Index is a searchable collection of activity records. An Index opened
// read-only (Open) serves searches; one made with Create or NewMemory also
// takes new reports (Add).
//
// Records are spread over a few Bleve indexes, the shards, by a hash of
// their id. Bleve builds one index's segments serially, so shards built side
// by side index faster on several cores, and a search runs on all shards at
// once and merges their results.
type Index struct {
	shards   []*shard
	mapping  *mapping.IndexMappingImpl
	gz       *report.Gazetteer
	readOnly bool

	mu      sync.RWMutex
	reports map[string]reportEntry

	stateLabels sync.Map // state name → stateLabel

	words *knownWords // the words with postings of their own (words.go)
}

// shard is one Bleve index and the columns of its latest snapshot.
type shard struct {
	bi      bleve.Index
	records *recordStore // nil in a generation whose records Bleve stores

	colMu    sync.Mutex
	cols     *columns        // of the latest snapshot searched
	colUsers *sync.WaitGroup // searches using cols

	matchBudget atomic.Int64 // bytes of the match cache of each new snapshot (SetMatchCache)
}

// newShard makes a shard without a match cache: its index shares the
// default out once it has all its shards (SetMatchCache).
func newShard(bi bleve.Index, records *recordStore) *shard { return &shard{bi: bi, records: records} }

// SetMatchCache bounds the match cache (matchcache.go) of the index to
// bytes over all its shards, emptying it; 0 turns it off.
func (ix *Index) SetMatchCache(bytes int64) {
	for _, sh := range ix.shards {
		b := bytes / int64(len(ix.shards))
		sh.matchBudget.Store(b)
		sh.colMu.Lock()
		if sh.cols != nil {
			sh.cols.matches.Store(newMatchCache(b))
		}
		sh.colMu.Unlock()
	}
}

// ShardsFor is how many shards an index of n records gets. Large indexes
// get one per core of the machines this runs on (2): shards are built and
// searched side by side. Smaller ones keep one: the speed-up is nil there,
// and term statistics computed over the few hundred records of a real
// collection split in two would make the ranking noisy.
func ShardsFor(records int) int {
	if records < shardThreshold {
		return 1
	}
	return 2
}

// shardThreshold: below this many records two shards gain nothing. Every
// search builds its searchers once per shard, and searches over 10k or
// 100k records are too short for the second core to pay for that: cold, in
// process (ctbtbench search -facets -match-cache 0, alternating), one shard
// of 10k synthetic records was as fast in every class and 10% faster for
// searches narrowed by three filters (0.26–0.27 against 0.30–0.31 ms p50;
// searched on the caller's goroutine, sideBySide, 0.16–0.18); at 100k the
// two were even in every class. Indexing is slower with one
// (10k: 7,658 records/s against 9,626; 100k: 11,446), still above what
// cmd/indexer must reach. At 1M, two shards keep every class's p99 within
// 150 ms (docs/PERFORMANCE.md).
const shardThreshold = 50_000

// shardDir names a shard's directory inside an index directory.
func shardDir(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("shard-%d", i)) }

// pendingDoc is a record on its way to its shard, which turns it into a
// document: analysis-side work is spread over the shards' goroutines.
type pendingDoc struct {
	rec *report.Record
	seq int // 1-based position of the record in its report, which its id also carries
}

// requiredFields are the fields the code indexes and queries; a mapping
// without them would silently find nothing.
var requiredFields = []string{"activity", "comment", "footnotes", "seq",
	"state", "state_code", "mentions", "concepts", "section", "months", "report", "session", "annex2", "start", "end"}

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
	if _, err := newDocBuilder(m, nil); err != nil {
		return nil, fmt.Errorf("load mapping: %w", err)
	}
	return m, nil
}

// defaultMapping is the embedded mapping, parsed once: LoadMapping sets a
// Bleve global while it parses, which must not race with indexes being
// opened (Bleve reads it then).
var defaultMapping = sync.OnceValues(func() (*mapping.IndexMappingImpl, error) {
	return LoadMapping(ctbtsearch.MappingJSON)
})

// NewMemory makes an empty in-memory index with the project's mapping, for
// tests and small collections.
func NewMemory() (*Index, error) { return NewMemoryShards(1) }

// NewMemoryShards is NewMemory with a given number of shards.
func NewMemoryShards(shards int) (*Index, error) {
	m, err := defaultMapping()
	if err != nil {
		return nil, err
	}
	ix := newIndex(m, false)
	for range max(shards, 1) {
		// Scorch without a path keeps everything in memory; unlike
		// NewMemOnly's upsidedown store it numbers documents as the served
		// indexes do.
		bi, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("new memory index: %w", err)
		}
		ix.shards = append(ix.shards, newShard(bi, newMemoryRecords()))
	}
	if err := ix.initWords(); err != nil {
		ix.Close()
		return nil, fmt.Errorf("new memory index: %w", err)
	}
	ix.SetMatchCache(DefaultMatchCacheBytes)
	return ix, nil
}

func newIndex(m *mapping.IndexMappingImpl, readOnly bool) *Index {
	return &Index{mapping: m, gz: report.DefaultGazetteer(), readOnly: readOnly, reports: map[string]reportEntry{}, words: &knownWords{}}
}

// Create makes a new, empty on-disk index at dir, which must not exist,
// with the given number of shards.
func Create(dir string, shards int) (*Index, error) {
	m, err := defaultMapping()
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create index: %w", err)
	}
	ix := newIndex(m, false)
	for i := range max(shards, 1) {
		bi, err := bleve.New(shardDir(dir, i), m)
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("create index %s: %w", dir, err)
		}
		records, err := createRecords(dir, i)
		if err != nil {
			bi.Close()
			ix.Close()
			return nil, fmt.Errorf("create index %s: %w", dir, err)
		}
		ix.shards = append(ix.shards, newShard(bi, records))
	}
	if err := ix.initWords(); err != nil {
		ix.Close()
		return nil, fmt.Errorf("create index %s: %w", dir, err)
	}
	ix.SetMatchCache(DefaultMatchCacheBytes)
	return ix, nil
}

// Open opens an index read-only, as servers do: several processes may read
// one index, and a reader never triggers background merges.
func Open(dir string) (ix *Index, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("open index %s: %w", dir, err)
		}
	}()
	defer guardReads(&err, debug.SetPanicOnFault(true))
	return open(dir)
}

func open(dir string) (*Index, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errors.New("the index directory does not exist")
	}
	if err != nil {
		return nil, err
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "shard-") {
			n++
		}
	}
	if n == 0 {
		return nil, errors.New("not an index made by this program (no shards)")
	}
	var ix *Index
	for i := range n {
		bi, err := bleve.OpenUsing(shardDir(dir, i), map[string]any{"read_only": true})
		if err != nil {
			if ix != nil {
				ix.Close()
			}
			return nil, err
		}
		if ix == nil {
			m, ok := bi.Mapping().(*mapping.IndexMappingImpl)
			if !ok {
				bi.Close()
				return nil, errors.New("index mapping of an unknown kind")
			}
			ix = newIndex(m, true)
		}
		records, err := openRecords(dir, i)
		if errors.Is(err, errNoRecordFiles) {
			records, err = nil, nil // an older generation: Bleve stores them
		}
		if err != nil {
			bi.Close()
			ix.Close()
			return nil, fmt.Errorf("shard %d: %w", i, err)
		}
		if i > 0 && (records == nil) != (ix.shards[0].records == nil) {
			records.close()
			bi.Close()
			ix.Close()
			return nil, fmt.Errorf("shard %d: its record files are %s, those of shard 0 are not", i, map[bool]string{true: "missing", false: "there"}[records == nil])
		}
		ix.shards = append(ix.shards, newShard(bi, records))
	}
	ix.SetMatchCache(DefaultMatchCacheBytes)
	if err := ix.loadWords(); err != nil {
		ix.Close()
		return nil, err
	}
	raw, err := ix.shards[0].bi.GetInternal(reportsKey)
	if err != nil {
		ix.Close()
		return nil, fmt.Errorf("read report list: %w", err)
	}
	if raw == nil {
		ix.Close()
		return nil, errors.New("not an index made by this program (no report list)")
	}
	var infos []ReportInfo
	if err := json.Unmarshal(raw, &infos); err != nil {
		ix.Close()
		return nil, fmt.Errorf("corrupt report list: %w", err)
	}
	for _, r := range infos {
		ix.reports[r.ID] = ix.newReportEntry(r)
	}
	// A served index never changes: read its columns now, so the first
	// search after a start or a reload is as fast as the others (at a
	// million records this takes seconds).
	for _, sh := range ix.shards {
		_, release, err := sh.snapshot(context.Background())
		if err != nil {
			ix.Close()
			return nil, err
		}
		release()
	}
	return ix, nil
}

// Close releases the index once the searches in progress are done.
func (ix *Index) Close() error {
	var errs []error
	for _, sh := range ix.shards {
		sh.colMu.Lock()
		if sh.cols != nil {
			sh.colUsers.Wait()
			sh.cols.reader.Close()
			sh.cols = nil
		}
		sh.colMu.Unlock()
		errs = append(errs, sh.bi.Close(), sh.records.close())
	}
	return errors.Join(errs...)
}

// DocCount is the number of records in the index.
func (ix *Index) DocCount() uint64 {
	var total uint64
	for _, sh := range ix.shards {
		n, err := sh.bi.DocCount()
		if err == nil {
			total += n
		}
	}
	return total
}

// Reports lists the reports the index holds, newest session first.
func (ix *Index) Reports() []ReportInfo {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]ReportInfo, 0, len(ix.reports))
	for _, r := range ix.reports {
		out = append(out, r.ReportInfo)
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
// the number of records indexed so far. The shards are fed side by side.
func (ix *Index) Add(ctx context.Context, progress func(records int), reports ...*report.Report) error {
	return ix.AddStream(ctx, progress, func(yield func(*report.Report, error) bool) {
		for _, r := range reports {
			if !yield(r, nil) {
				return
			}
		}
	})
}

// AddStream is Add for reports produced one at a time, so that a large
// collection is never held in memory whole: the indexer parses each file
// again as it indexes it. An error from the stream stops indexing.
func (ix *Index) AddStream(ctx context.Context, progress func(records int), reports iter.Seq2[*report.Report, error]) error {
	if ix.readOnly {
		return errors.New("add reports: index is open read-only")
	}
	feeds := make([]chan pendingDoc, len(ix.shards))
	errs := make([]error, len(ix.shards))
	var done int
	var progressMu sync.Mutex
	var wg sync.WaitGroup
	for i, sh := range ix.shards {
		feeds[i] = make(chan pendingDoc, batchSize)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sh.index(ctx, ix, feeds[i], func(n int) {
				progressMu.Lock()
				defer progressMu.Unlock()
				done += n // under the lock, so progress never goes backwards
				if progress != nil {
					progress(done)
				}
			})
		}()
	}
	var feedErr error
feed:
	for rep, err := range reports {
		if err != nil {
			feedErr = err
			break
		}
		// Records keep their ids when a report is indexed again, and
		// indexing an id replaces its document; deleting first removes the
		// rows a corrected report no longer has.
		if err := ix.deleteReport(ctx, rep.ID); err != nil {
			feedErr = err
			break
		}
		// Listed before its records are fed: a search meanwhile matches
		// symbols and titles against the list, and a result it caches
		// must hold for the snapshot it walked.
		info := ReportInfo{ID: rep.ID, File: rep.File, Session: rep.Session, Symbol: rep.Symbol,
			Period: rep.Period, Date: rep.Date, Year: rep.Year, Footnote: rep.Footnote, Records: len(rep.Records), Sections: sectionTitles(rep)}
		entry := ix.newReportEntry(info)
		ix.mu.Lock()
		ix.reports[info.ID] = entry
		ix.mu.Unlock()
		for i := range rep.Records {
			r := &rep.Records[i]
			if r.Report != rep.ID {
				// The record files find a record by its report and place.
				feedErr = fmt.Errorf("add reports: %s: record %s names report %q, not %q", r.Source, r.ID, r.Report, rep.ID)
				break feed
			}
			select {
			case feeds[ix.shardIndex(r.ID)] <- pendingDoc{r, i + 1}:
			case <-ctx.Done():
				feedErr = fmt.Errorf("add reports: %w", ctx.Err())
				break feed
			}
		}
	}
	for _, f := range feeds {
		close(f)
	}
	wg.Wait()
	if err := errors.Join(append([]error{feedErr}, errs...)...); err != nil {
		return err
	}
	raw, err := json.Marshal(ix.Reports())
	if err != nil {
		return fmt.Errorf("add reports: %w", err)
	}
	if err := ix.shards[0].bi.SetInternal(reportsKey, raw); err != nil {
		return fmt.Errorf("add reports: save report list: %w", err)
	}
	return nil
}

func (ix *Index) shardIndex(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(len(ix.shards)))
}

// index batches the documents of one feed into the shard. It drains the
// feed even after a failure, so the feeder never blocks.
func (sh *shard) index(ctx context.Context, ix *Index, feed <-chan pendingDoc, progress func(int)) error {
	builder, err := newDocBuilder(ix.mapping, ix.words.list)
	batch := sh.bi.NewBatch()
	flush := func() {
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			err = sh.bi.Batch(batch)
		}
		if err == nil {
			progress(batch.Size())
		}
		batch.Reset()
	}
	for it := range feed {
		if err != nil {
			continue
		}
		values, e := ix.document(it.rec, it.seq)
		if e != nil {
			err = e
			continue
		}
		doc, e := builder.build(it.rec.ID, values)
		if e == nil {
			// Stored before the document is: a search that finds it can
			// show it.
			e = sh.records.add(it.rec.Report, it.seq, encodeRecord(it.rec))
		}
		if e == nil {
			e = batch.IndexAdvanced(doc)
		}
		if e != nil {
			err = fmt.Errorf("index %s: %w", it.rec.Source, e)
			continue
		}
		if batch.Size() >= batchSize {
			flush()
		}
	}
	if err == nil && batch.Size() > 0 {
		flush()
	}
	if err != nil {
		return fmt.Errorf("add reports: %w", err)
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
	for _, sh := range ix.shards {
		for {
			req := bleve.NewSearchRequestOptions(q, batchSize, 0, false)
			req.Score = "none"
			res, err := sh.bi.SearchInContext(ctx, req)
			if err != nil {
				return fmt.Errorf("replace report %s: %w", id, err)
			}
			if len(res.Hits) == 0 {
				break
			}
			b := sh.bi.NewBatch()
			for _, h := range res.Hits {
				b.Delete(h.ID)
			}
			if err := sh.bi.Batch(b); err != nil {
				return fmt.Errorf("replace report %s: %w", id, err)
			}
		}
	}
	return nil
}

// document is what Bleve indexes for a record: the text fields in their
// search form and the facet keywords. The record itself, from which hits
// are displayed, goes to the shard's record files (recordstore.go).
func (ix *Index) document(r *report.Record, seq int) (recordValues, error) {
	start, err := dateTerm(r.Start)
	if err != nil {
		return nil, fmt.Errorf("index %s: start: %w", r.Source, err)
	}
	end, err := dateTerm(r.End)
	if err != nil {
		return nil, fmt.Errorf("index %s: end: %w", r.Source, err)
	}
	activity, comment := fold.Search(r.Activity), fold.Search(r.Comment)
	footnotes := make([]string, len(r.Footnotes))
	for i, f := range r.Footnotes {
		footnotes[i] = fold.Search(f)
	}
	mentions := ix.gz.Mentions(activity + "\n" + comment + "\n" + strings.Join(footnotes, "\n"))
	doc := recordValues{
		"activity":   activity,
		"comment":    comment,
		"footnotes":  footnotes,
		"state":      r.State,
		"state_code": r.StateCode,
		"mentions":   mentions,
		"concepts":   recordConceptsIn(r, append([]string{activity, comment}, footnotes...)),
		"section":    r.Section,
		"months":     r.Months,
		"report":     r.Report,
		"seq":        seqTerm(seq),
		"session":    fmt.Sprint(r.Session),
		"annex2":     fmt.Sprint(r.Annex2),
		"start":      start,
		"end":        end,
	}
	return doc, nil
}

// seqTerm writes a record's position in its report as a keyword whose
// string order is its numeric order. Sorting breaks ties by (report, seq),
// which is the order of record ids; unlike Bleve's document numbers it does
// not change when an index is rebuilt, so paging across a reload neither
// repeats nor skips hits.
func seqTerm(seq int) string { return fmt.Sprintf("%07d", seq) }

// reportEntry is a report as the index keeps it: its label made once,
// since every search labels the report facet's values (up to a hundred),
// and the texts searches match against it (newReportEntry).
type reportEntry struct {
	ReportInfo
	label  string
	meta   []posTerm            // reportMetaText, analysed
	titles map[string][]posTerm // section code → its title, analysed
}

// Label names a report as people cite it: its document symbol, or its
// session when the symbol is unknown, then the year and the reporting
// period: "A/62/137 · 2007 · 2006年6月至2007年5月", "第62届会议 · 2007 · …".
// Parts the report does not give are left out; the id is the last resort.
func (r ReportInfo) Label() string {
	var parts []string
	switch {
	case r.Symbol != "":
		parts = append(parts, r.Symbol)
	case r.Session > 0:
		parts = append(parts, fmt.Sprintf("第%d届会议", r.Session))
	}
	if r.Year > 0 {
		parts = append(parts, strconv.Itoa(r.Year))
	}
	if r.Period != "" {
		parts = append(parts, r.Period)
	}
	if len(parts) == 0 {
		return r.ID
	}
	return strings.Join(parts, " · ")
}

// ShortLabel is the first part of Label: the symbol, else the session.
func (r ReportInfo) ShortLabel() string {
	switch {
	case r.Symbol != "":
		return r.Symbol
	case r.Session > 0:
		return fmt.Sprintf("第%d届会议", r.Session)
	}
	return r.ID
}
