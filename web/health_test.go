package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

// damagedIndex is the sample index reporting damage, as index.Live does
// once it finds a file of the generation in service damaged.
type damagedIndex struct {
	Searcher
	damage error
}

func (d damagedIndex) Health() error { return d.damage }

func TestHealthzReportsDamage(t *testing.T) {
	for _, tc := range []struct {
		name       string
		damage     error
		wantStatus int
		want       healthJSON
	}{
		{"sound", nil, http.StatusOK, healthJSON{Status: "ok", Version: "v1.2.3", Revision: "abc123"}},
		{"damaged", errors.New("index generation gen-1 is damaged: shard-0/store/0002.zap: 10 bytes, published with 20"),
			http.StatusServiceUnavailable, healthJSON{Status: "degraded", Version: "v1.2.3", Revision: "abc123",
				Reason: "index generation gen-1 is damaged: shard-0/store/0002.zap: 10 bytes, published with 20"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := sampleIndex(t)
			a := newApp(t, damagedIndex{ix, tc.damage}, Options{Version: "v1.2.3", Revision: "abc123"})
			rec := a.get(t, "/healthz")
			var got healthJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
			}
			tc.want.Documents = ix.DocCount()
			if rec.Code != tc.wantStatus || got != tc.want {
				t.Errorf("/healthz = %d %+v, want %d %+v", rec.Code, got, tc.wantStatus, tc.want)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}
