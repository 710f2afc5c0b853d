package index

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	bindex "github.com/blevesearch/bleve_index_api"

	"ctbtsearch/report"
)

// TestRecordsLiveBesideTheShards: a published generation keeps its records
// in record files, not in Bleve's segments, and every record reads back as
// it was indexed, by search and by id, from two shards.
func TestRecordsLiveBesideTheShards(t *testing.T) {
	a62, a64 := testReports(t)
	loc := filepath.Join(t.TempDir(), "index")
	publishShards(t, loc, 2, a62, a64)
	ix, gen, err := OpenCurrent(loc)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for i := range 2 {
		for _, f := range []string{"records-%d", "records-%d.idx"} {
			name := strings.Replace(f, "%d", string(rune('0'+i)), 1)
			if st, err := os.Stat(filepath.Join(gen, name)); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v (want a file with content)", name, err)
			}
		}
	}
	want := map[string]report.Record{}
	for _, rep := range []*report.Report{a62, a64} {
		for _, r := range rep.Records {
			want[r.ID] = r
		}
	}
	res, err := ix.Search(t.Context(), Request{Size: MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if int(res.Total) != len(want) || len(res.Hits) != min(len(want), MaxPageSize) {
		t.Fatalf("%d of %d records, %d hits; want %d", res.Total, len(want), len(res.Hits), len(want))
	}
	for _, h := range res.Hits {
		if !reflect.DeepEqual(h.Record, want[h.Record.ID]) {
			t.Errorf("hit %s: %+v, indexed %+v", h.Record.ID, h.Record, want[h.Record.ID])
		}
	}
	for id, w := range want {
		got, err := ix.Record(t.Context(), id)
		if err != nil || !reflect.DeepEqual(got, w) {
			t.Errorf("Record(%s) = %+v, %v; want %+v", id, got, err, w)
		}
	}
	if _, err := ix.Record(t.Context(), "a62-ctbt-universality-999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown id: %v, want ErrNotFound", err)
	}
	// Nothing of the record is left in Bleve's stored fields.
	cols, release, err := ix.shards[0].snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ext, err := cols.reader.ExternalID(bindex.NewIndexInternalID(nil, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadStoredRecord(cols.reader, ext); err == nil {
		t.Errorf("document %s still has a stored record", ext)
	}
}

// publishShards publishes reports as an index of the given number of
// shards, one or two (Publish chooses by size: one for so few records; the
// count PublishStream is told decides it), and returns the generation.
func publishShards(t *testing.T, loc string, shards int, reports ...*report.Report) string {
	t.Helper()
	records := 0
	for _, r := range reports {
		records += len(r.Records)
	}
	if shards > 1 {
		records = shardThreshold
	}
	if n := ShardsFor(records); n != shards {
		t.Fatalf("%d shards, want %d", n, shards)
	}
	gen, err := PublishStream(t.Context(), loc, records, func(yield func(*report.Report, error) bool) {
		for _, r := range reports {
			if !yield(r, nil) {
				return
			}
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

// TestOlderGenerationRecords: a generation built before the record files,
// with each record in a stored field of Bleve's, is still read: an
// operator's index is served, with a warning, until it is rebuilt. The
// fixture was built by commit 84df2b5 (scripts/make-old-generation.sh).
func TestOlderGenerationRecords(t *testing.T) {
	gen := filepath.Join(t.TempDir(), "gen")
	if err := os.CopyFS(gen, os.DirFS("testdata/gen-records-in-bleve")); err != nil {
		t.Fatal(err)
	}
	if err := VerifyGeneration(gen, true); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(gen)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Fingerprint() == MappingFingerprint() {
		t.Errorf("the old generation has this version's fingerprint: a server would not warn that it needs a rebuild")
	}
	res, err := ix.Search(t.Context(), Request{Query: "条约"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total == 0 || len(res.Hits) == 0 {
		t.Fatalf("条约: %d hits in the old generation", res.Total)
	}
	for _, h := range res.Hits {
		if h.Record.ID == "" || h.Record.Report != "a62-ctbt-universality" || h.Record.Activity == "" && h.Record.Comment == "" {
			t.Errorf("hit without its record: %+v", h.Record)
		}
	}
	rec, err := ix.Record(t.Context(), res.Hits[0].Record.ID)
	if err != nil || !reflect.DeepEqual(rec, res.Hits[0].Record) {
		t.Errorf("Record(%s) = %+v, %v; want the hit's record", res.Hits[0].Record.ID, rec, err)
	}
}

// TestRecordIndexDamage: a damaged records index is refused with an error
// that says what is wrong, never read past or trusted.
func TestRecordIndexDamage(t *testing.T) {
	good := func() []byte {
		p := filepath.Join(t.TempDir(), "idx")
		if err := writeRecordIndex(p, map[string][]recordRef{"a62": {recordRef(0<<recordLenBits | 10), 0, recordRef(10<<recordLenBits | 5)}}); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}()
	if refs, err := decodeRecordIndex(good, 15); err != nil || len(refs["a62"]) != 3 || refs["a62"][2].offset() != 10 || refs["a62"][2].length() != 5 {
		t.Fatalf("the good index reads as %v, %v", refs, err)
	}
	cases := []struct {
		name string
		raw  []byte
		size int64
		want string
	}{
		{"another format", append([]byte("ctbt-records-9\n"), good[len(recordIndexMagic):]...), 15, "not a records index of this version"},
		{"empty", nil, 15, "not a records index"},
		{"cut short", good[:len(good)-1], 15, "ends early"},
		{"a row past the end of the records", good, 14, "row 3 of report a62 lies outside the records file"},
		{"bytes after the last report", append(append([]byte{}, good...), 0), 15, "bytes after the last report"},
		{"a huge count", append([]byte(recordIndexMagic), 0xff, 0xff, 0xff, 0xff, 0x0f), 15, "bad report count"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeRecordIndex(c.raw, c.size)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// TestDamagedRecordIndexRefusesTheGeneration: opening names the file.
func TestDamagedRecordIndexRefusesTheGeneration(t *testing.T) {
	a62, _ := testReports(t)
	gen := publishShards(t, filepath.Join(t.TempDir(), "index"), 1, a62)
	idx := filepath.Join(gen, "records-0.idx")
	raw, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idx, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if ix, err := Open(gen); err == nil || !strings.Contains(err.Error(), "records-0.idx") {
		if ix != nil {
			ix.Close()
		}
		t.Errorf("open: %v, want an error naming records-0.idx", err)
	}
}

// FuzzDecodeRecordIndex: any bytes give an index whose every row lies in
// the records file, or an error; never a panic.
func FuzzDecodeRecordIndex(f *testing.F) {
	f.Add([]byte(recordIndexMagic+"\x01\x03a62\x02\x0a\x00"), int64(100))
	f.Add([]byte(recordIndexMagic), int64(0))
	f.Fuzz(func(t *testing.T, raw []byte, size int64) {
		refs, err := decodeRecordIndex(raw, size)
		if err != nil {
			return
		}
		for id, rs := range refs {
			for i, r := range rs {
				if r != 0 && (r.length() == 0 || r.offset() < 0 || r.offset()+int64(r.length()) > size) {
					t.Fatalf("report %s row %d: %d bytes at %d, records file %d bytes", id, i+1, r.length(), r.offset(), size)
				}
			}
		}
	})
}

// TestRecordsOfAnIndexBeingBuilt: records still in the write buffer of an
// index being built are read all the same.
func TestRecordsOfAnIndexBeingBuilt(t *testing.T) {
	a62, a64 := testReports(t)
	ix, err := Create(filepath.Join(t.TempDir(), "gen"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, rep := range []*report.Report{a62, a64} {
		if err := ix.Add(t.Context(), nil, rep); err != nil {
			t.Fatal(err)
		}
		if ix.shards[0].records.w.Buffered() == 0 {
			t.Fatalf("nothing buffered after adding %s: the test would not test reading the buffer", rep.ID)
		}
		last := rep.Records[len(rep.Records)-1]
		got, err := ix.Record(t.Context(), last.ID)
		if err != nil || !reflect.DeepEqual(got, last) {
			t.Errorf("Record(%s) = %+v, %v; want %+v", last.ID, got, err, last)
		}
	}
}

// TestRecordFilesDamage: record files that cannot give a record the index
// has are damage (ErrDamaged, naming the file), and a generation missing
// one of its record files is refused, naming it.
func TestRecordFilesDamage(t *testing.T) {
	a62, _ := testReports(t)
	last := a62.Records[len(a62.Records)-1]
	publish := func(t *testing.T) string {
		return publishShards(t, filepath.Join(t.TempDir(), "index"), 1, a62)
	}
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, gen string)
		want   string // in the error of reading the last record
	}{
		{"cut short", func(t *testing.T, gen string) {
			p := filepath.Join(gen, "records-0")
			st, _ := os.Stat(p)
			if err := os.Truncate(p, st.Size()-10); err != nil {
				t.Fatal(err)
			}
		}, "records-0: EOF"},
		{"a byte of a text changed", func(t *testing.T, gen string) {
			p := filepath.Join(gen, "records-0")
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			// The last record's activity, which decodes all the same.
			at := strings.LastIndex(string(raw), last.Activity)
			if at < 0 || len(last.Activity) < 3 {
				t.Fatalf("the last record's activity is not in the file")
			}
			raw[at+len(last.Activity)-3] ^= 0x01 // inside the last character: still UTF-8
			if err := os.WriteFile(p, raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "records-0: checksum mismatch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			gen := publish(t)
			ix, err := Open(gen)
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			c.damage(t, gen) // in service
			_, err = ix.Record(t.Context(), last.ID)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Record(%s): %v; want damage saying %q", last.ID, err, c.want)
			}
			if rec, err := ix.Record(t.Context(), a62.Records[0].ID); err != nil || rec.ID != a62.Records[0].ID {
				t.Errorf("an undamaged record: %v, %v", rec.ID, err)
			}
		})
	}
	t.Run("cut short before opening", func(t *testing.T) {
		gen := publish(t)
		p := filepath.Join(gen, "records-0")
		st, _ := os.Stat(p)
		if err := os.Truncate(p, st.Size()-10); err != nil {
			t.Fatal(err)
		}
		if ix, err := Open(gen); err == nil || !strings.Contains(err.Error(), "lies outside the records file") {
			if ix != nil {
				ix.Close()
			}
			t.Errorf("open: %v, want the refusal saying a row lies outside the records file", err)
		}
	})
	for _, missing := range []string{"records-0", "records-0.idx"} {
		t.Run(missing+" missing", func(t *testing.T) {
			gen := publish(t)
			if err := os.Remove(filepath.Join(gen, missing)); err != nil {
				t.Fatal(err)
			}
			if ix, err := Open(gen); err == nil || !strings.Contains(err.Error(), missing) {
				if ix != nil {
					ix.Close()
				}
				t.Errorf("open: %v, want an error naming %s", err, missing)
			}
		})
	}
}

// TestReportIndexedAgainWhileSearching: a search holding a snapshot from
// before a report was indexed again, its rows in another order, gets an
// error for those rows, never another row's record.
func TestReportIndexedAgainWhileSearching(t *testing.T) {
	a62, _ := testReports(t)
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if err := ix.Add(t.Context(), nil, a62); err != nil {
		t.Fatal(err)
	}
	cols, release, err := ix.shards[0].snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	docOf := map[string]uint64{}
	for d := range uint64(len(cols.state)) {
		rec, err := loadRecord(cols, bindex.NewIndexInternalID(nil, d))
		if err != nil {
			t.Fatal(err)
		}
		docOf[rec.ID] = d
	}
	again := *a62
	again.Records = slices.Clone(a62.Records)
	again.Records[0], again.Records[1] = again.Records[1], again.Records[0]
	if err := ix.Add(t.Context(), nil, &again); err != nil {
		t.Fatal(err)
	}
	for _, r := range a62.Records[:2] {
		rec, err := loadRecord(cols, bindex.NewIndexInternalID(nil, docOf[r.ID]))
		if err == nil && rec.ID != r.ID {
			t.Errorf("document of %s shows %s", r.ID, rec.ID)
		}
		if err == nil || !strings.Contains(err.Error(), "indexed again") {
			t.Errorf("document of %s in the old snapshot: %v, want the error saying its report was indexed again", r.ID, err)
		}
	}
	if rec, err := loadRecord(cols, bindex.NewIndexInternalID(nil, docOf[a62.Records[2].ID])); err != nil || rec.ID != a62.Records[2].ID {
		t.Errorf("a row that kept its place: %s, %v", rec.ID, err)
	}
}

// TestAddRefusesARecordOfAnotherReport: the record files find a record by
// its report and place, so a record naming another report is refused.
func TestAddRefusesARecordOfAnotherReport(t *testing.T) {
	a62, _ := testReports(t)
	bad := *a62
	bad.Records = slices.Clone(a62.Records)
	bad.Records[3].Report = "a64-ctbt-universality"
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	err = ix.Add(t.Context(), nil, &bad)
	if err == nil || !strings.Contains(err.Error(), bad.Records[3].Source) || !strings.Contains(err.Error(), "a64-ctbt-universality") {
		t.Errorf("add: %v, want an error naming the record's source and the report it names", err)
	}
}
