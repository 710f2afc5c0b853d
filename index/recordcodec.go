package index

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"ctbtsearch/report"
)

// Each hit's record is read back from its stored field, twenty per page.
// Stored as JSON, decoding was a quarter of a served search's CPU (14 µs a
// record with encoding/json, measured with ctbtbench search -mix product on
// 10k records). Records are now stored in a small binary form, decoded in
// one pass with one string allocation; indexes built before it hold JSON,
// which is still read (a JSON record starts with '{').

// recordFormat is the first byte of a record in the binary form.
const recordFormat byte = 1

// encodeRecord writes r in the binary form: the format byte, then every
// field in declaration order — strings as a length and bytes, the session
// as a number, Annex 2 as a byte, lists as their length plus one (0 for a
// nil list) and their strings.
func encodeRecord(r *report.Record) []byte {
	b := make([]byte, 0, 64+len(r.Activity)+len(r.Comment)+len(r.Period)+len(r.SectionTitle))
	b = append(b, recordFormat)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	list := func(ss []string) {
		if ss == nil {
			b = binary.AppendUvarint(b, 0)
			return
		}
		b = binary.AppendUvarint(b, uint64(len(ss))+1)
		for _, s := range ss {
			str(s)
		}
	}
	str(r.ID)
	str(r.Report)
	b = binary.AppendVarint(b, int64(r.Session))
	str(r.Section)
	str(r.SectionTitle)
	str(r.State)
	str(r.StateCode)
	if r.Annex2 {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	str(r.Period)
	str(r.Start)
	str(r.End)
	list(r.Months)
	str(r.Activity)
	str(r.Comment)
	list(r.Footnotes)
	str(r.Source)
	return b
}

var errRecordTruncated = errors.New("stored record: truncated")

// decodeRecord reads a stored record, binary or JSON.
func decodeRecord(raw []byte) (report.Record, error) {
	if len(raw) > 0 && raw[0] == '{' {
		var r report.Record
		if err := json.Unmarshal(raw, &r); err != nil {
			return report.Record{}, fmt.Errorf("stored record: %w", err)
		}
		return r, nil
	}
	if len(raw) == 0 || raw[0] != recordFormat {
		return report.Record{}, errors.New("stored record: unknown format")
	}
	// One string for all fields: each field is a substring of it (so a
	// field kept alone keeps the whole record's text alive; records are
	// shown and dropped, never kept).
	all := string(raw)
	at := 1
	failed := false
	uvarint := func() uint64 {
		v, n := binary.Uvarint(raw[at:])
		if n <= 0 {
			failed = true
			return 0
		}
		at += n
		return v
	}
	str := func() string {
		n := uvarint()
		if failed || n > uint64(len(raw)-at) {
			failed = true
			return ""
		}
		s := all[at : at+int(n)]
		at += int(n)
		return s
	}
	list := func() []string {
		n := uvarint()
		if failed || n == 0 {
			return nil
		}
		n--
		if n > uint64(len(raw)-at) { // every string takes a byte at least
			failed = true
			return nil
		}
		out := make([]string, n)
		for i := range out {
			out[i] = str()
		}
		return out
	}
	var r report.Record
	r.ID = str()
	r.Report = str()
	session, n := binary.Varint(raw[min(at, len(raw)):])
	if n <= 0 {
		return report.Record{}, errRecordTruncated
	}
	at += n
	r.Session = int(session)
	r.Section = str()
	r.SectionTitle = str()
	r.State = str()
	r.StateCode = str()
	if failed || at >= len(raw) {
		return report.Record{}, errRecordTruncated
	}
	if raw[at] > 1 {
		return report.Record{}, errors.New("stored record: damaged (Annex 2 flag)")
	}
	r.Annex2 = raw[at] == 1
	at++
	r.Period = str()
	r.Start = str()
	r.End = str()
	r.Months = list()
	r.Activity = str()
	r.Comment = str()
	r.Footnotes = list()
	r.Source = str()
	if failed {
		return report.Record{}, errRecordTruncated
	}
	if at != len(raw) {
		return report.Record{}, errors.New("stored record: trailing bytes")
	}
	return r, nil
}
