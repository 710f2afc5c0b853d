package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ctbtsearch/internal/bench"
	"ctbtsearch/internal/synth"
)

// The slow-reader measurement of docs/RELIABILITY.md. It is opt-in: it needs
// a corpus of tens of thousands of records and a minute. Run it as
//
//	CTBT_SLOWCSV_RECORDS=35200 go test ./cmd/search -run TestSlowCSVClients -v -timeout 20m
//
// Optional: CTBT_SLOWCSV_DIR keeps the corpus and index there between runs,
// CTBT_SLOWCSV_CLIENTS (default 60) and CTBT_SLOWCSV_DURATION (default 30s).
//
// It runs the real server binary on an index of that many synthetic records
// and, for the duration, keeps that many clients asking for the full export
// (/api/search.csv?q=, 10,000 rows) — half of them never read a byte, half
// read 4 KiB every 100 ms — while two clients search without pause with the
// benchmark's query mix. It reports the server's peak RSS (VmHWM) and the
// searches' latency percentiles, and fails above 320 MiB or a p50 of 100 ms.
func TestSlowCSVClients(t *testing.T) {
	records, _ := strconv.Atoi(os.Getenv("CTBT_SLOWCSV_RECORDS"))
	if records <= 0 {
		t.Skip("opt-in measurement: set CTBT_SLOWCSV_RECORDS (e.g. 35200)")
	}
	clients := envInt("CTBT_SLOWCSV_CLIENTS", 60) // 0: the searches alone, for comparison
	duration, err := time.ParseDuration(envOr("CTBT_SLOWCSV_DURATION", "30s"))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("CTBT_SLOWCSV_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	corpus := filepath.Join(dir, fmt.Sprintf("corpus-%d", records))
	loc := filepath.Join(dir, fmt.Sprintf("index-%d", records))
	if _, err := os.Stat(loc); err != nil {
		if _, err := synth.Write(corpus, synth.Options{Records: records, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := bench.Index(context.Background(), bench.IndexConfig{Index: loc, Paths: []string{corpus}}, io.Discard); err != nil {
			t.Fatal(err)
		}
	}

	p := startProc(t, "-index", loc)
	p.waitServing(t, 2*time.Minute)
	pid := p.cmd.Process.Pid
	start, _ := bench.ReadProcMem(pid)
	t.Logf("server serving %s records, RSS %d MiB at start", servingRE.FindStringSubmatch(p.stdout.String())[1], start.RSS>>20)

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var wg sync.WaitGroup
	var exportsOK, exportsRefused, exportsCut, bytesRead atomic.Int64
	addr := p.base[len("http://"):]
	for i := range clients {
		reads := i%2 == 1
		wg.Go(func() {
			for ctx.Err() == nil {
				status, n, err := slowExport(ctx, addr, reads)
				bytesRead.Add(n)
				switch {
				case status == http.StatusServiceUnavailable:
					exportsRefused.Add(1)
					sleepCtx(ctx, time.Second) // as Retry-After asks, roughly
				case err == nil && status == http.StatusOK:
					exportsOK.Add(1)
				default:
					if exportsCut.Add(1) <= 3 {
						t.Logf("export cut: status %d after %d bytes: %v", status, n, err)
					}
					sleepCtx(ctx, time.Second)
				}
			}
		})
	}

	vocab := bench.VocabFromCounts(nil, nil)
	mix := bench.Mix(100000, 1, false, vocab)
	var mu sync.Mutex
	var lat []time.Duration
	var searchErrs atomic.Int64
	var next atomic.Int64
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				q := mix[int(next.Add(1))%len(mix)]
				began := time.Now()
				resp, err := client.Get(p.base + "/api/search?" + q.Values().Encode())
				if err != nil {
					searchErrs.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				took := time.Since(began)
				if resp.StatusCode != http.StatusOK {
					searchErrs.Add(1)
					continue
				}
				mu.Lock()
				lat = append(lat, took)
				mu.Unlock()
			}
		})
	}
	var peakRSS int64
	for ctx.Err() == nil {
		if m, err := bench.ReadProcMem(pid); err == nil && m.RSS > peakRSS {
			peakRSS = m.RSS
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
	end, _ := bench.ReadProcMem(pid)
	wg.Wait()
	p.alive(t)

	slices.Sort(lat)
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(q*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	t.Logf("%d slow CSV clients for %v: exports complete %d, refused (503) %d, cut (stalled until the write timeout or the end) %d, %d MiB read",
		clients, duration, exportsOK.Load(), exportsRefused.Load(), exportsCut.Load(), bytesRead.Load()>>20)
	t.Logf("searches: %d, errors %d, p50 %v, p90 %v, p99 %v, max %v", len(lat), searchErrs.Load(), pct(0.5), pct(0.9), pct(0.99), pct(1))
	t.Logf("server RSS: start %d MiB, peak sampled %d MiB, VmHWM %d MiB, end %d MiB", start.RSS>>20, peakRSS>>20, end.Peak>>20, end.RSS>>20)
	if end.Peak > 320<<20 {
		t.Errorf("peak RSS %d MiB, want ≤ 320 MiB", end.Peak>>20)
	}
	if pct(0.5) > 100*time.Millisecond || len(lat) == 0 {
		t.Errorf("search p50 %v over %d searches, want ≤ 100 ms", pct(0.5), len(lat))
	}
}

// slowExport asks for the full export and reads it slowly (4 KiB every
// 100 ms) or not at all, until it ends or ctx does. It returns the status,
// the bytes read and whether the body ended cleanly.
func slowExport(ctx context.Context, addr string, reads bool) (int, int64, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	fmt.Fprintf(conn, "GET /api/search.csv?q= HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	buf := make([]byte, 4<<10)
	var head []byte
	for !strings.Contains(string(head), "\r\n\r\n") {
		n, err := conn.Read(buf)
		head = append(head, buf[:n]...)
		if err != nil {
			return 0, int64(len(head)), err
		}
	}
	status := 0
	fmt.Sscanf(string(head), "HTTP/1.1 %d", &status)
	total := int64(len(head))
	if status != http.StatusOK {
		return status, total, nil
	}
	if !reads {
		<-ctx.Done()
		return status, total, ctx.Err()
	}
	for {
		if !sleepCtx(ctx, 100*time.Millisecond) {
			return status, total, ctx.Err()
		}
		n, err := conn.Read(buf)
		total += int64(n)
		if n > 5 && string(buf[n-5:n]) == "0\r\n\r\n" {
			return status, total, nil // the end of the chunked body
		}
		if err != nil {
			return status, total, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n >= 0 {
		return n
	}
	return def
}
