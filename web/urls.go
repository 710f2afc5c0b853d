package web

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"ctbtsearch/index"
)

// encodeRequest is the inverse of ParseSearchParams: the query parameters
// that reproduce req. Defaults are left out so that URLs stay short, and the
// order is fixed so that equal requests give equal URLs.
func encodeRequest(req index.Request) url.Values {
	v := url.Values{}
	if req.Query != "" {
		v.Set(paramQuery, req.Query)
	}
	setAll(v, paramState, req.States)
	setAll(v, paramSection, req.Section)
	setAll(v, paramMonth, req.Months)
	setAll(v, paramReport, req.Reports)
	setAll(v, paramYear, req.Years)
	if req.Sort != "" {
		v.Set(paramSort, req.Sort)
	}
	if req.Page > 1 {
		v.Set(paramPage, strconv.Itoa(req.Page))
	}
	if req.Size > 0 && req.Size != index.DefaultPageSize {
		v.Set(paramSize, strconv.Itoa(req.Size))
	}
	return v
}

func setAll(v url.Values, name string, vals []string) {
	if len(vals) > 0 {
		v[name] = slices.Clone(vals)
	}
}

// pathWithQuery joins a path and the encoded request.
func pathWithQuery(path string, req index.Request) string {
	q := encodeQuery(encodeRequest(req))
	if q == "" {
		return path
	}
	return path + "?" + q
}

// encodeQuery is url.Values.Encode with parameters in a fixed, meaningful
// order (q first, then filters, then sort and paging) rather than sorted by
// name, so URLs read the way the page does.
func encodeQuery(v url.Values) string {
	var b strings.Builder
	for _, name := range []string{paramQuery, paramState, paramSection, paramYear, paramMonth, paramReport, paramSort, paramPage, paramSize} {
		for _, val := range v[name] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(name))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(val))
		}
	}
	return b.String()
}

// searchURL is the search page showing req.
func searchURL(req index.Request) string { return pathWithQuery("/", req) }

// toggled returns vals with v removed if present, appended otherwise. It never
// modifies vals, which belongs to the request being rendered.
func toggled(vals []string, v string) []string {
	if i := slices.Index(vals, v); i >= 0 {
		return slices.Delete(slices.Clone(vals), i, i+1)
	}
	return append(slices.Clip(vals), v)
}

// withFilter returns req with value toggled in the filter named param and the
// page reset, since the old page number means nothing for a new result set.
func withFilter(req index.Request, param, value string) index.Request {
	switch param {
	case paramState:
		req.States = toggled(req.States, value)
	case paramSection:
		req.Section = toggled(req.Section, value)
	case paramMonth:
		req.Months = toggled(req.Months, value)
	case paramReport:
		req.Reports = toggled(req.Reports, value)
	case paramYear:
		req.Years = toggled(req.Years, value)
	}
	req.Page = 0
	return req
}

// withoutFilters keeps the query, sort and size and drops every filter.
func withoutFilters(req index.Request) index.Request {
	return index.Request{Query: req.Query, Sort: req.Sort, Size: req.Size}
}

// recordURL is the page of one record. Ids come from file names and may hold
// anything but a '/' and control characters (Chinese, spaces, '%', '?',
// '#'): escaping makes them one path segment, which record() decodes again.
func recordURL(id string) string { return "/records/" + url.PathEscape(id) }

// hitURL is the page of one record opened from the results of req. It
// carries the search parameters so that the record page can link back to the
// same results page; the record itself does not depend on them.
func hitURL(id string, req index.Request) string { return pathWithQuery(recordURL(id), req) }

// validPart returns the request made of those parameters of v that
// ParseSearchParams accepts, and the names of the ones it had to drop. It
// never fails: a parameter that is refused is dropped and the rest parsed
// again, so it serves where a bad parameter must not be an error (the record
// page's back link) and where a bad search needs a way out (the link on the
// search page's error banner). v is not modified.
func validPart(v url.Values) (index.Request, []string) {
	v = cloneValues(v)
	var dropped []string
	for {
		req, err := ParseSearchParams(v)
		if err == nil {
			return req, dropped
		}
		var reqErr *index.RequestError
		if !errors.As(err, &reqErr) || !v.Has(reqErr.Param) {
			// Cannot happen: ParseSearchParams only refuses parameters it
			// was given. Fall back on the unfiltered search rather than loop.
			return index.Request{}, dropped
		}
		delete(v, reqErr.Param)
		dropped = append(dropped, reqErr.Param)
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}
