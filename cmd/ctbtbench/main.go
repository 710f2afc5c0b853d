// Command ctbtbench measures the CTBT universality search at scale, on
// SYNTHETIC reports (internal/synth), and compares it with plain Bleve on
// the same corpus. scripts/perf.sh runs the whole study; the subcommands
// are its steps.
//
// Usage:
//
//	ctbtbench gen      -records N -out DIR [-seed S] [-json FILE]
//	ctbtbench index    -index LOC [-json FILE] DIR...
//	ctbtbench indexer  -bin PATH -index LOC [-runs N] [-json FILE] DIR...
//	ctbtbench search   -index LOC [-n 2000] [-warmup 50] [-facets] [-cpuprofile FILE] [-json FILE]
//	ctbtbench load     -url http://127.0.0.1:PORT [-clients 1] [-duration 10s] [-max N]
//	                   [-facets] [-floor] [-pid PID] [-json FILE]
//	ctbtbench baseline (-records N | -dir DIR) -work DIR [-reuse] [-n 2000] [-warmup 50] [-facets]
//	                   [-cpuprofile FILE] [-json FILE]
//	ctbtbench chart    -in results.jsonl -out docs/perf.svg
//	ctbtbench tables   -in run.jsonl -doc docs/PERFORMANCE.md
//
// search, load and baseline take -mix: scale (the default, below) or product,
// the product's common queries of issue 14 (附件2 国家, 批准条约, 核试验, a quoted
// phrase …, four of them narrowed by section 1(a) and a month), each its own
// class; baseline takes several, comma-separated, to run them on one index.
//
// gen writes a synthetic corpus of N records (about 100 per report file,
// spread over 30 yearly sessions) and prints what it wrote.
//
// index parses every report under DIR with GOMAXPROCS workers and publishes
// them with index.Publish at LOC, as cmd/indexer does; it reports parse and
// index time, records/s end to end, the size of the new generation on disk
// and the peak RSS of the process.
//
// indexer runs the cmd/indexer binary BIN on DIR as users do and reports its
// wall time end to end (start-up and the double parse included), records/s,
// the size of the generation and the binary's own peak RSS.
//
// search opens the index in service at LOC read-only, as the server does,
// and runs a query mix through index.Index.Search in process, one query at
// a time: two-, three- and four-character words, quoted phrases, pages 1–3,
// and with -facets also queries narrowed by one to three filters (state,
// section, month), which make the engine count disjunctive facets. It
// reports the open time, p50/p90/p99/max latency per query class and
// overall, and the peak RSS. -cpuprofile profiles the measured queries.
//
// load sends the same mix to GET /api/search of a running server (cmd/search)
// with a fixed number of concurrent clients for a fixed time. Only loopback
// addresses are accepted. -floor also starts a trivial Echo handler in
// process and loads it the same way, as the floor for comparison. -pid
// reports the server's RSS before and after, and its peak.
//
// baseline indexes the same corpus (-dir) or a new one (-records) with plain
// Bleve — the default mapping with the cjk analyzer, keyword fields for the
// facets, batches of 1000 — into WORK/bleve-index and runs the same mix as
// MatchQuery (AND) and MatchPhraseQuery on _all with stock facets and the
// html highlighter, reporting the same figures; then the mix's filtered
// queries again as an application showing our facets must run them (one
// more request per filtered field, its facet counted without its own
// filter). -reuse searches an index an earlier run built.
//
// tables writes the Markdown tables of one run (ours against plain Bleve in
// process, HTTP against the Echo floor) into the generated section of a
// document, docs/PERFORMANCE.md.
//
// chart draws search p50/p99 and index throughput against corpus size, ours
// against plain Bleve, from the results file as an SVG.
//
// Every measuring subcommand prints aligned tables; -json FILE also appends
// one JSON object a line to FILE, for the chart.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"ctbtsearch/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "ctbtbench:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: ctbtbench COMMAND [flags]

commands:
  gen       write a synthetic corpus
  index     parse a corpus and publish it with index.Publish
  indexer   time the cmd/indexer binary on a corpus, end to end
  search    run the query mix in process on a published index
  load      run the query mix over HTTP against a running server
  tables    write one run's tables into docs/PERFORMANCE.md
  baseline  index and search the same corpus with plain Bleve
  chart     draw the results file as an SVG

Run "ctbtbench COMMAND -h" for the flags of a command.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return errors.New("no command")
		}
		return nil
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("ctbtbench "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	jsonOut := fs.String("json", "", "append the results as JSON lines to `FILE`")
	parse := func(minArgs, maxArgs int) error {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if n := fs.NArg(); n < minArgs || n > maxArgs {
			fs.Usage()
			return fmt.Errorf("%s: unexpected arguments: %s", cmd, strings.Join(fs.Args(), " "))
		}
		return nil
	}
	var results []*bench.Result
	switch cmd {
	case "gen":
		records := fs.Int("records", 0, "records to write")
		out := fs.String("out", "", "`DIR` to write the reports to")
		seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same corpus")
		if err := parse(0, 0); err != nil {
			return err
		}
		if *records <= 0 || *out == "" {
			fs.Usage()
			return errors.New("gen: -records and -out are required")
		}
		r, err := bench.Gen(bench.GenConfig{Records: *records, Out: *out, Seed: *seed}, stdout)
		if err != nil {
			return err
		}
		results = append(results, r)
	case "index":
		loc := fs.String("index", "", "index `LOC`ation (as cmd/search -index)")
		if err := parse(1, 1<<20); err != nil {
			return err
		}
		if *loc == "" {
			fs.Usage()
			return errors.New("index: -index is required")
		}
		r, err := bench.Index(ctx, bench.IndexConfig{Index: *loc, Paths: fs.Args()}, stdout)
		if err != nil {
			return err
		}
		results = append(results, r)
	case "indexer":
		bin := fs.String("bin", "", "the cmd/indexer `BINARY` to run")
		loc := fs.String("index", "", "index `LOC`ation (as cmd/search -index)")
		runs := fs.Int("runs", 1, "build the index this many times and report the median run")
		if err := parse(1, 1<<20); err != nil {
			return err
		}
		if *bin == "" || *loc == "" || *runs < 1 {
			fs.Usage()
			return errors.New("indexer: -bin and -index are required, -runs must be positive")
		}
		r, err := bench.Indexer(ctx, bench.IndexerConfig{Bin: *bin, Index: *loc, Paths: fs.Args(), Runs: *runs}, stdout)
		if err != nil {
			return err
		}
		results = append(results, r)
	case "search":
		loc := fs.String("index", "", "index `LOC`ation")
		n := fs.Int("n", 2000, "queries to measure")
		warmup := fs.Int("warmup", 50, "queries to run first, unmeasured")
		facets := fs.Bool("facets", false, "add queries with 1-3 filters (disjunctive facets) to the mix")
		seed := fs.Uint64("seed", 1, "seed of the query mix")
		profile := fs.String("cpuprofile", "", "write a CPU profile of the measured queries to `FILE`")
		mix := fs.String("mix", bench.MixScale, "query `MIX`: scale (word lengths, phrases, filters) or product (the product's common queries)")
		matchCache := fs.Int("match-cache", -1, "match cache in `MIB`; 0 measures the engine cold; negative: the index's default")
		if err := parse(0, 0); err != nil {
			return err
		}
		if *loc == "" || *n <= 0 || *warmup < 0 {
			fs.Usage()
			return errors.New("search: -index is required, -n must be positive")
		}
		r, err := bench.Search(ctx, bench.SearchConfig{Index: *loc, N: *n, Warmup: *warmup, Facets: *facets, Seed: *seed, CPUProfile: *profile, Mix: *mix, MatchCache: *matchCache}, stdout)
		if err != nil {
			return err
		}
		results = append(results, r)
	case "load":
		target := fs.String("url", "", "base `URL` of the server, e.g. http://127.0.0.1:8080 (loopback only)")
		clients := fs.Int("clients", 1, "concurrent clients")
		duration := fs.Duration("duration", 10*time.Second, "how long to load each target")
		maxReq := fs.Int("max", 0, "stop after this many requests (0: only -duration bounds the run)")
		facets := fs.Bool("facets", false, "add queries with 1-3 filters to the mix")
		floor := fs.Bool("floor", false, "also load a trivial in-process Echo handler the same way")
		pid := fs.Int("pid", 0, "server process id, to report its RSS")
		seed := fs.Uint64("seed", 1, "seed of the query mix")
		mix := fs.String("mix", bench.MixScale, "query `MIX`: scale or product")
		serverCache := fs.String("server-cache", bench.CacheOn, "the server's match cache, recorded with the results: on, or off when it runs with -match-cache 0")
		if err := parse(0, 0); err != nil {
			return err
		}
		if *serverCache != bench.CacheOn && *serverCache != bench.CacheOff {
			return errors.New("load: -server-cache is on or off")
		}
		if *target == "" {
			fs.Usage()
			return errors.New("load: -url is required")
		}
		if *duration > 10*time.Minute {
			return errors.New("load: -duration is at most 10m")
		}
		rs, err := bench.Load(ctx, bench.LoadConfig{URL: *target, Clients: *clients, Duration: *duration, MaxRequests: *maxReq,
			Facets: *facets, Floor: *floor, PID: *pid, Seed: *seed, Mix: *mix, MatchCache: *serverCache}, stdout)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	case "baseline":
		records := fs.Int("records", 0, "generate a corpus of this many records into WORK/corpus")
		dir := fs.String("dir", "", "use the reports under `DIR` instead")
		corpusSeed := fs.Uint64("corpus-seed", 1, "seed of a generated corpus")
		work := fs.String("work", "", "working `DIR`: the Bleve index goes to DIR/bleve-index")
		n := fs.Int("n", 2000, "queries to measure")
		warmup := fs.Int("warmup", 50, "queries to run first, unmeasured")
		facets := fs.Bool("facets", false, "add queries with 1-3 filters to the mix")
		seed := fs.Uint64("seed", 1, "seed of the query mix")
		profile := fs.String("cpuprofile", "", "write a CPU profile of the measured queries to `FILE`")
		mixes := fs.String("mix", bench.MixScale, "comma-separated query `MIXES` to run on the one index: scale, product")
		reuse := fs.Bool("reuse", false, "search the plain Bleve index already in WORK/bleve-index instead of building it")
		if err := parse(0, 0); err != nil {
			return err
		}
		if *n <= 0 || *warmup < 0 {
			return errors.New("baseline: -n must be positive")
		}
		rs, err := bench.Baseline(ctx, bench.BaselineConfig{Records: *records, Dir: *dir, CorpusSeed: *corpusSeed, Work: *work,
			N: *n, Warmup: *warmup, Facets: *facets, Seed: *seed, CPUProfile: *profile, Mixes: strings.Split(*mixes, ","), Reuse: *reuse}, stdout)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	case "tables":
		in := fs.String("in", "", "results `FILE` of one run (JSON lines)")
		doc := fs.String("doc", "", "Markdown `FILE` whose generated section is rewritten")
		if err := parse(0, 0); err != nil {
			return err
		}
		if *in == "" || *doc == "" {
			fs.Usage()
			return errors.New("tables: -in and -doc are required")
		}
		if err := bench.Tables(*in, *doc); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the tables of %s into %s\n", *in, *doc)
		return nil
	case "chart":
		in := fs.String("in", "", "results `FILE` (JSON lines)")
		out := fs.String("out", "", "SVG `FILE` to write")
		if err := parse(0, 0); err != nil {
			return err
		}
		if *in == "" || *out == "" {
			fs.Usage()
			return errors.New("chart: -in and -out are required")
		}
		if err := bench.Chart(*in, *out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	return bench.AppendJSON(*jsonOut, results...)
}
