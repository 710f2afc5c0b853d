package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Tools, as Result.Tool names them.
const (
	ToolOurs  = "ours"  // the product: index package, or cmd/search over HTTP
	ToolBleve = "bleve" // plain Bleve on the same corpus
	// ToolBleveSameFacets is plain Bleve showing the facets ours shows:
	// each filtered field counted without its own filter (disjunctive), one
	// more request per filtered field, as a Bleve application must.
	ToolBleveSameFacets = "bleve-same-facets"
	ToolFloor           = "floor" // a trivial Echo handler: the cost of HTTP alone
	ToolSynth           = "synth" // the corpus generator
)

// Phases, as Result.Phase names them.
const (
	PhaseGen     = "gen"
	PhaseIndex   = "index"
	PhaseIndexer = "indexer" // cmd/indexer itself, timed from outside
	PhaseSearch  = "search"
	PhaseLoad    = "load"
)

// Result is one measurement. Its JSON form is one line of the results file
// (-json), which the chart reads; fields that do not apply to the phase are
// left out.
// Match cache settings of our engine, as Result.MatchCache records them.
const (
	CacheOn  = "on"  // as served: a query's matches kept for its next requests
	CacheOff = "off" // every search walks its matches (the engine cold)
)

type Result struct {
	Time       string `json:"time"`
	Tool       string `json:"tool"`
	Phase      string `json:"phase"`
	Records    int    `json:"records"` // corpus size
	GoMaxProcs int    `json:"gomaxprocs"`
	GoVersion  string `json:"go_version"`

	// gen and index
	Files         int     `json:"files,omitempty"`
	Bytes         int64   `json:"bytes,omitempty"` // corpus bytes
	GenSec        float64 `json:"gen_sec,omitempty"`
	ParseSec      float64 `json:"parse_sec,omitempty"`
	IndexSec      float64 `json:"index_sec,omitempty"`
	TotalSec      float64 `json:"total_sec,omitempty"`
	RecordsPerSec float64 `json:"records_per_sec,omitempty"` // end to end: parse and index
	SizeBytes     int64   `json:"size_bytes,omitempty"`      // index on disk, du
	RSSAfterParse int64   `json:"rss_after_parse_bytes,omitempty"`

	// search and load
	Mix          string             `json:"mix,omitempty"`         // the query mix: "" or "scale" (Mix), "product" (ProductMix)
	MatchCache   string             `json:"match_cache,omitempty"` // ours: CacheOn or CacheOff; "" before it existed (so: off)
	Facets       bool               `json:"facets,omitempty"`
	OpenSec      float64            `json:"open_sec,omitempty"`
	FirstSec     float64            `json:"first_query_sec,omitempty"` // the first search after open: match-all with every facet
	Queries      int                `json:"queries,omitempty"`
	Errors       int                `json:"errors,omitempty"`
	ZeroHits     int                `json:"zero_hits,omitempty"`
	ZeroByClass  map[string]int     `json:"zero_hits_by_class,omitempty"`
	Highlighted  float64            `json:"highlighted,omitempty"` // share of returned hits with a highlighted fragment
	Classes      map[string]Summary `json:"classes,omitempty"`
	Overall      *Summary           `json:"overall,omitempty"`
	Clients      int                `json:"clients,omitempty"`
	DurationSec  float64            `json:"duration_sec,omitempty"`
	Requests     int                `json:"requests,omitempty"`
	RPS          float64            `json:"rps,omitempty"`
	Statuses     map[string]int     `json:"statuses,omitempty"`
	RespBytes    int64              `json:"response_bytes,omitempty"` // mean body size
	ServerRSS    int64              `json:"server_rss_bytes,omitempty"`
	ServerPeak   int64              `json:"server_peak_rss_bytes,omitempty"`
	ServerAnon   int64              `json:"server_rss_anon_bytes,omitempty"` // of ServerRSS: the server's own memory
	ServerFile   int64              `json:"server_rss_file_bytes,omitempty"` // of ServerRSS: pages of the mapped index
	ServerBefore int64              `json:"server_rss_before_bytes,omitempty"`

	PeakRSS int64   `json:"peak_rss_bytes,omitempty"` // this process, VmHWM
	LoadAvg float64 `json:"loadavg_1m,omitempty"`     // of the machine when the result was taken: other work skews timings
	Note    string  `json:"note,omitempty"`
}

func newResult(tool, phase string, records int) *Result {
	return &Result{
		Time:       time.Now().UTC().Format(time.RFC3339),
		Tool:       tool,
		Phase:      phase,
		Records:    records,
		GoMaxProcs: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
	}
}

// notePeak sets PeakRSS from /proc/self/status, and LoadAvg.
func (r *Result) notePeak() {
	if m, err := ReadProcMem(0); err == nil {
		r.PeakRSS = m.Peak
	}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) > 0 {
			r.LoadAvg, _ = strconv.ParseFloat(f[0], 64)
		}
	}
}

// AppendJSON appends results, one JSON object a line, to the file at path.
func AppendJSON(path string, results ...*Result) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("results: %w", err)
		}
	}
	return f.Close()
}

// ReadJSON reads a results file written by AppendJSON.
func ReadJSON(r io.Reader) ([]*Result, error) {
	dec := json.NewDecoder(r)
	var out []*Result
	for {
		var res Result
		err := dec.Decode(&res)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("results line %d: %w", len(out)+1, err)
		}
		out = append(out, &res)
	}
}

// PrintTable writes results as aligned tables: one of figures, and for
// search and load results one of latencies by query class.
func PrintTable(w io.Writer, results ...*Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range results {
		mix := ""
		if r.Mix != "" && r.Mix != MixScale {
			mix = ", " + r.Mix + " mix"
		}
		fmt.Fprintf(tw, "== %s %s, %d records%s\n", r.Tool, r.Phase, r.Records, mix)
		row := func(k, format string, args ...any) {
			fmt.Fprintf(tw, "  %s\t"+format+"\n", append([]any{k}, args...)...)
		}
		if r.Files > 0 {
			row("files", "%d", r.Files)
		}
		if r.Bytes > 0 {
			row("corpus", "%s", mib(r.Bytes))
		}
		if r.GenSec > 0 {
			row("generate", "%.2f s (%.0f records/s)", r.GenSec, float64(r.Records)/r.GenSec)
		}
		if r.ParseSec > 0 {
			row("parse", "%.2f s", r.ParseSec)
		}
		if r.IndexSec > 0 {
			row("index", "%.2f s", r.IndexSec)
		}
		if r.TotalSec > 0 {
			row("total", "%.2f s", r.TotalSec)
		}
		if r.RecordsPerSec > 0 {
			row("throughput", "%.0f records/s end to end", r.RecordsPerSec)
		}
		if r.SizeBytes > 0 {
			row("index size", "%s (%.0f bytes/record)", mib(r.SizeBytes), float64(r.SizeBytes)/float64(max(r.Records, 1)))
		}
		if r.RSSAfterParse > 0 {
			row("RSS after parse", "%s", mib(r.RSSAfterParse))
		}
		if r.OpenSec > 0 || r.FirstSec > 0 {
			row("open", "%.3f s, then the first query (match-all, all facets) %.3f s", r.OpenSec, r.FirstSec)
		}
		if r.Queries > 0 {
			row("queries", "%d (%d errors, %d with no hit, facets %v)", r.Queries, r.Errors, r.ZeroHits, r.Facets)
			row("highlighted", "%.0f%% of returned hits", 100*r.Highlighted)
		}
		if r.Clients > 0 {
			row("clients", "%d for %.1f s", r.Clients, r.DurationSec)
			row("requests", "%d (%d errors) = %.1f req/s", r.Requests, r.Errors, r.RPS)
			if len(r.Statuses) > 0 {
				row("statuses", "%v", r.Statuses)
			}
			switch {
			case r.RespBytes >= 1024:
				row("response", "%.1f KiB mean body", float64(r.RespBytes)/1024)
			case r.RespBytes > 0:
				row("response", "%d bytes mean body", r.RespBytes)
			}
		}
		if r.ServerRSS > 0 {
			row("server RSS", "%s before, %s after (own %s, mapped index %s), peak %s", mib(r.ServerBefore), mib(r.ServerRSS), mib(r.ServerAnon), mib(r.ServerFile), mib(r.ServerPeak))
		}
		if r.PeakRSS > 0 {
			whose := "this process"
			if r.Phase == PhaseIndexer {
				whose = "cmd/indexer"
			}
			row("peak RSS", "%s (%s)", mib(r.PeakRSS), whose)
		}
		if r.LoadAvg > 0 {
			row("load average", "%.2f (1 min, %d cores): other processes share the machine", r.LoadAvg, runtime.NumCPU())
		}
		if r.Note != "" {
			row("note", "%s", r.Note)
		}
		if r.Overall != nil {
			zeros := r.ZeroByClass != nil
			header := "  class\tn\tp50 ms\tp90 ms\tp99 ms\tmax ms\tmean ms"
			if zeros {
				header += "\tno hit"
			}
			fmt.Fprintln(tw, header)
			line := func(name string, s Summary, zero int) {
				fmt.Fprintf(tw, "  %s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f", name, s.N, s.P50, s.P90, s.P99, s.Max, s.Mean)
				if zeros {
					fmt.Fprintf(tw, "\t%d", zero)
				}
				fmt.Fprintln(tw)
			}
			names := make([]string, 0, len(r.Classes))
			for c := range r.Classes {
				names = append(names, c)
			}
			slices.SortFunc(names, func(a, b string) int { return classRank(a) - classRank(b) })
			for _, c := range names {
				line(c, r.Classes[c], r.ZeroByClass[c])
			}
			line("overall", *r.Overall, r.ZeroHits)
		}
	}
	tw.Flush()
}

func classRank(c string) int {
	if i := slices.Index(Classes, c); i >= 0 {
		return i
	}
	return len(Classes)
}
