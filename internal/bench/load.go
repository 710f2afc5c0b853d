package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// LoadConfig configures Load.
type LoadConfig struct {
	URL         string        // the server's base URL; it must be on the loopback interface
	Clients     int           // concurrent clients, each sending its next request when the last one is answered
	Duration    time.Duration // how long each target is loaded
	MaxRequests int           // stop earlier after this many requests; 0 for no bound but Duration
	Facets      bool          // add the filtered classes to the mix
	Mix         string        // MixScale (default) or MixProduct
	Floor       bool          // also load a trivial in-process Echo handler, the same way
	PID         int           // the server's process id, to report its memory; 0 for none
	Seed        uint64        // of the query mix
	MatchCache  string        // the server's match cache, CacheOn or CacheOff, recorded with the results
}

// mixLen is how many distinct queries a load cycles through.
const mixLen = 4096

// Load sends the query mix to GET /api/search with a fixed number of
// concurrent clients for a fixed time (a closed loop: each client waits for
// its answer before it sends the next request), and with Floor the same load
// to an in-process Echo handler that answers a small constant JSON, which is
// the cost of HTTP on this machine and of the load generator itself.
func Load(ctx context.Context, cfg LoadConfig, out io.Writer) ([]*Result, error) {
	if cfg.Clients < 1 || cfg.Duration <= 0 {
		return nil, errors.New("load: clients and duration must be positive")
	}
	base, err := loopbackURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	client := newClient(cfg.Clients)
	defer client.CloseIdleConnections()
	vocab, records, err := fetchVocab(ctx, client, base)
	if err != nil {
		return nil, err
	}
	queries, err := MixQueries(cfg.Mix, mixLen, cfg.Seed, cfg.Facets, vocab)
	if err != nil {
		return nil, err
	}

	var before ProcMem
	if cfg.PID != 0 {
		if before, err = ReadProcMem(cfg.PID); err != nil {
			return nil, err
		}
	}
	res, err := loadTarget(ctx, client, base, queries, cfg)
	if err != nil {
		return nil, err
	}
	res.Tool, res.Records, res.Facets, res.MatchCache = ToolOurs, records, cfg.Facets, cfg.MatchCache
	if cfg.PID != 0 {
		after, err := ReadProcMem(cfg.PID)
		if err != nil {
			return nil, err
		}
		res.ServerBefore, res.ServerRSS, res.ServerPeak = before.RSS, after.RSS, after.Peak
		res.ServerAnon, res.ServerFile = after.Anon, after.File
	}
	results := []*Result{res}

	if cfg.Floor {
		floorURL, stop, err := startFloor()
		if err != nil {
			return nil, err
		}
		floorClient := newClient(cfg.Clients)
		fres, err := loadTarget(ctx, floorClient, floorURL, queries, cfg)
		floorClient.CloseIdleConnections()
		stop()
		if err != nil {
			return nil, err
		}
		fres.Tool, fres.Records, fres.Facets = ToolFloor, records, cfg.Facets
		fres.Note = "in-process Echo handler answering a constant JSON; shares this process with the load generator"
		results = append(results, fres)
	}
	for _, r := range results {
		r.Mix = cfg.Mix
		r.notePeak()
	}
	PrintTable(out, results...)
	return results, nil
}

// loopbackURL accepts only URLs of this machine's loopback interface: a load
// test must never leave the machine.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("load: -url: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("load: -url %q: want http://127.0.0.1:PORT", raw)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("load: -url %q is not on the loopback interface (127.0.0.0/8, ::1, localhost); load tests stay on this machine", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

func newClient(clients int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil, // never through a proxy: the target is local
			MaxIdleConns:        2 * clients,
			MaxIdleConnsPerHost: 2 * clients,
			IdleConnTimeout:     30 * time.Second,
			DisableCompression:  true,
		},
	}
}

// fetchVocab takes the filter values from the facets of an unfiltered
// search, as the search command does with the index itself.
func fetchVocab(ctx context.Context, client *http.Client, base *url.URL) (Vocab, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.String()+"/api/search?size=1", nil)
	if err != nil {
		return Vocab{}, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Vocab{}, 0, fmt.Errorf("load: is the server running? %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Vocab{}, 0, fmt.Errorf("load: GET /api/search: %s", resp.Status)
	}
	type value struct {
		Value string `json:"value"`
		Count int    `json:"count"`
	}
	var body struct {
		Total  int `json:"total"`
		Facets struct {
			State []value `json:"state"`
			Month []value `json:"month"`
			Year  []value `json:"year"`
		} `json:"facets"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return Vocab{}, 0, fmt.Errorf("load: GET /api/search: %w", err)
	}
	states, months := map[string]int{}, map[string]int{}
	for _, v := range body.Facets.State {
		states[v.Value] = v.Count
	}
	for _, v := range body.Facets.Month {
		months[v.Value] = v.Count
	}
	if len(months) == 0 {
		years := map[string]int{}
		for _, v := range body.Facets.Year {
			years[v.Value] = v.Count
		}
		months = MonthsOfYears(years)
	}
	return VocabFromCounts(states, months), body.Total, nil
}

// loadTarget runs the closed loop against one server.
func loadTarget(parent context.Context, client *http.Client, base *url.URL, queries []Query, cfg LoadConfig) (*Result, error) {
	urls := make([]string, len(queries))
	for i, q := range queries {
		urls[i] = base.String() + "/api/search?" + q.Values().Encode()
	}
	ctx, cancel := context.WithTimeout(parent, cfg.Duration)
	defer cancel()
	rec := NewRecorder()
	var (
		next     atomic.Int64
		errCount atomic.Int64
		bytes    atomic.Int64
		mu       sync.Mutex
		statuses = map[string]int{}
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		errCount.Add(1)
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	began := time.Now()
	for range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if cfg.MaxRequests > 0 && i >= cfg.MaxRequests {
					return
				}
				q := queries[i%len(queries)]
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, urls[i%len(urls)], nil)
				if err != nil {
					fail(err)
					return
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					var n int64
					n, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					bytes.Add(n)
				}
				took := time.Since(t0)
				if ctx.Err() != nil {
					return // cut off by the end of the run: not an answer
				}
				if err != nil {
					fail(err)
					continue
				}
				mu.Lock()
				statuses[strconv.Itoa(resp.StatusCode)]++
				mu.Unlock()
				if resp.StatusCode != http.StatusOK {
					fail(fmt.Errorf("%s: %s", urls[i%len(urls)], resp.Status))
				}
				rec.Add(q.Class, took)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	res := newResult("", PhaseLoad, 0)
	res.Clients = cfg.Clients
	res.DurationSec = elapsed.Seconds()
	classes, overall := rec.Summaries()
	res.Classes, res.Overall = classes, &overall
	res.Requests = overall.N
	res.Errors = int(errCount.Load())
	res.RPS = float64(overall.N) / elapsed.Seconds()
	res.Statuses = statuses
	if overall.N > 0 {
		res.RespBytes = bytes.Load() / int64(overall.N)
	}
	if firstErr != nil {
		res.Note = "first error: " + firstErr.Error()
	}
	return res, nil
}

// startFloor serves a trivial Echo handler on a free loopback port.
func startFloor() (*url.URL, func(), error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/api/search", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"query": c.QueryParam("q"), "total": 0, "hits": []any{}})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("floor: %w", err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	u := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	return u, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
