package report

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxRecordIDBytes bounds a record id: a report id, which is a file name up
// to its first dot (at most 255 bytes on common file systems), then "-" and
// an ordinal: "a62-ctbt-universality-017", "第62届 报告-017".
const MaxRecordIDBytes = 255 + 16

// RecordID is the id of the ordinal-th row (from 1) of the report reportID:
// the report id, "-" and the ordinal in at least three digits, so that ids
// sort in table order within a report of up to 999 rows.
func RecordID(reportID string, ordinal int) string {
	return fmt.Sprintf("%s-%03d", reportID, ordinal)
}

// RecordOrdinal is the inverse of RecordID for a record of report reportID:
// the row's ordinal, or false when id is not a row id of that report.
func RecordOrdinal(reportID, id string) (int, bool) {
	rest, ok := strings.CutPrefix(id, reportID+"-")
	if !ok || len(rest) < 3 {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || RecordID(reportID, n) != id {
		return 0, false
	}
	return n, true
}
