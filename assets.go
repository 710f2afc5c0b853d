// Package ctbtsearch holds the files that every binary of the project embeds:
// the Bleve index mapping, the country gazetteer, the search vocabulary and the
// bundled sample reports.
// Keeping them at the module root makes mapping.json the one source of truth
// that both cmd/indexer and cmd/search read.
package ctbtsearch

import "embed"

// MappingJSON is the Bleve index mapping (mapping.json).
//
//go:embed mapping.json
var MappingJSON []byte

// GazetteerCSV is the project's compact country gazetteer
// (data/gazetteer/states.csv, derived from UN sources; see data/gazetteer/README.md).
//
//go:embed data/gazetteer/states.csv
var GazetteerCSV []byte

// VocabularyFS holds the reviewed search vocabulary (data/vocabulary/*.csv:
// short forms and English names of bodies, English state names, English words
// for the reports' terms; sources in data/vocabulary/README.md).
//
//go:embed data/vocabulary/*.csv
var VocabularyFS embed.FS

// SampleReports holds the bundled sample reports under data/reports.
//
//go:embed data/reports
var SampleReports embed.FS
