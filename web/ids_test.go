package web

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ctbtsearch"
	"ctbtsearch/index"
	"ctbtsearch/report"
)

// Records of a report whose file name is not plain ASCII must open: every
// record link of the results page, the API and the report filter work for
// any file name the indexer accepts. Before, `第62届 报告.zh.txt` indexed 88
// records whose every link was a 404.
func TestRecordIDsFromAnyFileName(t *testing.T) {
	data, err := ctbtsearch.SampleReports.ReadFile(sampleReport)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"第62届 报告.zh.txt",
		"rapport d'été (v2).txt",
		"50% #1 ?&+=;,@$'!~.txt",
		"..leading-dots.txt",
		strings.Repeat("长", 80) + ".txt",  // 240 bytes of report id
		strings.Repeat("a", 250) + ".txt", // 250 characters
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := report.ParseReport("/reports/"+name, data, report.DefaultGazetteer())
			if err != nil {
				t.Fatal(err)
			}
			ix, err := index.NewMemory()
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			if err := ix.Add(context.Background(), nil, rep); err != nil {
				t.Fatal(err)
			}
			a := newApp(t, ix, Options{})
			srv := httptest.NewServer(a.e)
			defer srv.Close()
			get := func(path string) (int, string) {
				t.Helper()
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}

			// Every record link of a results page opens its record.
			code, page := get("/?size=100")
			if code != http.StatusOK {
				t.Fatalf("search page: %d", code)
			}
			links := map[string]bool{}
			for _, m := range regexp.MustCompile(`href="(/records/[^"?]+)`).FindAllStringSubmatch(page, -1) {
				links[html.UnescapeString(m[1])] = true
			}
			if len(links) != len(rep.Records) {
				t.Fatalf("%d distinct record links for %d records", len(links), len(rep.Records))
			}
			for l := range links {
				// An id decoded wrongly names no record: a 404.
				if code, _ := get(l); code != http.StatusOK {
					t.Fatalf("link %s: %d", l, code)
				}
			}

			// The API, with the id escaped as Go does and as other clients
			// may (lower-case hex, every byte escaped).
			id := rep.Records[7].ID
			for _, path := range []string{"/api/records/" + url.PathEscape(id), "/api/records/" + escapeAll(id, true), "/api/records/" + escapeAll(id, false)} {
				code, body := get(path)
				var rec report.Record
				if code != http.StatusOK || json.Unmarshal([]byte(body), &rec) != nil || rec.ID != id {
					t.Errorf("GET %s: %d %.200s", path, code, body)
				}
			}

			// The report filter, as its facet link gives it.
			v := url.Values{"report": {rep.ID}}
			code, body := get("/api/search?" + v.Encode())
			var res searchJSON
			if code != http.StatusOK || json.Unmarshal([]byte(body), &res) != nil || res.Total != uint64(len(rep.Records)) {
				t.Errorf("report filter: %d %.300s", code, body)
			}
		})
	}
}

// escapeAll %-escapes every byte of s, in lower or upper case hex.
func escapeAll(s string, lower bool) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		h := "0123456789ABCDEF"
		if lower {
			h = "0123456789abcdef"
		}
		b.WriteByte('%')
		b.WriteByte(h[c>>4])
		b.WriteByte(h[c&15])
	}
	return b.String()
}
