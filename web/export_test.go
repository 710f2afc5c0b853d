package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"ctbtsearch/index"
	"ctbtsearch/report"
)

// streamSearcher exports n generated records of about rowBytes bytes each,
// made one at a time as the export asks for them, so that whatever memory an
// export holds is the web layer's. It fails after failAfter records when
// that is set.
type streamSearcher struct {
	fakeSearcher
	n, rowBytes, failAfter int
}

func (s *streamSearcher) Export(ctx context.Context, req index.Request, fn func(report.Record) error) error {
	text := strings.Repeat("批", s.rowBytes/3)
	for i := range s.n {
		if s.failAfter > 0 && i == s.failAfter {
			return errors.New("segment read failed")
		}
		rec := report.Record{ID: fmt.Sprintf("r-%05d", i), Report: "r", Session: 62, Activity: text, Months: []string{"2007-01"}}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

func (s *streamSearcher) DocCount() uint64 { return uint64(s.n) }

// smallBufferListener gives accepted connections a small kernel send buffer,
// so that a client that does not read blocks the server's writes after a few
// kilobytes instead of after the megabytes loopback buffers take.
type smallBufferListener struct{ net.Listener }

func (l smallBufferListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// exportServer serves the whole application over real TCP, as cmd/search
// does, with small socket buffers.
func exportServer(t *testing.T, s Searcher, opts Options) (*httptest.Server, *app) {
	t.Helper()
	a := newApp(t, s, opts)
	srv := httptest.NewUnstartedServer(a.e)
	srv.Listener = smallBufferListener{srv.Listener}
	srv.Config.WriteTimeout = 60 * time.Second
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, a
}

// stalledClient requests target and reads only the response head, then
// stops reading, like a client on a stalled link. It returns the head and
// the open connection.
func stalledClient(t *testing.T, addr, target string, gzipped bool) (string, net.Conn) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		// A small receive window, set before connecting, so the server
		// soon has nowhere to put what it writes.
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<10)
		})
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ae := ""
	if gzipped {
		ae = "Accept-Encoding: gzip\r\n"
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n", target, ae)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var head []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if _, err := conn.Read(one); err != nil {
			t.Fatalf("reading the response head of %s: %v (so far %q)", target, err, head)
		}
		head = append(head, one[0])
	}
	return string(head), conn
}

// liveHeap is the heap still reachable after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// Slow clients of large exports must not make the server hold whole exports
// in memory: each export is streamed in pieces. 8 clients stall on exports
// of 10,000 rows of 1 KB (half of them gzipped); before the fix each held
// its whole 10 MB export, over 80 MB together.
func TestCSVExportMemoryBoundedWithStalledClients(t *testing.T) {
	const clients, rows, rowBytes = 8, 10000, 1000
	srv, _ := exportServer(t, &streamSearcher{n: rows, rowBytes: rowBytes}, Options{MaxExports: clients})
	addr := srv.Listener.Addr().String()

	before := liveHeap()
	for i := range clients {
		head, _ := stalledClient(t, addr, "/api/search.csv", i%2 == 0)
		if !strings.HasPrefix(head, "HTTP/1.1 200") {
			t.Fatalf("client %d: %q", i, head)
		}
	}
	// Every handler is now blocked writing to a client that does not read.
	time.Sleep(100 * time.Millisecond)
	held := int64(liveHeap()) - int64(before)
	t.Logf("live heap with %d stalled exports of %d MB: %+d KiB", clients, rows*rowBytes>>20, held>>10)
	const limit = 16 << 20
	if held > limit {
		t.Errorf("%d stalled exports hold %d MiB of heap, want < %d MiB: exports are not streamed", clients, held>>20, limit>>20)
	}
}

// Exports beyond the limit are refused at once with a 503 that says when to
// try again, ordinary searches are still answered meanwhile, and a slot is
// free again as soon as an export ends.
func TestCSVExportLimit(t *testing.T) {
	s := &streamSearcher{fakeSearcher: fakeSearcher{records: []report.Record{{ID: "x-1", Report: "x"}}}, n: 20000, rowBytes: 1000}
	srv, _ := exportServer(t, s, Options{MaxExports: 2})
	addr := srv.Listener.Addr().String()
	var conns []net.Conn
	for range 2 {
		_, conn := stalledClient(t, addr, "/api/search.csv?q=x", false)
		conns = append(conns, conn)
	}

	resp, err := http.Get(srv.URL + "/api/search.csv?q=y")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(string(body), "too many exports") {
		t.Errorf("third export: %s, Retry-After %q, body %.200s", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	resp, err = http.Get(srv.URL + "/api/search?q=y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a search while exports are saturated: %s", resp.Status)
	}

	// A client that goes away gives its slot back.
	conns[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/api/search.csv?q=z")
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if err != nil || n < int64(s.n*s.rowBytes) {
				t.Errorf("export after a slot was freed: %d bytes, %v", n, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no export slot came free after a client left: %s", resp.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client that stops reading loses its export slot once a piece has waited
// ExportStallTimeout, not only at the server's write timeout (60 s here).
func TestCSVExportStalledClientLosesSlot(t *testing.T) {
	s := &streamSearcher{n: 20000, rowBytes: 1000}
	srv, a := exportServer(t, s, Options{MaxExports: 1, ExportStallTimeout: 300 * time.Millisecond})
	stalledClient(t, srv.Listener.Addr().String(), "/api/search.csv", false)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/api/search.csv")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stalled client still holds the only slot after 10 s: %s", resp.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(a.log.String(), "client disconnected") {
		t.Errorf("the cut export is not logged as a client gone:\n%s", a.log)
	}
}

// A failure in the middle of a streamed export cannot change the status any
// more; the client must see a broken download, not a complete-looking file,
// and the operator one error log line. A client that hangs up is only a
// disconnect, not an internal error.
func TestCSVExportFailsVisibly(t *testing.T) {
	t.Run("server error mid-stream", func(t *testing.T) {
		srv, a := exportServer(t, &streamSearcher{n: 1000, rowBytes: 1000, failAfter: 500}, Options{})
		resp, err := http.Get(srv.URL + "/api/search.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err == nil {
			t.Errorf("status %s, read error %v: want 200 and a broken body", resp.Status, err)
		}
		waitLog(t, a, "segment read failed")
		log := a.log.String()
		if strings.Count(log, "segment read failed") != 1 || !strings.Contains(log, "outcome=\"response cut short") {
			t.Errorf("log:\n%s", log)
		}
	})
	t.Run("client hangs up", func(t *testing.T) {
		srv, a := exportServer(t, &streamSearcher{n: 20000, rowBytes: 1000}, Options{})
		_, conn := stalledClient(t, srv.Listener.Addr().String(), "/api/search.csv?q=私密检索词", false)
		conn.Close()
		waitLog(t, a, "client disconnected")
		log := a.log.String()
		if strings.Contains(log, "level=ERROR") || strings.Contains(log, "internal error") || strings.Contains(log, "私密") {
			t.Errorf("a disconnect was logged as an error or with the query:\n%s", log)
		}
	})
}

func waitLog(t *testing.T, a *app, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(a.log.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", want, a.log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the request line follow
}

// Cells holding the list separator of many locales (;) are quoted, and cells
// starting with a full-width formula character are defused like ASCII ones.
func TestCSVQuotingAndFullWidthFormulas(t *testing.T) {
	rec := report.Record{
		ID: "x-1", State: "＝HYPERLINK(\"http://evil\")", Activity: "＋1", Comment: "－2", Period: "＠SUM(A1)",
		SectionTitle: "a;b", Months: []string{"2006-06", "2006-07"}, Source: " lead",
	}
	a := newApp(t, &fakeSearcher{records: []report.Record{rec}}, Options{})
	body := strings.TrimPrefix(a.get(t, "/api/search.csv").Body.String(), utf8BOM)
	for _, want := range []string{`"a;b"`, `"2006-06;2006-07"`, `" lead"`, `"'＝HYPERLINK(""http://evil"")"`, ",'＋1,", ",'－2,", ",'＠SUM(A1),"} {
		if !strings.Contains(body, want) {
			t.Errorf("CSV lacks %s:\n%s", want, body)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 2 || len(rows[1]) != len(csvHeader) {
		t.Fatalf("rows %q, err %v", rows, err)
	}
}

// Pages, JSON and CSV are gzipped for clients that accept it, and only for
// them; the content is the same either way.
func TestCompression(t *testing.T) {
	a := sampleApp(t)
	for _, target := range []string{"/?q=条约", "/api/search?q=条约", "/api/search.csv", "/records/a62-ctbt-universality-001"} {
		t.Run(target, func(t *testing.T) {
			plain := a.get(t, target)
			req := httptest.NewRequest(http.MethodGet, target, nil)
			req.Header.Set("Accept-Encoding", "gzip, deflate, br")
			rec := httptest.NewRecorder()
			a.e.ServeHTTP(rec, req)
			if plain.Code != http.StatusOK || rec.Code != http.StatusOK {
				t.Fatalf("status %d / %d", plain.Code, rec.Code)
			}
			if plain.Header().Get("Content-Encoding") != "" {
				t.Errorf("compressed for a client that did not ask")
			}
			if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
				t.Fatalf("Content-Encoding %q, Vary %q", rec.Header().Get("Content-Encoding"), rec.Header().Get("Vary"))
			}
			if rec.Header().Get("Content-Type") != plain.Header().Get("Content-Type") {
				t.Errorf("Content-Type %q, uncompressed %q", rec.Header().Get("Content-Type"), plain.Header().Get("Content-Type"))
			}
			zipped := rec.Body.Len()
			zr, err := gzip.NewReader(rec.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(bufio.NewReader(zr))
			if err != nil {
				t.Fatal(err)
			}
			// Search answers carry their own timing, so only the others
			// can be compared byte for byte.
			if !strings.Contains(target, "?") && !bytes.Equal(got, plain.Body.Bytes()) {
				t.Errorf("gzipped body differs from the plain one")
			}
			if zipped*2 > len(got) {
				t.Errorf("%d bytes gzipped to %d", len(got), zipped)
			}
			t.Logf("%s: %d bytes, %d gzipped", target, len(got), zipped)
		})
	}
}

// Error logs leave the query text out, as the request log does: before, a
// timed-out search logged `search "私密检索词": context deadline exceeded`.
func TestErrorLogsLeaveOutQuery(t *testing.T) {
	a := newApp(t, sampleIndex(t), Options{RequestTimeout: time.Nanosecond})
	for _, target := range []string{"/api/search?q=私密检索词", "/?q=私密检索词", "/api/search.csv?q=私密检索词"} {
		if rec := a.get(t, target); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: %d, want 503", target, rec.Code)
		}
	}
	log := a.log.String()
	if !strings.Contains(log, "request timed out") {
		t.Fatalf("no timeout logged:\n%s", log)
	}
	if strings.Contains(log, "私密") || strings.Contains(log, "%E7%A7%81") {
		t.Errorf("the log records the query:\n%s", log)
	}
}
