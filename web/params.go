package web

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"ctbtsearch/index"
)

// Search parameter names. They are the whole state of a search page, so the
// URL can be bookmarked and shared.
const (
	paramQuery   = "q"
	paramState   = "state"
	paramSection = "section"
	paramMonth   = "month"
	paramReport  = "report"
	paramYear    = "year"
	paramSort    = "sort"
	paramPage    = "page"
	paramSize    = "size"

	// paramQueryString names the whole query string in the error for one
	// that cannot be decoded (a bad %-escape), where no parameter can be
	// blamed.
	paramQueryString = "query string"
)

// paramNames are the parameters' names for people, in Chinese, for error
// messages and the links that drop a parameter.
var paramNames = map[string]string{
	paramQuery:       "检索词",
	paramState:       "国家",
	paramSection:     "部分",
	paramMonth:       "月份",
	paramReport:      "报告",
	paramYear:        "年份",
	paramSort:        "排序",
	paramPage:        "页码",
	paramSize:        "每页条数",
	paramQueryString: "参数",
	paramCompareA:    "报告 A",
	paramCompareB:    "报告 B",
	paramEvery:       "仅限每份报告都有的国家",
	paramOrder:       "排序",
}

// paramProblem explains in Chinese what a valid value of param looks like.
// It goes in front of the RequestError's English message, which has the
// details (and is what the JSON API returns).
func paramProblem(param string) string {
	switch param {
	case paramQuery:
		return fmt.Sprintf("检索词无法识别。请检查字段名（如 state:日本）和引号，长度不超过 %d 个字。", index.MaxQueryRunes)
	case paramState:
		return fmt.Sprintf("国家筛选条件无效，或同时选择了超过 %d 个国家。", maxFilterValues)
	case paramSection:
		return "部分只能是 " + strings.Join(sectionCodes(), "、") + "。"
	case paramMonth:
		return fmt.Sprintf("月份应写作“年-月”，例如 2006-06，且同时最多选择 %d 个。", maxFilterValues)
	case paramReport:
		return fmt.Sprintf("报告筛选条件无效，或同时选择了超过 %d 份报告。", maxFilterValues)
	case paramYear:
		return fmt.Sprintf("年份应写作四位数字，例如 2007，且同时最多选择 %d 个。", maxFilterValues)
	case paramSort:
		return "排序只能是相关度（relevance）、最新（newest）或最早（oldest）。"
	case paramPage:
		return fmt.Sprintf("页码应为 1 到 %d 之间的整数。", index.MaxPage)
	case paramSize:
		return fmt.Sprintf("每页条数应为 1 到 %d 之间的整数。", index.MaxPageSize)
	case paramQueryString:
		return "网址中的参数无法解码。"
	case paramCompareA, paramCompareB:
		return "比较需要索引中的两份不同报告：请从列表中选择两份报告；只收录了一份报告时无法比较。"
	case paramEvery:
		return "“仅限每份报告都有的国家”只能是 1（开）或不填（关）。"
	case paramOrder:
		return "概览只能按总数（total）或按国家名称（name）排序。"
	}
	return "请求参数有误。"
}

// paramLabels names parameters for people: 月份、页码.
func paramLabels(params []string) string {
	var names []string
	for _, p := range params {
		name, ok := paramNames[p]
		if !ok {
			name = paramNames[paramQueryString]
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return strings.Join(names, "、")
}

// Limits on raw parameters, checked before anything reaches the index. The
// index enforces its own limits as well; these ones are about the shape of
// the request, so that every mistake gets a precise 400 message here.
const (
	// maxQueryBytes bounds q before its runes are counted: the longest
	// acceptable query is index.MaxQueryRunes runes of at most 4 bytes.
	maxQueryBytes = 4 * index.MaxQueryRunes
	// maxFilterValueBytes bounds one filter value. The longest state name,
	// 大不列颠及北爱尔兰联合王国, is 39 bytes; report ids are shorter.
	maxFilterValueBytes = 256
	// maxFilterValues bounds the values of one filter (states ticked at once…).
	maxFilterValues = index.MaxFilterValues
	// maxIntDigits bounds page and size before conversion, so that a long
	// run of digits is reported as out of range instead of overflowing.
	maxIntDigits = 6
)

// sortOrders are the accepted values of sort; "" lets the index choose.
var sortOrders = []string{index.SortRelevance, index.SortNewest, index.SortOldest}

// ParseSearchParams turns the query parameters of a search URL into an
// index.Request, or reports the first problem as *index.RequestError.
//
// Filters are repeatable parameters (state=A&state=B); values are never split
// on commas, because names may contain them. Empty values are ignored, as
// forms send them for untouched fields, and repeated values count once.
// Parameters it does not know are ignored, so links carrying extra tracking
// parameters still work.
func ParseSearchParams(v url.Values) (index.Request, error) {
	var req index.Request
	var err error

	if req.Query, err = single(v, paramQuery, maxQueryBytes); err != nil {
		return index.Request{}, err
	}
	req.Query = strings.TrimSpace(req.Query)
	if n := utf8.RuneCountInString(req.Query); n > index.MaxQueryRunes {
		return index.Request{}, paramError(paramQuery, "must be at most %d characters long (got %d)", index.MaxQueryRunes, n)
	}

	if req.States, err = filter(v, paramState, nil); err != nil {
		return index.Request{}, err
	}
	if req.Section, err = filter(v, paramSection, validSection); err != nil {
		return index.Request{}, err
	}
	if req.Months, err = filter(v, paramMonth, validMonth); err != nil {
		return index.Request{}, err
	}
	if req.Reports, err = filter(v, paramReport, nil); err != nil {
		return index.Request{}, err
	}
	if req.Years, err = filter(v, paramYear, validYear); err != nil {
		return index.Request{}, err
	}

	if req.Sort, err = single(v, paramSort, maxFilterValueBytes); err != nil {
		return index.Request{}, err
	}
	if req.Sort != "" && !slices.Contains(sortOrders, req.Sort) {
		return index.Request{}, paramError(paramSort, "must be one of %s", strings.Join(sortOrders, ", "))
	}

	if req.Page, err = wholeNumber(v, paramPage, 1, index.MaxPage); err != nil {
		return index.Request{}, err
	}
	if req.Size, err = wholeNumber(v, paramSize, 1, index.MaxPageSize); err != nil {
		return index.Request{}, err
	}
	return req, nil
}

func paramError(param, format string, args ...any) *index.RequestError {
	return &index.RequestError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// single returns the one value of a parameter that may appear at most once.
func single(v url.Values, name string, maxBytes int) (string, error) {
	vals := v[name]
	switch len(vals) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", paramError(name, "must be given at most once")
	}
	if err := checkRaw(name, vals[0], maxBytes); err != nil {
		return "", err
	}
	return vals[0], nil
}

// filter returns the distinct, non-empty values of a repeatable parameter,
// each checked by valid when it is not nil.
func filter(v url.Values, name string, valid func(string) error) ([]string, error) {
	var out []string
	for _, raw := range v[name] {
		if err := checkRaw(name, raw, maxFilterValueBytes); err != nil {
			return nil, err
		}
		val := strings.TrimSpace(raw)
		if val == "" || slices.Contains(out, val) {
			continue
		}
		if strings.ContainsFunc(val, unicode.IsControl) {
			return nil, paramError(name, "must not contain control characters")
		}
		if valid != nil {
			if err := valid(val); err != nil {
				return nil, err
			}
		}
		out = append(out, val)
		if len(out) > maxFilterValues {
			return nil, paramError(name, "at most %d values can be selected at once", maxFilterValues)
		}
	}
	return out, nil
}

// checkRaw applies the checks every raw value gets: valid UTF-8 (the index
// and the templates assume it) and a length bound.
func checkRaw(name, val string, maxBytes int) error {
	if !utf8.ValidString(val) {
		return paramError(name, "must be valid UTF-8 text")
	}
	if len(val) > maxBytes {
		return paramError(name, "is too long (at most %d bytes)", maxBytes)
	}
	return nil
}

// wholeNumber parses an optional integer parameter in [lo, hi]; absent or
// empty gives 0, which the index reads as its default.
func wholeNumber(v url.Values, name string, lo, hi int) (int, error) {
	s, err := single(v, name, maxFilterValueBytes)
	if err != nil || s == "" {
		return 0, err
	}
	// Digits only: strconv.Atoi would also take "+5" and "-0", which no
	// link of ours produces and which are more likely typos than intent.
	if strings.TrimLeft(s, "0123456789") != "" {
		return 0, paramError(name, "must be a whole number ≥ %d", lo)
	}
	n := hi + 1 // more digits than maxIntDigits is out of range whatever they are
	if len(s) <= maxIntDigits {
		n, _ = strconv.Atoi(s) // cannot fail: at most maxIntDigits ASCII digits
	}
	switch {
	case n < lo:
		return 0, paramError(name, "must be a whole number ≥ %d", lo)
	case n > hi:
		return 0, paramError(name, "must be at most %d", hi)
	}
	return n, nil
}

func validSection(s string) error {
	if _, ok := index.SectionTitles[s]; ok {
		return nil
	}
	return paramError(paramSection, "unknown section %q (expected one of %s)", s, strings.Join(sectionCodes(), ", "))
}

func validYear(s string) error {
	if index.ValidYear(s) {
		return nil
	}
	return paramError(paramYear, "must be a year written YYYY, such as 2007 (got %q)", s)
}

func validMonth(s string) error {
	if index.ValidMonth(s) {
		return nil
	}
	return paramError(paramMonth, "must be a month written YYYY-MM, such as 2006-06 (got %q)", s)
}

// sectionCodes lists the section codes in report order.
func sectionCodes() []string { return index.SectionCodes }
