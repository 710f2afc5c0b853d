// Package synth writes SYNTHETIC CTBT universality reports for scale tests.
//
// The files it writes are NOT UN documents. They imitate the text format of
// the Secretary-General's reports (Chinese edition) that report.ParseReport
// reads — preamble with the session line, annex title with footnote ^a,
// reporting period, tab-separated table whose header row is repeated after
// every page break, group and section headings, continuation rows, footnote
// markers with their texts at the bottom of the page, the closing date — and
// fill it with real material recombined at random: clauses of the sample
// report's activity and comment cells (cut at 。；，, and joined anew), state
// names from the gazetteer (now and then an alias in full-width parentheses,
// or wrapped with a space inside the way PDF extraction leaves it), and every
// date form the period parser accepts. Each file's first line says that it is
// synthetic.
//
// Output is deterministic: the same Options give byte-identical files, and
// files are written in parallel, each from its own random stream.
package synth

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// Options say what to write.
type Options struct {
	Records          int    // activity records to write in all; must be positive
	RecordsPerReport int    // records per report file; 0 means 100, about what a real report has
	Seed             uint64 // the same options and seed give byte-identical files
	FirstSession     int    // General Assembly session of the first year; 0 means 51 (1996/97)
	Sessions         int    // yearly sessions the reports are spread over; 0 means 30
	Workers          int    // files written at once; 0 means GOMAXPROCS
}

// Defaults filled in by Write.
const (
	DefaultRecordsPerReport = 100
	DefaultFirstSession     = 51
	DefaultSessions         = 30
)

// ManifestName is the file Write leaves beside the reports with the options
// and statistics of the corpus. It does not end in .txt, so indexers skip it.
const ManifestName = "synthetic.json"

// Stats describe what Write wrote.
type Stats struct {
	Files         int            `json:"files"`
	Records       int            `json:"records"`
	Bytes         int64          `json:"bytes"`
	FirstSession  int            `json:"first_session"`
	LastSession   int            `json:"last_session"`
	Sections      map[string]int `json:"sections"`   // records per section code
	DateForms     map[string]int `json:"date_forms"` // records per form of the 日期/期间 cell
	States        int            `json:"states"`     // distinct states with rows
	StateCells    int            `json:"state_cells"`
	Aliases       int            `json:"aliases"` // state cells written with another spelling
	Wrapped       int            `json:"wrapped"` // state cells with a line-wrap space inside
	PageBreaks    int            `json:"page_breaks"`
	Continuations int            `json:"continuations"` // rows with no state and no date
	Footnotes     int            `json:"footnotes"`     // footnote markers in rows
	WrappedNotes  int            `json:"wrapped_notes"` // footnote texts wrapped onto a second line
	Comments      int            `json:"comments"`      // records with a comment
	Elapsed       time.Duration  `json:"elapsed_ns"`

	states map[string]bool
}

func (s *Stats) add(o *Stats) {
	s.Files += o.Files
	s.Records += o.Records
	s.Bytes += o.Bytes
	for k, v := range o.Sections {
		s.Sections[k] += v
	}
	for k, v := range o.DateForms {
		s.DateForms[k] += v
	}
	for k := range o.states {
		s.states[k] = true
	}
	s.States = len(s.states)
	s.StateCells += o.StateCells
	s.Aliases += o.Aliases
	s.Wrapped += o.Wrapped
	s.PageBreaks += o.PageBreaks
	s.Continuations += o.Continuations
	s.Footnotes += o.Footnotes
	s.WrappedNotes += o.WrappedNotes
	s.Comments += o.Comments
}

func newStats() *Stats {
	return &Stats{Sections: map[string]int{}, DateForms: map[string]int{}, states: map[string]bool{}}
}

// FileName is the name of a synthetic report: session and ordinal within it.
func FileName(session, ordinal int) string {
	return fmt.Sprintf("synthetic-s%03d-%04d.zh.txt", session, ordinal)
}

// reportSpec is one file to write.
type reportSpec struct {
	index   int // position in the corpus; seeds the file's random stream
	session int
	ordinal int // 1-based, within the session
	records int
}

func (o *Options) fill() error {
	if o.Records <= 0 {
		return errors.New("synth: Records must be positive")
	}
	if o.RecordsPerReport == 0 {
		o.RecordsPerReport = DefaultRecordsPerReport
	}
	if o.FirstSession == 0 {
		o.FirstSession = DefaultFirstSession
	}
	if o.Sessions == 0 {
		o.Sessions = DefaultSessions
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case o.RecordsPerReport < 0 || o.RecordsPerReport > 100000:
		return fmt.Errorf("synth: RecordsPerReport %d is out of range 1..100000", o.RecordsPerReport)
	case o.FirstSession < 1 || o.FirstSession+o.Sessions > 999:
		return fmt.Errorf("synth: sessions %d..%d are out of range 1..999", o.FirstSession, o.FirstSession+o.Sessions-1)
	case o.Sessions < 1:
		return fmt.Errorf("synth: Sessions must be positive")
	}
	return nil
}

// plan spreads the records over report files and the files evenly over the
// sessions: as many reports per session as the total needs.
func plan(o Options) []reportSpec {
	n := (o.Records + o.RecordsPerReport - 1) / o.RecordsPerReport
	sessions := min(o.Sessions, n)
	specs := make([]reportSpec, n)
	ordinal := map[int]int{}
	for i := range specs {
		s := o.FirstSession + i*sessions/n
		ordinal[s]++
		recs := o.RecordsPerReport
		if i == n-1 {
			recs = o.Records - (n-1)*o.RecordsPerReport
		}
		specs[i] = reportSpec{index: i, session: s, ordinal: ordinal[s], records: recs}
	}
	return specs
}

// Write writes a synthetic corpus of opts.Records records into dir, which is
// created if needed and must not hold a synthetic corpus already. Every file
// parses with report.ParseReport into exactly the records written.
func Write(dir string, opts Options) (Stats, error) {
	began := time.Now()
	if err := opts.fill(); err != nil {
		return Stats{}, err
	}
	m, err := loadMaterial()
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("synth: %w", err)
	}
	if old, _ := filepath.Glob(filepath.Join(dir, "synthetic-*.zh.txt")); len(old) > 0 {
		return Stats{}, fmt.Errorf("synth: %s already holds a synthetic corpus (%d files); remove them or choose another directory", dir, len(old))
	}
	specs := plan(opts)
	total := newStats()
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan reportSpec)
	for range min(opts.Workers, len(specs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for spec := range work {
				st, err := writeFile(dir, m, opts.Seed, spec)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					total.add(st)
				}
				mu.Unlock()
			}
		}()
	}
	for _, spec := range specs {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- spec
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return Stats{}, firstErr
	}
	total.FirstSession = specs[0].session
	total.LastSession = specs[len(specs)-1].session
	total.Elapsed = time.Since(began)
	manifest, err := json.MarshalIndent(struct {
		Note    string  `json:"note"`
		Options Options `json:"options"`
		Stats   *Stats  `json:"stats"`
	}{"SYNTHETIC test data made by ctbtsearch/internal/synth; not UN documents", opts, total}, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, ManifestName), append(manifest, '\n'), 0o644)
	}
	if err != nil {
		return Stats{}, fmt.Errorf("synth: manifest: %w", err)
	}
	return *total, nil
}

func writeFile(dir string, m *material, seed uint64, spec reportSpec) (*Stats, error) {
	name := filepath.Join(dir, FileName(spec.session, spec.ordinal))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	cw := &countingWriter{w: f}
	w := bufio.NewWriterSize(cw, 256<<10)
	r := rand.New(rand.NewPCG(seed, uint64(spec.index)))
	rep := generate(m, r, spec)
	st := newStats()
	render(w, rep, r, st)
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, fmt.Errorf("synth: %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("synth: %s: %w", name, err)
	}
	st.Files = 1
	st.Bytes = cw.n
	return st, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
