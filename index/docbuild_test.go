package index

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"ctbtsearch"

	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
)

// The documents docBuilder makes are those of Bleve's mapping walk, field
// for field, analysed tokens included, for the project's mapping and for
// mappings that change what it resolves once (analyzers, names, options,
// the _all field).
func TestDocBuilderMatchesMappingWalk(t *testing.T) {
	a62, a64 := testReports(t)
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, tc := range []struct {
		name string
		edit func(props map[string]any, root map[string]any)
	}{
		{"project mapping", func(map[string]any, map[string]any) {}},
		{"other analyzer, stored", func(props, _ map[string]any) {
			f := firstField(props, "activity")
			f["analyzer"] = "standard"
			f["store"] = true
		}},
		{"renamed field, no term vectors", func(props, _ map[string]any) {
			f := firstField(props, "comment")
			f["name"] = "remark"
			f["include_term_vectors"] = false
			delete(props, "comment_words") // its words are found by the term vectors
		}},
		{"property default analyzer", func(props, _ map[string]any) {
			delete(firstField(props, "footnotes"), "analyzer")
			props["footnotes"].(map[string]any)["default_analyzer"] = "standard"
		}},
		{"document default analyzer", func(props, root map[string]any) {
			delete(firstField(props, "state_code"), "analyzer")
			root["default_mapping"].(map[string]any)["default_analyzer"] = "standard"
		}},
		{"index default analyzer", func(props, _ map[string]any) {
			delete(firstField(props, "state"), "analyzer") // keyword, then cjk
		}},
		{"_all enabled, one field in it", func(props, _ map[string]any) {
			props["_all"].(map[string]any)["enabled"] = true
			firstField(props, "footnotes")["include_in_all"] = true
		}},
		{"disabled property", func(props, _ map[string]any) {
			props["mentions"].(map[string]any)["enabled"] = false
		}},
		{"two fields for one property", func(props, _ map[string]any) {
			p := props["state"].(map[string]any)
			second := map[string]any{}
			for k, v := range firstField(props, "state") {
				second[k] = v
			}
			second["name"] = "state_text"
			second["analyzer"] = "cjk"
			p["fields"] = append(p["fields"].([]any), second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := editedMapping(t, tc.edit)
			b, err := newDocBuilder(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, r := range append(slices.Clone(a62.Records), a64.Records...) {
				values, err := ix.document(&r, 1)
				if err != nil {
					t.Fatal(err)
				}
				walked := document.NewDocument(r.ID)
				if err := m.MapDocument(walked, map[string]any(values)); err != nil {
					t.Fatal(err)
				}
				built, err := b.build(r.ID, values)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := dumpDocument(built), dumpDocument(walked); got != want {
					t.Fatalf("%s: built document differs from the mapping walk's:\n%s", r.Source, diffLines(got, want))
				}
				n++
			}
			if n < 100 {
				t.Fatalf("compared %d documents; the fixtures should give over 100", n)
			}
		})
	}
}

// A mapping that types a field against its values is refused when loaded,
// not indexed as nothing.
func TestLoadMappingRefusesMistypedFields(t *testing.T) {
	for _, tc := range []struct {
		name, field, typ string
	}{
		{"date as datetime", "start", "datetime"},
		{"text as date", "activity", "datetime"},
		{"keyword as number", "state", "number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := editedMappingJSON(t, func(props, _ map[string]any) {
				firstField(props, tc.field)["type"] = tc.typ
			})
			_, err := LoadMapping(data)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.field)) {
				t.Fatalf("LoadMapping = %v, want an error naming %q", err, tc.field)
			}
		})
	}
}

// A mapping with document types is refused: the walk would choose a mapping
// by a field's value; and a value of the wrong kind for its field is an
// error naming the field, not a field indexed as nothing.
func TestDocBuilderRefusesWhatItCannotBuild(t *testing.T) {
	data := editedMappingJSON(t, func(_, root map[string]any) {
		root["types"] = map[string]any{"report": root["default_mapping"]}
	})
	if _, err := LoadMapping(data); err == nil || !strings.Contains(err.Error(), "types") {
		t.Errorf("LoadMapping with types = %v, want an error about types", err)
	}
	ix, err := NewMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	b, err := newDocBuilder(ix.mapping, ix.words.list)
	if err != nil {
		t.Fatal(err)
	}
	a62, _ := testReports(t)
	r := &a62.Records[0]
	good, err := ix.document(r, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.build(r.ID, good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		field string
		value any
	}{
		{"time for a date", "start", time.Date(2007, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"date for text", "activity", time.Now()},
		{"number", "session", 62},
		{"missing", "months", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			values := maps.Clone(good)
			values[tc.field] = tc.value
			if tc.value == nil {
				delete(values, tc.field)
			}
			_, err := b.build(r.ID, values)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.field)) {
				t.Errorf("build = %v, want an error naming %q", err, tc.field)
			}
		})
	}
}

func firstField(props map[string]any, name string) map[string]any {
	return props[name].(map[string]any)["fields"].([]any)[0].(map[string]any)
}

func editedMappingJSON(t *testing.T, edit func(props, root map[string]any)) []byte {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(ctbtsearch.MappingJSON, &root); err != nil {
		t.Fatal(err)
	}
	props := root["default_mapping"].(map[string]any)["properties"].(map[string]any)
	edit(props, root)
	data, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func editedMapping(t *testing.T, edit func(props, root map[string]any)) *mapping.IndexMappingImpl {
	t.Helper()
	m, err := LoadMapping(editedMappingJSON(t, edit))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// dumpDocument writes a document's fields in a canonical order (the walk
// visits a map's keys in random order): name, array positions, options,
// value, and the analysed length and token frequencies.
func dumpDocument(d *document.Document) string {
	var lines []string
	for _, f := range d.Fields {
		f.Analyze()
		lines = append(lines, fmt.Sprintf("%s%v opts=%v len=%d value=%q tokens=%v",
			f.Name(), f.ArrayPositions(), f.Options(), f.AnalyzedLength(), f.Value(), dumpFrequencies(f.AnalyzedTokenFrequencies())))
		for _, c := range d.CompositeFields {
			c.Compose(f.Name(), f.AnalyzedLength(), f.AnalyzedTokenFrequencies())
		}
	}
	for _, c := range d.CompositeFields {
		lines = append(lines, fmt.Sprintf("composite %s opts=%v len=%d tokens=%v",
			c.Name(), c.Options(), c.AnalyzedLength(), dumpFrequencies(c.AnalyzedTokenFrequencies())))
	}
	slices.Sort(lines)
	var b bytes.Buffer
	fmt.Fprintf(&b, "id=%s indexed=%v\n", d.ID(), d.Indexed())
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

func dumpFrequencies(freqs bindex.TokenFrequencies) []string {
	var tf []string
	for term, freq := range freqs {
		var locs []string
		for _, l := range freq.Locations {
			locs = append(locs, fmt.Sprintf("%s%v:%d-%d@%d", l.Field, l.ArrayPositions, l.Start, l.End, l.Position))
		}
		slices.Sort(locs) // a composite field gathers its fields' locations in the walk's random order
		tf = append(tf, fmt.Sprintf("%q×%d%v", term, freq.Frequency(), locs))
	}
	slices.Sort(tf)
	return tf
}

// diffLines shows the lines only one of two dumps has.
func diffLines(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for _, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+ %.300s\n", l)
		}
	}
	for _, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "- %.300s\n", l)
		}
	}
	return b.String()
}

// BenchmarkRecordDocument measures making a record's Bleve document, as
// indexing does, from the record to the document the batch takes: with
// docBuilder, and with Bleve's mapping walk for comparison.
func BenchmarkRecordDocument(b *testing.B) {
	a62, _ := testReports(b)
	ix, err := NewMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	builder, err := newDocBuilder(ix.mapping, ix.words.list)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		make func(id string, values recordValues) error
	}{
		{"builder", func(id string, values recordValues) error {
			_, err := builder.build(id, values)
			return err
		}},
		{"mapping-walk", func(id string, values recordValues) error {
			return ix.mapping.MapDocument(document.NewDocument(id), map[string]any(values))
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				for i := range a62.Records {
					r := &a62.Records[i]
					values, err := ix.document(r, i+1)
					if err != nil {
						b.Fatal(err)
					}
					if err := tc.make(r.ID, values); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
