package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ctbtsearch/index"
	"ctbtsearch/report"
	"ctbtsearch/web"
)

// The load test runs for 3 s in `go test`, enough to prove zero errors. For
// a longer run (the figures in docs/RELIABILITY.md):
//
//	go test ./web -run TestLoad -v -load.duration=20s
var (
	loadDuration = flag.Duration("load.duration", 3*time.Second, "how long TestLoad sends requests")
	loadClients  = flag.Int("load.clients", 64, "concurrent clients of TestLoad")
)

const (
	oneTotal = 88  // the bundled sample
	twoTotal = 118 // the sample and the a64 fixture
)

// loadReports returns the two contents the tests alternate between.
func loadReports(t testing.TB) (one, two []*report.Report) {
	t.Helper()
	one, err := report.BundledReports()
	if err != nil {
		t.Fatal(err)
	}
	a64, err := report.ParseReportFile("../report/testdata/a64-ctbt-universality.zh.txt", report.DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	return one, append(slices.Clone(one), a64)
}

// publishedServer publishes reports to a fresh location, serves it as
// cmd/search does (index.Live behind web.New in an http.Server with its
// timeouts) and returns the server and the Live.
func publishedServer(t testing.TB, reports []*report.Report, opts web.Options) (*httptest.Server, *index.Live, string) {
	t.Helper()
	loc := filepath.Join(t.TempDir(), "index")
	if _, err := index.Publish(context.Background(), loc, reports, nil); err != nil {
		t.Fatal(err)
	}
	live, err := index.OpenLive(loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(web.New(live, opts))
	srv.Config.ReadHeaderTimeout = 5 * time.Second
	srv.Config.ReadTimeout = 15 * time.Second
	srv.Config.WriteTimeout = 60 * time.Second
	srv.Config.IdleTimeout = 2 * time.Minute
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		live.Close()
	})
	return srv, live, loc
}

// loadRequest is one entry of the query mix.
type loadRequest struct {
	path   string // with query string
	status int    // expected: 200 or 400
	all    bool   // no query or filter: the total is every record
	weight int
}

// queryMix is what people send: words of 2, 3 and 4 characters, phrases,
// filters, sorting, paging, the HTML page and the CSV export, and about one
// request in eight a mistake that must be a 400.
func queryMix() []loadRequest {
	ok := func(weight int, path string) loadRequest {
		return loadRequest{path: path, status: http.StatusOK, weight: weight}
	}
	bad := func(path string) loadRequest {
		return loadRequest{path: path, status: http.StatusBadRequest, weight: 1}
	}
	s := func(params ...string) string { // /api/search with encoded pairs
		v := url.Values{}
		for i := 0; i < len(params); i += 2 {
			v.Add(params[i], params[i+1])
		}
		return "/api/search?" + v.Encode()
	}
	mix := []loadRequest{
		{path: "/api/search", status: http.StatusOK, all: true, weight: 6},
		{path: "/api/search?size=100&sort=oldest", status: http.StatusOK, all: true, weight: 2},
		{path: "/api/search?page=2&size=50", status: http.StatusOK, all: true, weight: 2},
	}
	for _, w := range []string{"条约", "批准", "签署", "生效", "会议", "日本", "美国", // 2 characters
		"联合国", "核试验", "外交部", "部长级", "研讨会", "协调员", // 3
		"附件2国家", "全面禁止", "常驻代表", "特别代表", "双边努力", "欧洲联盟"} { // 4 and more
		mix = append(mix, ok(3, s("q", w)))
	}
	mix = append(mix,
		ok(3, s("q", `"附件2国家"`)),
		ok(3, s("q", `"全面禁止核试验条约"`)),
		ok(2, s("q", "“第十四条协调员”")),
		ok(2, s("q", "批准 条约 -美国")),
		ok(2, s("q", "+签署 +批准")),
		ok(2, s("q", "state:日本 会议")),
		ok(2, s("q", "section:1(a) 批准")),
		ok(2, s("q", "澳大利亚 印度尼西亚")),
		ok(3, s("state", "日本")),
		ok(2, s("state", "美利坚合众国", "state", "中国", "sort", "newest")),
		ok(2, s("section", "1(a)", "section", "2(b)")),
		ok(2, s("month", "2006-09", "q", "批准")),
		ok(2, s("report", "a62-ctbt-universality", "sort", "oldest")),
		ok(2, s("q", "条约", "page", "2", "size", "10")),
		ok(1, s("q", "条约", "page", "1000")), // past the end: an empty page
		ok(1, s("q", "Atlantis", "state", "Atlantis")),
		ok(2, "/?"+url.Values{"q": {"部长级会议"}, "state": {"日本"}}.Encode()),
		ok(1, "/?"+url.Values{"q": {"条约"}, "page": {"2"}}.Encode()),
		ok(1, "/api/search.csv?"+url.Values{"q": {"批准"}}.Encode()),
		ok(1, "/api/records/a62-ctbt-universality-001"),
		bad("/api/search?page=0"),
		bad("/api/search?page=abc"),
		bad("/api/search?page=1001"),
		bad("/api/search?size=101"),
		bad("/api/search?sort=bogus"),
		bad("/api/search?month=2006-13"),
		bad("/api/search?section=9(z)"),
		bad("/api/search?q=%zz"),
		bad("/api/search?q=%ff%fe"),
		bad("/api/search?q=a&q=b"),
		bad(s("q", "colour:red")),
		bad(s("q", strings.Repeat("核", index.MaxQueryRunes+1))),
		bad("/api/search?state=%01"),
		bad("/?page=-1"),
	)
	var many []string
	for i := range index.MaxFilterValues + 1 {
		many = append(many, "state", fmt.Sprintf("国家%d", i))
	}
	mix = append(mix, bad(s(many...)))
	return mix
}

// pick draws a request by weight.
func pick(mix []loadRequest, totalWeight int, r *rand.Rand) loadRequest {
	n := r.IntN(totalWeight)
	for _, m := range mix {
		if n < m.weight {
			return m
		}
		n -= m.weight
	}
	return mix[len(mix)-1]
}

func heapAfterGC() (heap uint64, goroutines int) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// TestLoad: 64 clients for a bounded time against a real HTTP server over
// an on-disk index, while new generations are published and reloaded.
// Every answer is the expected status (never a 5xx, never a transport
// error), every 200 from the API parses, and an all-records search totals
// one of the two generations' counts.
func TestLoad(t *testing.T) {
	one, two := loadReports(t)
	srv, live, loc := publishedServer(t, one, web.Options{})
	mix := queryMix()
	totalWeight := 0
	for _, m := range mix {
		totalWeight += m.weight
	}

	transport := &http.Transport{MaxIdleConnsPerHost: *loadClients, MaxConnsPerHost: *loadClients}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	// Warm up: one of each, so that the heap figure includes what the
	// server keeps anyway (column caches, templates, connections).
	for _, m := range mix {
		if resp, err := client.Get(srv.URL + m.path); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	heapBefore, goroutinesBefore := heapAfterGC()

	var (
		requests, transportErrs, serverErrs, wrong atomic.Int64
		byStatus                                   sync.Map // int → *atomic.Int64
		mu                                         sync.Mutex
		latencies                                  []time.Duration
		problems                                   []string
	)
	problem := func(format string, args ...any) {
		mu.Lock()
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	ctx, stop := context.WithTimeout(context.Background(), *loadDuration)
	defer stop()
	var wg sync.WaitGroup
	for c := range *loadClients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 42))
			var mine []time.Duration
			for ctx.Err() == nil {
				m := pick(mix, totalWeight, r)
				began := time.Now()
				resp, err := client.Get(srv.URL + m.path)
				if err != nil {
					transportErrs.Add(1)
					problem("GET %s: %v", m.path, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				took := time.Since(began)
				requests.Add(1)
				mine = append(mine, took)
				cnt, _ := byStatus.LoadOrStore(resp.StatusCode, new(atomic.Int64))
				cnt.(*atomic.Int64).Add(1)
				switch {
				case err != nil:
					transportErrs.Add(1)
					problem("GET %s: reading the body: %v", m.path, err)
				case resp.StatusCode >= 500:
					serverErrs.Add(1)
					problem("GET %s: %d %s", m.path, resp.StatusCode, body)
				case resp.StatusCode != m.status:
					wrong.Add(1)
					problem("GET %s: %d, want %d: %.200s", m.path, resp.StatusCode, m.status, body)
				case strings.HasPrefix(m.path, "/api/search?") || m.path == "/api/search":
					var res struct {
						Total *uint64 `json:"total"`
						Error *string `json:"error"`
					}
					if err := json.Unmarshal(body, &res); err != nil {
						wrong.Add(1)
						problem("GET %s: body does not parse: %v", m.path, err)
					} else if m.status == http.StatusOK && (res.Total == nil ||
						m.all && *res.Total != oneTotal && *res.Total != twoTotal) {
						wrong.Add(1)
						problem("GET %s: total %v, want %d or %d", m.path, res.Total, oneTotal, twoTotal)
					} else if m.status == http.StatusBadRequest && (res.Error == nil || *res.Error == "") {
						wrong.Add(1)
						problem("GET %s: 400 without an error message: %s", m.path, body)
					}
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}

	// Hot reloads during the load, alternating the two contents.
	reloads := 0
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
		case <-time.After(300 * time.Millisecond):
			reports := two
			if i%2 == 0 {
				reports = one
			}
			path, err := index.Publish(context.Background(), loc, reports, nil)
			if err != nil {
				t.Errorf("publish: %v", err)
				continue
			}
			if _, err := live.Reload(); err != nil || live.Path() != path {
				t.Errorf("reload: %v (serving %s, want %s)", err, live.Path(), path)
			}
			reloads++
			continue
		}
		break
	}
	wg.Wait()
	elapsed := *loadDuration
	transport.CloseIdleConnections()
	heapAfter, goroutinesAfter := heapAfterGC()

	slices.Sort(latencies)
	var statuses []string
	byStatus.Range(func(k, v any) bool {
		statuses = append(statuses, fmt.Sprintf("%d×%d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(statuses)
	n := requests.Load()
	t.Logf("%d clients, %v, %d hot reloads: %d requests (%.0f/s), statuses %s", *loadClients, elapsed, reloads, n,
		float64(n)/elapsed.Seconds(), strings.Join(statuses, " "))
	t.Logf("latency p50 %v, p90 %v, p99 %v, max %v", percentile(latencies, .50).Round(time.Microsecond),
		percentile(latencies, .90).Round(time.Microsecond), percentile(latencies, .99).Round(time.Microsecond),
		percentile(latencies, 1).Round(time.Microsecond))
	t.Logf("heap after GC: %.1f MiB before, %.1f MiB after; goroutines %d before, %d after",
		float64(heapBefore)/(1<<20), float64(heapAfter)/(1<<20), goroutinesBefore, goroutinesAfter)
	t.Logf("transport errors %d, 5xx %d, wrong answers %d", transportErrs.Load(), serverErrs.Load(), wrong.Load())

	if transportErrs.Load()+serverErrs.Load()+wrong.Load() > 0 {
		t.Errorf("failures under load, first ones:\n%s", strings.Join(problems, "\n"))
	}
	if n < int64(*loadClients) {
		t.Errorf("only %d requests were answered", n)
	}
	if reloads == 0 {
		t.Errorf("no hot reload happened during the load")
	}
}

// pathologicalQueries are the costliest requests the limits allow: the
// longest query, made of varied words, of phrases, of exclusions, of field
// clauses, and one long run of text without a space.
func pathologicalQueries() map[string]string {
	words := []string{"条约", "批准", "签署", "联合国", "核试验", "外交部", "全面禁止", "常驻代表", "附件2国家",
		"部长级会议", "日本", "澳大利亚", "印度尼西亚", "生效", "研讨会", "协调员", "特别代表", "欧洲联盟", "大会", "努力"}
	fill := func(next func(i int) string) string {
		var b []rune
		for i := 0; ; i++ {
			w := []rune(next(i))
			if len(b)+len(w)+1 > index.MaxQueryRunes {
				return string(b)
			}
			if len(b) > 0 {
				b = append(b, ' ')
			}
			b = append(b, w...)
		}
	}
	text := []rune("澳大利亚以第十四条协调员的身份促请印度尼西亚尽早批准条约同时强调印度尼西亚作为附件2国家应该在促使条约生效方面发挥特殊作用")
	var long []rune
	for len(long) < index.MaxQueryRunes {
		long = append(long, text[len(long)%len(text)])
	}
	return map[string]string{
		"varied words": fill(func(i int) string { return words[i%len(words)] + words[(i*7+3)%len(words)][:3] }),
		"exclusions":   fill(func(i int) string { return "-" + words[i%len(words)] }),
		"one word, excluded": fill(func(i int) string {
			if i == 0 {
				return "条约"
			}
			return "-" + words[i%len(words)]
		}),
		"musts":                fill(func(i int) string { return "+" + words[i%len(words)] }),
		"phrases":              fill(func(i int) string { return `"` + words[i%len(words)] + words[(i+1)%len(words)] + `"` }),
		"field clauses":        fill(func(i int) string { return "state:" + []string{"日本", "中国", "美国", "德国"}[i%4] }),
		"one long run":         string(long),
		"single characters":    fill(func(i int) string { return string(text[i%len(text)]) }),
		"quote soup":           fill(func(i int) string { return []string{`"`, "“", "「", "＂", "-", "+", ":"}[i%7] }),
		"digits and latin":     fill(func(i int) string { return fmt.Sprintf("A/%d/%d", 60+i%10, i) }),
		"exclusions and musts": fill(func(i int) string { return []string{"+", "-"}[i%2] + words[i%len(words)] }),
	}
}

// The worst queries the parameter limits let through finish within the
// request timeout, or are cut off by it (503) or refused (400); none hangs
// or fails with a 5xx other than the timeout's 503. Sent one by one, then
// all at once.
func TestPathologicalQueries(t *testing.T) {
	const timeout = 250 * time.Millisecond
	_, two := loadReports(t)
	srv, _, _ := publishedServer(t, two, web.Options{RequestTimeout: timeout, Logger: slog.New(slog.DiscardHandler)})
	client := &http.Client{Timeout: 10 * time.Second}
	queries := pathologicalQueries()

	get := func(name, q string) (int, time.Duration, error) {
		began := time.Now()
		resp, err := client.Get(srv.URL + "/api/search?" + url.Values{"q": {q}, "size": {"100"}}.Encode())
		if err != nil {
			return 0, 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(began), nil
	}
	check := func(name string, status int, took time.Duration, err error) {
		t.Helper()
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusServiceUnavailable:
			t.Errorf("%s: status %d, want 200, 400 or 503", name, status)
		case took > timeout+2*time.Second:
			t.Errorf("%s: took %v with a request timeout of %v", name, took, timeout)
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range queries {
			if !yield(k) {
				return
			}
		}
	}) {
		q := queries[name]
		if n := len([]rune(q)); n > index.MaxQueryRunes || n < index.MaxQueryRunes-10 {
			t.Fatalf("%s: %d runes, want just under %d", name, n, index.MaxQueryRunes)
		}
		status, took, err := get(name, q)
		check(name, status, took, err)
		t.Logf("%-22s %d in %v", name, status, took.Round(time.Microsecond))
	}

	// All at once, four times over: the timeout holds under contention.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	began := time.Now()
	for range 4 {
		for name, q := range queries {
			wg.Go(func() {
				status, took, err := get(name, q)
				check(name, status, took, err)
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	t.Logf("%d at once: statuses %v in %v", 4*len(queries), statuses, time.Since(began).Round(time.Millisecond))
}

// With a timeout too short for any search, every search is cut off: the
// deadline must surface as 503 (the timeout's answer), never as a 500, so
// the index and Bleve must pass the context's error on unchanged.
func TestExpiredDeadlineIs503(t *testing.T) {
	_, two := loadReports(t)
	srv, _, _ := publishedServer(t, two, web.Options{RequestTimeout: time.Nanosecond, Logger: slog.New(slog.DiscardHandler)})
	client := &http.Client{Timeout: 10 * time.Second}
	paths := []string{"/api/search", "/api/search?q=条约", "/?q=批准", "/api/search.csv?q=条约", "/api/records/a62-ctbt-universality-001"}
	for _, q := range pathologicalQueries() {
		paths = append(paths, "/api/search?"+url.Values{"q": {q}}.Encode())
	}
	statuses := map[int]int{}
	for _, p := range paths {
		resp, err := client.Get(srv.URL + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %.80s: %d %.200s", p, resp.StatusCode, body)
		}
		statuses[resp.StatusCode]++
	}
	t.Logf("statuses: %v", statuses)
}
