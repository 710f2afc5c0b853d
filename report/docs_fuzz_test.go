package report

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// checkDocument reads a (possibly broken) document: it must return, never
// panic, and a report it accepts must hold well-formed records.
func checkDocument(t *testing.T, name string, data []byte) {
	t.Helper()
	rep, err := ReadReport(context.Background(), name, data, DefaultGazetteer())
	if err != nil {
		if !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("error does not name the file: %v", err)
		}
		return
	}
	for _, r := range rep.Records {
		if r.Source == "" || r.Section == "" || r.Start == "" {
			t.Errorf("accepted record without source, section or date: %+v", r)
		}
	}
}

// TestDamagedDocuments cuts, mutates and splices the PDF and DOCX fixtures:
// every variant is read or refused, without a panic or a hang (PDFium runs
// in a WebAssembly sandbox under a time limit; DOCX parts are size-limited).
func TestDamagedDocuments(t *testing.T) {
	for _, path := range []string{"testdata/docs/a64-ctbt-universality.docx", "testdata/docs/a64-ctbt-universality.ming.pdf"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, uint64(len(data))))
		for _, frac := range []float64{0.1, 0.5, 0.9, 0.99} {
			checkDocument(t, path, data[:int(float64(len(data))*frac)])
		}
		for range 8 {
			mut := []byte(string(data))
			for range 1 + rng.IntN(30) {
				switch rng.IntN(3) {
				case 0: // overwrite a byte
					mut[rng.IntN(len(mut))] = byte(rng.IntN(256))
				case 1: // delete a run
					i := rng.IntN(len(mut))
					j := min(len(mut), i+rng.IntN(64))
					mut = append(mut[:i:i], mut[j:]...)
				default: // insert a byte
					i := rng.IntN(len(mut))
					mut = append(mut[:i:i], append([]byte{byte(rng.IntN(256))}, mut[i:]...)...)
				}
			}
			checkDocument(t, path, mut)
		}
	}
}

// FuzzReadDocument feeds mutated PDF and DOCX reports to the readers.
// Run: go test ./report -run '^$' -fuzz FuzzReadDocument -fuzztime 60s
func FuzzReadDocument(f *testing.F) {
	for _, path := range []string{"testdata/docs/a64-ctbt-universality.docx", "testdata/docs/bad/truncated.pdf", "testdata/docs/bad/legacy.doc"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDocument(t, "fuzz.bin", data)
	})
}
