package index

import (
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"
)

// docBuilder makes a record's Bleve document with the settings mapping.json
// gives each of its fields, resolved once when the builder is made instead
// of for every value: Bleve's own mapping walk reflects over every value and
// finds its field mapping and analyzer by path, 6% of cmd/indexer's CPU at
// 10k records. The documents are the walk's, field for field
// (TestDocBuilderMatchesMappingWalk).
type docBuilder struct {
	props    []propertySpec // the enabled ones, in the order of requiredFields
	all      bool           // the mapping keeps the _all composite field
	excluded []string       // the fields _all leaves out
	enabled  bool           // the document mapping is enabled at all
}

// propertySpec is one top-level property of the document mapping: the
// fields its value is indexed as.
type propertySpec struct {
	key    string
	fields []fieldSpec
}

// fieldSpec is one field a property's value is indexed as, with its
// mapping resolved: name, indexing options and analyzer.
type fieldSpec struct {
	name     string
	opts     bindex.FieldIndexingOptions
	analyzer analysis.Analyzer
	words    *wordScanner // the known words the field's companion lists (words.go); nil without one
}

// valueKind is the mapping's field type for what a record document holds:
// strings, dates included (dateTerm).
const valueKind = "text"

// newDocBuilder resolves the mapping of every field a record document has.
// A field type other than text is an error: the mapping walk would index
// nothing for a string value of it, silently. words are the known words the
// text fields' companions list (words.go), if the mapping has them.
func newDocBuilder(m *mapping.IndexMappingImpl, words []string) (*docBuilder, error) {
	// Records are one kind of document: with types, the walk would pick a
	// mapping by a field's value, which the builder does not.
	if len(m.TypeMapping) > 0 {
		return nil, fmt.Errorf("mapping: types are not supported; records have one document mapping, default_mapping")
	}
	dm := m.DefaultMapping
	b := &docBuilder{enabled: dm.Enabled}
	if all := dm.Properties["_all"]; all == nil || all.Enabled {
		b.all = true
	}
	for _, key := range requiredFields {
		prop := dm.Properties[key]
		if prop == nil || !prop.Enabled {
			continue
		}
		analyzerName := dm.DefaultAnalyzer
		if prop.DefaultAnalyzer != "" {
			analyzerName = prop.DefaultAnalyzer
		}
		if analyzerName == "" {
			analyzerName = m.DefaultAnalyzer
		}
		spec := propertySpec{key: key}
		for _, fm := range prop.Fields {
			f := fieldSpec{name: key, opts: fm.Options()}
			if fm.Name != "" {
				f.name = fm.Name
			}
			if fm.Type != valueKind {
				return nil, fmt.Errorf("mapping field %q: type %q; its values need %q", key, fm.Type, valueKind)
			}
			if !fm.IncludeInAll && !slices.Contains(b.excluded, f.name) {
				b.excluded = append(b.excluded, f.name)
			}
			name := fm.Analyzer
			if name == "" {
				name = analyzerName
			}
			if f.analyzer = m.AnalyzerNamed(name); f.analyzer == nil {
				return nil, fmt.Errorf("mapping field %q: no analyzer named %q", key, name)
			}
			if companion := dm.Properties[wordsFieldOf(key)]; companion != nil && companion.Enabled {
				wf, err := wordsFieldSpec(key, companion, fm)
				if err != nil {
					return nil, err
				}
				f.words = newWordScanner(wf.name, wf.opts, f.analyzer, name == "cjk", words)
			}
			spec.fields = append(spec.fields, f)
		}
		b.props = append(b.props, spec)
	}
	return b, nil
}

// wordsFieldSpec checks the mapping of a text field's companion (key_words):
// indexed text, nothing stored, the field it follows with its term vectors
// (a word is found by its bigrams' places).
func wordsFieldSpec(key string, companion *mapping.DocumentMapping, text *mapping.FieldMapping) (fieldSpec, error) {
	name := wordsFieldOf(key)
	if len(companion.Fields) != 1 {
		return fieldSpec{}, fmt.Errorf("mapping field %q: one field mapping, not %d", name, len(companion.Fields))
	}
	fm := companion.Fields[0]
	switch {
	case fm.Name != "" && fm.Name != name:
		return fieldSpec{}, fmt.Errorf("mapping field %q: named %q; a companion keeps its property's name", name, fm.Name)
	case fm.Type != valueKind || !fm.Index || fm.Store || fm.IncludeInAll:
		return fieldSpec{}, fmt.Errorf("mapping field %q: must be an indexed %s field, not stored nor in _all", name, valueKind)
	case !text.IncludeTermVectors:
		return fieldSpec{}, fmt.Errorf("mapping field %q: %q needs include_term_vectors, by which its words are found", name, key)
	}
	return fieldSpec{name: name, opts: fm.Options()}, nil
}

// recordValues are a record's field values by mapping property: a string
// or a []string (each element its own value, with its array position).
type recordValues map[string]any

// build makes the document of the record with id and values.
func (b *docBuilder) build(id string, values recordValues) (*document.Document, error) {
	doc := document.NewDocument(id)
	if !b.enabled {
		return doc, nil
	}
	for _, p := range b.props {
		v := values[p.key]
		for _, f := range p.fields {
			var texts []document.Field
			switch v := v.(type) {
			case string:
				texts = append(texts, document.NewTextFieldCustom(f.name, nil, []byte(v), f.opts, f.analyzer))
			case []string:
				for i, s := range v {
					texts = append(texts, document.NewTextFieldCustom(f.name, []uint64{uint64(i)}, []byte(s), f.opts, f.analyzer))
				}
			default:
				return nil, misfit(id, p.key, v)
			}
			for _, t := range texts {
				doc.AddField(t)
			}
			if f.words != nil && len(texts) > 0 {
				// After its field: scorch analyzes a document's fields
				// in order, and the companion reads the field's analysis.
				doc.AddField(&wordsField{scanner: f.words, texts: texts})
			}
		}
	}
	if b.all {
		// Excluding a field the document has no value for changes nothing,
		// so the list is the mapping's, made once.
		doc.AddField(document.NewCompositeFieldWithIndexingOptions("_all", true, []string{}, b.excluded, bindex.IndexField|bindex.IncludeTermVectors))
	}
	doc.SetIndexed()
	return doc, nil
}

// misfit is the error for a value missing or of the wrong kind for its
// field. document() and newDocBuilder agree on every field's kind, so it is
// a programming error, reported rather than indexed as nothing, as Bleve's
// walk would.
func misfit(id, key string, v any) error {
	return fmt.Errorf("build document %s: field %q: a %T value for a %s field", id, key, v, valueKind)
}
