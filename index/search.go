package index

import (
	"errors"
	"time"

	"ctbtsearch/report"
)

// Limits on a search request. They protect the server from requests that
// would cost far more than any person needs; the web layer relies on Search
// to enforce them.
const (
	MaxQueryRunes   = 512   // longer queries are pasted documents, not searches
	DefaultPageSize = 20    // what one screen of results shows
	MaxPageSize     = 100   // beyond this, use the CSV export
	MaxPage         = 1000  // deep pages are never read; they only cost
	MaxFilterValues = 50    // values per filter, e.g. states ticked at once
	MaxExportRows   = 10000 // rows of one CSV export
	// MaxReportFacetValues caps the report facet, newest first: unlike
	// states and months, reports grow without bound with the collection,
	// and a thousand-entry list helps nobody choose.
	MaxReportFacetValues = 60
	// MonthFacetMaxYears is the widest span of years, first to last, over
	// which a result carries its month facet. Beyond it a chart by month
	// has dozens of rows nobody reads, and the facet was most of the
	// response (82 KB of 110 KB at 1,380 months); the year facet takes over.
	MonthFacetMaxYears = 2
)

// Sort orders accepted in Request.Sort.
const (
	SortRelevance = "relevance" // best match first; the default when there is a query
	SortNewest    = "newest"    // latest period first; the default without a query
	SortOldest    = "oldest"
)

// Request is one search: free text plus filters. Each filter holds values that
// are ORed; different filters are ANDed.
type Request struct {
	Query   string
	States  []string // canonical state names (as in report.Record.State); names people type are accepted too
	Section []string // "1(a)" …
	Months  []string // "YYYY-MM"
	Reports []string // report ids
	Years   []string // "YYYY": records whose period touches one of these calendar years
	Sort    string   // "" picks relevance with a query and newest without
	Page    int      // 1-based; 0 means 1
	Size    int      // 0 means DefaultPageSize
}

// HasFilters reports whether any filter narrows the request. Every filter
// counts here, so that a filter added later is not forgotten by one caller.
func (r Request) HasFilters() bool {
	return len(r.States)+len(r.Section)+len(r.Months)+len(r.Reports)+len(r.Years) > 0
}

// Result is one page of hits with facet counts.
type Result struct {
	// Request is the request as understood: defaults filled in, section
	// codes normalised, states by their canonical names (英国 becomes
	// 大不列颠及北爱尔兰联合王国), as facet values name them.
	Request    Request
	Query      string
	Total      uint64
	Took       time.Duration
	Page, Size int
	Sort       string
	Hits       []Hit
	Facets     Facets
	Expansions []Expansion // how the query was understood, for explaining it to the user
	// FirstYear and LastYear are the earliest and latest calendar years the
	// matching records' periods touch; 0 when nothing matched. The span
	// decides whether Facets.Month is filled (see MonthFacetMaxYears).
	FirstYear, LastYear int
	// Suggestions are queries like this one that find more, offered when
	// it finds nothing or very little: closest known names and words of
	// the index first. The query itself is never rewritten.
	Suggestions []Suggestion
}

// Suggestion is a did-you-mean query.
type Suggestion struct {
	Query string // the whole query with one word replaced
	Word  string // the word suggested
	Total uint64 // how many records it finds
}

// Hit is a record that matched, with its score and highlighted fragments.
type Hit struct {
	report.Record
	Score float64
	// Highlights maps a text field ("activity", "comment", "footnotes") to
	// HTML fragments: text escaped, matches wrapped in <mark>…</mark>.
	Highlights map[string][]string
	// FootnotesMarked holds each footnote whole, as HTML like Highlights,
	// in the order of Footnotes; nil when no footnote matches.
	FootnotesMarked []string
	// SectionOnly: the record matched only through its section's title or
	// what its section stands for (1(a) lists activities about Annex 2
	// states), not through its own text. Such hits come after the others.
	SectionOnly bool
	// Reasons say, one short line each, why the record matched where its
	// highlighted text does not show it: the state's own row, 《条约》 for
	// the Treaty, the section …
	Reasons []string
}

// Facets holds the counts per value of each facet field. Counts are
// disjunctive: a facet's counts ignore the facet's own filter, so the user
// sees what else could be selected.
type Facets struct {
	State   []FacetValue
	Section []FacetValue
	// Month holds the months of the years the matching records span, and
	// only when they span at most MonthFacetMaxYears years; otherwise just
	// the selected months, and Year is the one to chart.
	Month  []FacetValue
	Report []FacetValue
	Year   []FacetValue // "YYYY": a record counts in every year its period touches
}

// FacetValue is one value of a facet and the number of matching records.
type FacetValue struct {
	Value    string
	Label    string // human label: the section's title, the state's English name
	Count    int
	Selected bool
	Annex2   bool // for states: one of the 44 Annex 2 states
}

// Expansion tells the user how a query word was understood.
type Expansion struct {
	Term     string   // as typed
	Variants []string // what was searched in addition, e.g. 英国 → 大不列颠及北爱尔兰联合王国
}

// RequestError is a problem with a request that the person who sent it can
// fix; its message is meant for them.
type RequestError struct {
	Param string // the request parameter at fault: "q", "page", …
	Msg   string
}

func (e *RequestError) Error() string { return e.Param + ": " + e.Msg }

// ErrNotFound is returned for an unknown record id.
var ErrNotFound = errors.New("record not found")

// SectionTitles are the titles of the four sections of every report's annex.
var SectionTitles = map[string]string{
	"1(a)": "与附件2国家有关的活动",
	"1(b)": "与非附件2国家有关的活动",
	"2(a)": "全球",
	"2(b)": "区域",
}
