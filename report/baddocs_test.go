package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// manyPagesPDF is a valid PDF of n empty pages, for the page limit.
func manyPagesPDF(n int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(s string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	var kids strings.Builder
	for i := range n {
		fmt.Fprintf(&kids, "%d 0 R ", 3+i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids.String(), n))
	for range n {
		obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// TestBadDocuments: each bad document is refused with its file named and
// a message that says what to do.
func TestBadDocuments(t *testing.T) {
	tmp := t.TempDir()
	long := filepath.Join(tmp, "long.pdf")
	if err := os.WriteFile(long, manyPagesPDF(MaxPDFPages+1), 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(tmp, "huge.pdf")
	if err := os.WriteFile(huge, []byte("%PDF-1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, MaxReportBytes+1); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	bad := "testdata/docs/bad/"
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"scanned PDF", bad + "scanned.pdf", []string{"no text layer", "OCR"}},
		{"encrypted PDF", bad + "encrypted.pdf", []string{"encrypted", "unprotected copy"}},
		{"truncated PDF", bad + "truncated.pdf", []string{"damaged", "download or export it again"}},
		{"PDF without annex table", bad + "not-a-report.pdf", []string{"no annex table", "not a CTBT universality report"}},
		{"DOCX without annex table", bad + "not-a-report.docx", []string{"no annex table", "not a CTBT universality report"}},
		{"legacy Word .doc", bad + "legacy.doc", []string{"legacy Word", "save it as DOCX or PDF"}},
		{"PDF over the page limit", long, []string{fmt.Sprintf("%d pages, more than the %d", MaxPDFPages+1, MaxPDFPages)}},
		{"file over the size limit", huge, []string{"bytes, more than the"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := ParseReportFile(tc.path, DefaultGazetteer())
			if err == nil {
				t.Fatalf("read %s: got a report with %d records, want an error", tc.path, len(rep.Records))
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.path+":") {
				t.Errorf("error does not start with the file name %s:\n%s", tc.path, msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error is not a *ParseError: %T", err)
			}
		})
	}
}

func TestSniffFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		path string
		want Format
	}{
		{"text", "testdata/a64-ctbt-universality.zh.txt", FormatText},
		{"PDF", "testdata/docs/a64-ctbt-universality.ming.pdf", FormatPDF},
		{"DOCX", "testdata/docs/a64-ctbt-universality.docx", FormatDOCX},
		{"legacy doc", "testdata/docs/bad/legacy.doc", FormatDOC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := SniffFormat(data); got != tc.want {
				t.Errorf("SniffFormat(%s) = %v, want %v", tc.path, got, tc.want)
			}
		})
	}
}

// A PDF or DOCX under any name is read by content.
func TestFormatByContentNotName(t *testing.T) {
	tmp := t.TempDir()
	for _, src := range []string{"testdata/docs/a64-ctbt-universality.docx", "testdata/docs/a64-ctbt-universality.ming.pdf"} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(tmp, "a64-ctbt-universality.txt")
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := ReadReport(context.Background(), dst, data, DefaultGazetteer())
		if err != nil {
			t.Fatalf("%s renamed .txt: %v", src, err)
		}
		if len(rep.Records) != 30 || rep.ID != "a64-ctbt-universality" {
			t.Errorf("%s renamed .txt: %d records, id %q", src, len(rep.Records), rep.ID)
		}
	}
}

// The per-document time limit stops PDFium mid-document: a deadline that
// passes during the read gives an error naming the file, at once, and the
// engine still reads the next document.
func TestPDFTimeLimit(t *testing.T) {
	path := "testdata/docs/a62-ctbt-universality.ming.pdf"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pdfEngine(); err != nil { // the compile is not what is timed
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = ReadReport(ctx, path, data, DefaultGazetteer())
	if err == nil || !strings.HasPrefix(err.Error(), path+":") {
		t.Fatalf("error %v, want one naming %s", err, path)
	}
	t.Logf("%s: %v", time.Since(start), err)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stopping took %s", took)
	}
	if _, err := ReadReport(context.Background(), path, data, DefaultGazetteer()); err != nil {
		t.Errorf("the next read failed: %v", err)
	}
}
