package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Reading PDF reports. PDFium, compiled to WebAssembly and run by wazero,
// extracts positioned characters; layout.go rebuilds the report's lines from
// them. Measured (docs/PERFORMANCE.md, ../shared/notes/pdf-docx-ingest.md):
// PDFium read every test font correctly (CID TrueType and Type 3), where two
// pure-Go readers did not; no cgo keeps `go build` enough on a fresh machine.

// PDF limits. A yearly report is 5–30 pages; a document far beyond that is
// not one report, and the limits keep a hostile file from holding the
// indexer.
const (
	// MaxPDFPages bounds the pages read from one PDF.
	MaxPDFPages = 200
	// PDFTimeLimit bounds the time spent in PDFium on one document: about
	// 15 ms a page is measured, so 200 pages take 3 s; a document still
	// running after this is looping.
	PDFTimeLimit = 30 * time.Second
)

// pdfEngine is started on the first PDF read: compiling the WebAssembly
// module takes about 4 s and 340 MB the first time (about 0.1 s once the
// compilation cache under the user cache directory holds it), and a run
// over text reports should pay nothing.
var pdfEngine = sync.OnceValues(func() (pdfium.Pool, error) { return startPDFEngine(pdfCacheDir()) })

// pdfCacheDir is where wazero keeps the compiled module between runs.
func pdfCacheDir() string {
	if dir := os.Getenv("CTBT_PDFIUM_CACHE"); dir != "" {
		return dir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "ctbtsearch", "pdfium-wasm")
}

// startPDFEngine compiles PDFium, through the compilation cache in dir
// when dir is not "".
func startPDFEngine(dir string) (pdfium.Pool, error) {
	cfg := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		// Lets a per-document time limit stop PDFium mid-call.
		WithCloseOnContextDone(true)
	if dir != "" {
		// Without a cache every run compiles again (seconds): a cache that
		// cannot be created only costs time, so its error is not fatal.
		if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			cfg = cfg.WithCompilationCache(cache)
		}
	}
	pool, err := webassembly.Init(webassembly.Config{
		MinIdle:  0,
		MaxIdle:  2,
		MaxTotal: 4,
		// A fresh WebAssembly instance per document: a damaged file cannot
		// leave state behind for the next one, and instantiating the
		// compiled module costs little beside the reading (0.82 s against
		// 0.70 s a 10-page read with reuse, within the noise of the shared
		// machine).
		ReuseWorkers: false,
		// Documents are passed as bytes: nothing of the host's file system
		// is visible inside the sandbox.
		FSConfig:      wazero.NewFSConfig(),
		RuntimeConfig: cfg,
		Stdout:        discard{},
		Stderr:        discard{},
	})
	if err != nil {
		return nil, fmt.Errorf("start the PDF reader (PDFium): %w", err)
	}
	return pool, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// glyph is one character drawn on a page, in PDF user space (y grows upwards).
type glyph struct {
	r           rune
	x0, x1      float64 // loose box, left and right
	top, bottom float64 // loose box, top and bottom
	baseline    float64 // y of the glyph origin
	size        float64 // font size as PDFium reports it: only compared with other sizes
	originX     float64
}

// pdfPage is one page's characters.
type pdfPage struct {
	number        int // from 1
	width, height float64
	glyphs        []glyph
}

// pdfError is a document-level problem with the advice given to the user.
type pdfError struct{ msg string }

func (e *pdfError) Error() string { return e.msg }

// readPDFPages extracts the positioned characters of every page.
func readPDFPages(ctx context.Context, data []byte) ([]pdfPage, error) {
	pool, err := pdfEngine()
	if err != nil {
		return nil, err
	}
	return readPDFPagesWith(ctx, pool, data)
}

func readPDFPagesWith(ctx context.Context, pool pdfium.Pool, data []byte) ([]pdfPage, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, PDFTimeLimit)
	defer cancel()
	inst, err := pool.GetInstanceWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("start the PDF reader (PDFium): %w", err)
	}
	done := make(chan struct{})
	var killed bool
	var mu sync.Mutex
	go func() {
		select {
		case <-ctx.Done():
			mu.Lock()
			killed = true
			mu.Unlock()
			inst.Kill()
		case <-done:
		}
	}()
	pages, err := extractPages(inst, data)
	close(done)
	mu.Lock()
	wasKilled := killed
	mu.Unlock()
	if wasKilled {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &pdfError{fmt.Sprintf("reading the PDF was stopped after %s (the limit is %s a document): the file is damaged or far too complex; export it again from the original", time.Since(start).Round(time.Millisecond), PDFTimeLimit)}
		}
		return nil, fmt.Errorf("read PDF: %w", ctx.Err())
	}
	inst.Close()
	return pages, err
}

// extractPages does the PDFium calls; a panic inside the binding (a
// damaged file can trip one) becomes an error, never a crash.
func extractPages(inst pdfium.Pdfium, data []byte) (pages []pdfPage, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &pdfError{fmt.Sprintf("the PDF reader failed on this file (%v): the file is probably damaged; download or export it again", r)}
		}
	}()
	doc, err := inst.FPDF_LoadMemDocument(&requests.FPDF_LoadMemDocument{Data: &data})
	if err != nil {
		switch {
		case errors.Is(err, pdfiumerrors.ErrPassword), errors.Is(err, pdfiumerrors.ErrSecurity):
			return nil, &pdfError{"the PDF is encrypted (password-protected): save an unprotected copy (print to PDF, or export it again without a password) and index that"}
		default:
			return nil, &pdfError{"the PDF is damaged or not a PDF (" + err.Error() + "): download or export it again"}
		}
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return nil, &pdfError{"cannot count the PDF's pages (" + err.Error() + "): the file is damaged; download or export it again"}
	}
	if count.PageCount == 0 {
		return nil, &pdfError{"the PDF has no pages: the file is damaged; download or export it again"}
	}
	if count.PageCount > MaxPDFPages {
		return nil, &pdfError{fmt.Sprintf("the PDF has %d pages, more than the %d a report can have: index the report alone, not a collection of documents", count.PageCount, MaxPDFPages)}
	}
	for i := range count.PageCount {
		p, err := extractPage(inst, doc.Document, i)
		if err != nil {
			return nil, fmt.Errorf("p.%d: %w", i+1, err)
		}
		pages = append(pages, p)
	}
	return pages, nil
}

func extractPage(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, index int) (pdfPage, error) {
	page := pdfPage{number: index + 1}
	size, err := inst.FPDF_GetPageSizeByIndex(&requests.FPDF_GetPageSizeByIndex{Document: doc, Index: index})
	if err != nil {
		return page, &pdfError{"cannot read the page size (" + err.Error() + "): the file is damaged"}
	}
	page.width, page.height = size.Width, size.Height
	lp, err := inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: doc, Index: index})
	if err != nil {
		return page, &pdfError{"cannot load the page (" + err.Error() + "): the file is damaged"}
	}
	defer inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: lp.Page})
	tp, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: requests.Page{ByReference: &lp.Page}})
	if err != nil {
		return page, &pdfError{"cannot read the page's text (" + err.Error() + "): the file is damaged"}
	}
	defer inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: tp.TextPage})
	n, err := inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: tp.TextPage})
	if err != nil {
		return page, &pdfError{"cannot read the page's text (" + err.Error() + "): the file is damaged"}
	}
	// The page's text in one call, when it maps one rune to one character
	// (no character outside the BMP); else one call per character. Calls
	// into the sandbox cost microseconds each: two per character remain.
	var runes []rune
	if n.Count > 0 {
		if txt, err := inst.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: tp.TextPage, Count: n.Count}); err == nil {
			runes = []rune(strings.TrimRight(txt.Text, "\x00"))
		}
	}
	for i := range n.Count {
		var r rune
		if len(runes) == n.Count {
			r = runes[i]
		} else {
			u, err := inst.FPDFText_GetUnicode(&requests.FPDFText_GetUnicode{TextPage: tp.TextPage, Index: i})
			if err != nil || u.Unicode > unicode.MaxRune {
				continue
			}
			r = rune(u.Unicode)
		}
		// Spaces and line ends PDFium generates are dropped with every
		// other blank: positions say where words and lines part.
		if r <= ' ' || unicode.IsSpace(r) || r == utf8.RuneError {
			continue
		}
		box, err := inst.FPDFText_GetLooseCharBox(&requests.FPDFText_GetLooseCharBox{TextPage: tp.TextPage, Index: i})
		if err != nil {
			continue
		}
		org, err := inst.FPDFText_GetCharOrigin(&requests.FPDFText_GetCharOrigin{TextPage: tp.TextPage, Index: i})
		if err != nil {
			continue
		}
		page.glyphs = append(page.glyphs, glyph{
			r:  r,
			x0: float64(box.Rect.Left), x1: float64(box.Rect.Right),
			top: float64(box.Rect.Top), bottom: float64(box.Rect.Bottom),
			baseline: org.Y, originX: org.X,
			// The loose box spans the font's ascent and descent: its
			// height follows the font size, which is all markers need.
			size: float64(box.Rect.Top - box.Rect.Bottom),
		})
	}
	return page, nil
}
