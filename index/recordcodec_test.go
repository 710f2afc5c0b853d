package index

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"ctbtsearch/report"
)

// fullRecord has every field of report.Record set to a distinct value, by
// reflection, so a field added to Record and forgotten by the codec fails
// TestRecordCodecRoundTrip.
func fullRecord(t *testing.T) report.Record {
	t.Helper()
	var r report.Record
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + "：附件2国家 «x» \x00")
		case reflect.Int:
			f.SetInt(int64(60 + i))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name + "1", "", name + "3"}))
		default:
			t.Fatalf("report.Record.%s is a %s: teach encodeRecord and decodeRecord about it", name, f.Kind())
		}
	}
	return r
}

func TestRecordCodecRoundTrip(t *testing.T) {
	full := fullRecord(t)
	cases := []struct {
		name string
		rec  report.Record
	}{
		{"every field", full},
		{"zero", report.Record{}},
		{"empty lists", report.Record{ID: "a-1", Months: []string{}, Footnotes: []string{}}},
		{"negative session", report.Record{Session: -3}},
		{"long text", report.Record{Activity: string(make([]rune, 5000))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := decodeRecord(encodeRecord(&c.rec))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.rec) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, c.rec)
			}
		})
	}
}

// TestRecordCodecReadsJSON: indexes built before the binary form keep
// their records readable.
func TestRecordCodecReadsJSON(t *testing.T) {
	want := fullRecord(t)
	raw, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON record read as %#v", got)
	}
}

func TestRecordCodecRefusesDamage(t *testing.T) {
	full := fullRecord(t)
	raw := encodeRecord(&full)
	cases := map[string][]byte{
		"empty":          nil,
		"unknown format": {7, 1, 2},
		"trailing bytes": append(append([]byte{}, raw...), 0),
		"bad JSON":       []byte(`{"id":`),
	}
	for n := 1; n < len(raw); n += 7 {
		cases[fmt.Sprintf("cut at %d", n)] = raw[:n]
	}
	for name, b := range cases {
		if _, err := decodeRecord(b); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	r := report.Record{ID: "a62-1", Months: []string{"2007-01"}, Activity: "批准《条约》", Footnotes: []string{"脚注"}}
	f.Add(encodeRecord(&r))
	f.Add([]byte(`{"id":"x"}`))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b) // must not panic
		if err != nil {
			return
		}
		again, err := decodeRecord(encodeRecord(&rec))
		if err != nil || !reflect.DeepEqual(again, rec) {
			t.Errorf("%q decodes to %#v, which does not round-trip: %#v, %v", b, rec, again, err)
		}
	})
}

// BenchmarkDecodeRecord: reading a hit's stored record, in the binary form
// and in the JSON of older indexes (20 per page).
//
//	go test ./index -run XXX -bench DecodeRecord
func BenchmarkDecodeRecord(b *testing.B) {
	r := report.Record{ID: "a62-ctbt-universality-0042", Report: "a62-ctbt-universality", Session: 62, Section: "1(a)",
		SectionTitle: "与附件2国家有关的活动", State: "中国", StateCode: "CHN", Annex2: true, Period: "2006年6月至2007年5月",
		Start: "2006-06-01", End: "2007-05-31", Months: []string{"2006-06", "2006-07", "2006-08"},
		Activity: strings.Repeat("全面禁止核试验条约组织筹备委员会执行秘书访问北京，讨论《条约》生效问题。", 4),
		Comment:  "双边会议", Footnotes: []string{"见A/62/173号文件。"}, Source: "a62-ctbt-universality.zh.txt:120"}
	bin := encodeRecord(&r)
	js, err := json.Marshal(r)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		raw  []byte
	}{{"binary", bin}, {"json", js}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			for b.Loop() {
				if _, err := decodeRecord(c.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
