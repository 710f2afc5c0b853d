package report

import (
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// A report's summary outlives its text: the indexer keeps every report's
// summary through a build and lets the records go. A string of the summary
// that is a piece of the text keeps the whole file in memory; at 1M records
// that was 116 MiB of files under the indexer's heap limit.
func TestReportKeepsNoFileText(t *testing.T) {
	// The sample carries no symbol line; reports printed later do.
	text := "A/62/115\n" + string(sampleBytes(t))
	rep, err := parseLines(sampleName, strings.Split(text, "\n"), nil, DefaultGazetteer())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Symbol == "" || rep.Period == "" || rep.Footnote == "" {
		t.Fatalf("the sample should fill every summary field: symbol %q, period %q, footnote %q", rep.Symbol, rep.Period, rep.Footnote)
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(text)))
	hi := lo + uintptr(len(text))
	inText := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return len(s) > 0 && p >= lo && p < hi
	}
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			if inText(v.String()) {
				t.Errorf("%s = %q is a piece of the file's text, not a copy", path, v.String())
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(path+"[]", v.Index(i))
				if t.Failed() {
					return // one line per field is enough
				}
			}
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				walk(path+"[key]", it.Key())
				walk(path+"[]", it.Value())
			}
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(path, v.Elem())
			}
		}
	}
	summary := *rep
	summary.Records = nil
	walk("Report", reflect.ValueOf(summary))
}
