package report

import (
	"context"
	"os"
	"testing"
)

// Targets (issue 10): a ~10-page report PDF in ≤ 1 s warm and ≤ 6 s on
// first use; a DOCX in ≤ 50 ms. Figures in docs/PERFORMANCE.md.

func benchRead(b *testing.B, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	gz := DefaultGazetteer()
	if _, err := ReadReport(context.Background(), path, data, gz); err != nil {
		b.Fatal(err) // also starts the PDF engine outside the timing
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadReport(context.Background(), path, data, gz); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadPDF reads a report PDF with the engine started: the 10-page
// CID-font print (ming) and the 12-page Type 3 print (noto) of the sample.
func BenchmarkReadPDF(b *testing.B) {
	b.Run("ming-10p", func(b *testing.B) { benchRead(b, "testdata/docs/a62-ctbt-universality.ming.pdf") })
	b.Run("noto-12p", func(b *testing.B) { benchRead(b, "testdata/docs/a62-ctbt-universality.noto.pdf") })
}

func BenchmarkReadDOCX(b *testing.B) {
	benchRead(b, "testdata/docs/a62-ctbt-universality.docx")
}

// BenchmarkReadPDFFirstUse is the first PDF of a run: starting PDFium
// (compiling it, or loading it from the compilation cache) and reading the
// 10-page report. Run with -benchtime 3x: each cold iteration compiles.
func BenchmarkReadPDFFirstUse(b *testing.B) {
	data, err := os.ReadFile("testdata/docs/a62-ctbt-universality.ming.pdf")
	if err != nil {
		b.Fatal(err)
	}
	firstUse := func(b *testing.B, dir string) {
		pool, err := startPDFEngine(dir)
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		pages, err := readPDFPagesWith(context.Background(), pool, data)
		if err != nil {
			b.Fatal(err)
		}
		lines, err := pdfLines(pages)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parseSrcLines("a62.pdf", lines, DefaultGazetteer()); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold-cache", func(b *testing.B) {
		for b.Loop() {
			firstUse(b, b.TempDir())
		}
	})
	b.Run("warm-cache", func(b *testing.B) {
		dir := b.TempDir()
		firstUse(b, dir) // fills the cache
		for b.Loop() {
			firstUse(b, dir)
		}
	})
}
