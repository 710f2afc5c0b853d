package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// embeddedFiles holds the templates and static assets, so the binary is
// self-contained and a deployment cannot pair new code with old files.
//
//go:embed templates/*.html static/*
var embeddedFiles embed.FS

// staticFiles serves the embedded assets under fingerprinted names
// (style.css as style.3f2a9c1b0d4e.css). A name changes whenever the content
// does, so responses can be cached for a year without ever going stale.
//
// Only the exact fingerprinted names are served: there is no directory
// listing and no file-system path handling for "../" to escape through.
type staticFiles struct {
	byURL  map[string]staticFile // "style.3f2a9c1b0d4e.css" → file
	byName map[string]string     // "style.css" → "/static/style.3f2a9c1b0d4e.css"
}

type staticFile struct {
	data        []byte
	contentType string
	etag        string
}

// fingerprintLen is the number of hex digits of the content hash put into
// names: plenty to never collide between two versions of one file.
const fingerprintLen = 12

// staticCacheControl lets browsers and proxies keep an asset for a year;
// the fingerprint in its URL guarantees it never changes under that URL.
const staticCacheControl = "public, max-age=31536000, immutable"

func newStaticFiles(fsys fs.FS) (*staticFiles, error) {
	sf := &staticFiles{byURL: map[string]staticFile{}, byName: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fp := hex.EncodeToString(sum[:])[:fingerprintLen]
		ext := path.Ext(name)
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			return fmt.Errorf("static file %s: unknown content type", name)
		}
		urlName := strings.TrimSuffix(name, ext) + "." + fp + ext
		sf.byURL[urlName] = staticFile{data: data, contentType: ctype, etag: `"` + fp + `"`}
		sf.byName[name] = "/static/" + urlName
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sf, nil
}

// url returns the fingerprinted URL of a static file. Templates call it as
// {{static "style.css"}}; an unknown name fails the template, which the
// tests of every page would notice.
func (sf *staticFiles) url(name string) (string, error) {
	u, ok := sf.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}

func (sf *staticFiles) serve(c echo.Context) error {
	f, ok := sf.byURL[c.Param("*")]
	if !ok {
		return echo.ErrNotFound
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.contentType)
	h.Set("Cache-Control", staticCacheControl)
	h.Set("ETag", f.etag)
	// ServeContent handles If-None-Match, Range and HEAD for us.
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(f.data))
	return nil
}
