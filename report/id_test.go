package report

import "testing"

func TestRecordOrdinal(t *testing.T) {
	for _, tc := range []struct {
		name, report, id string
		want             int
		ok               bool
	}{
		{"first", "a62-x", "a62-x-001", 1, true},
		{"three digits", "a62-x", "a62-x-123", 123, true},
		{"past 999", "a62-x", "a62-x-1000", 1000, true},
		{"other report", "a62-x", "a63-x-001", 0, false},
		{"report id is a prefix of another", "a62-x", "a62-x-y-001", 0, false},
		{"unpadded", "a62-x", "a62-x-1", 0, false},
		{"zero", "a62-x", "a62-x-000", 0, false},
		{"sign", "a62-x", "a62-x-+01", 0, false},
		{"no ordinal", "a62-x", "a62-x", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := RecordOrdinal(tc.report, tc.id)
			if n != tc.want || ok != tc.ok {
				t.Errorf("RecordOrdinal(%q, %q) = %d, %v; want %d, %v", tc.report, tc.id, n, ok, tc.want, tc.ok)
			}
			if ok && RecordID(tc.report, n) != tc.id {
				t.Errorf("RecordID(%q, %d) = %q, want %q", tc.report, n, RecordID(tc.report, n), tc.id)
			}
		})
	}
}
