package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// views holds the parsed templates, one set per page: every page defines
// "main" inside the shared layout, and html/template allows one definition of
// a name per set.
type views struct {
	pages map[string]*template.Template
}

// pageNames are the pages under templates/, each rendered inside layout.html
// with the shared parts of partials.html.
var pageNames = []string{"search", "record", "error", "overview", "state", "compare"}

// newViews parses the templates once, at start-up, so a broken template stops
// the server from starting rather than failing a request later.
func newViews(fsys fs.FS, static func(string) (string, error), version string) (*views, error) {
	funcs := template.FuncMap{
		"static":  static,
		"version": func() string { return version },
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// render executes a page into a buffer first: a template error then becomes
// a clean 500 instead of a half-written page with a 200 status.
func (v *views) render(c echo.Context, status int, name string, data any) error {
	t, ok := v.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// pageMeta is what the layout needs from every page.
type pageMeta struct {
	Title string // the part of <title> before the product name; "" for the home page
	// HasFilters: the page has filters under id="filters", and the layout
	// offers a link to skip to them.
	HasFilters bool
}

// errorView is the HTML error page.
type errorView struct {
	pageMeta
	Status  int
	Heading string
	Problem string // what is wrong, for people (paramProblem); "" when the heading says it
	Message string // the details, as the JSON API gives them
}

// renderError renders the HTML error page. Should that fail too, a plain
// text answer still gets the status across.
func (s *server) renderError(c echo.Context, status int, msg string) error {
	return s.renderErrorPage(c, status, "", msg)
}

// renderErrorPage is renderError with a problem explained above the details.
func (s *server) renderErrorPage(c echo.Context, status int, problem, msg string) error {
	heading := "出错了"
	switch {
	case status == http.StatusNotFound:
		heading = "找不到这个页面"
		if msg == "record not found" {
			heading = "找不到这条记录"
		}
		msg = ""
	case status == http.StatusMethodNotAllowed:
		heading = "不支持这种请求方式"
		msg = ""
	case status == http.StatusBadRequest:
		heading = "请求参数有误"
	case status == http.StatusServiceUnavailable:
		heading = "检索超时，请缩小检索范围后再试"
		msg = ""
	case status >= http.StatusInternalServerError:
		heading = "服务器出错，请稍后再试"
		msg = ""
	}
	view := errorView{pageMeta: pageMeta{Title: heading}, Status: status, Heading: heading, Problem: problem, Message: msg}
	if err := s.views.render(c, status, "error", view); err != nil {
		s.log.Error("rendering error page", "err", err)
		return c.String(status, msg)
	}
	return nil
}
