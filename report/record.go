// Package report reads the Secretary-General's CTBT universality reports
// into activity records: decoding the file, parsing the annex table, periods,
// sections and footnotes, and naming states through the gazetteer. Reports
// come as text, PDF (pdf.go, layout.go: the table rebuilt from positioned
// characters) or DOCX (docx.go), recognised by content (format.go); PDF and
// DOCX are turned into the text form's lines and read by the one parser. It
// knows nothing of Bleve or HTTP; package index builds the search engine on
// its records.
package report

// Record is one activity row of a report's annex table: what a state did,
// when, and in which section of the report it is listed. Its JSON form is the
// contract of `indexer -dump` and of the search API.
type Record struct {
	ID           string   `json:"id"`            // stable: report id + "-" + ordinal within the report
	Report       string   `json:"report"`        // report id: the file name up to its first dot (e.g. "a62-ctbt-universality")
	Session      int      `json:"session"`       // General Assembly session, e.g. 62
	Section      string   `json:"section"`       // "1(a)", "1(b)", "2(a)" or "2(b)"
	SectionTitle string   `json:"section_title"` // e.g. "与附件2国家有关的活动"
	State        string   `json:"state"`         // canonical UN Chinese short name, or the name as written when unknown
	StateCode    string   `json:"state_code"`    // ISO 3166-1 alpha-3, "" when the state is unknown
	Annex2       bool     `json:"annex2"`        // the state is one of the 44 states of the Treaty's Annex 2
	Period       string   `json:"period"`        // as printed, whitespace-normalised
	Start        string   `json:"start"`         // first day covered, YYYY-MM-DD
	End          string   `json:"end"`           // last day covered, YYYY-MM-DD
	Months       []string `json:"months"`        // every calendar month the period touches, YYYY-MM
	Activity     string   `json:"activity"`
	Comment      string   `json:"comment"`
	Footnotes    []string `json:"footnotes"` // texts of the footnotes whose markers appear in the row
	Source       string   `json:"source"`    // file:line of the row's first line; file:p.3 (page) for PDF, file:row 12 for DOCX
}
