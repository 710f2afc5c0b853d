package web

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"ctbtsearch/index"
)

func TestParseSearchParams(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  index.Request
	}{
		{"empty", "", index.Request{}},
		{"query trimmed", "q=%20%E9%99%84%E4%BB%B62%20%E5%9B%BD%E5%AE%B6%20", index.Request{Query: "附件2 国家"}},
		{"repeated filters keep order", "state=日本&state=德国&section=1(b)&section=1(a)",
			index.Request{States: []string{"日本", "德国"}, Section: []string{"1(b)", "1(a)"}}},
		{"commas are not separators", "state=Korea,+Republic+of", index.Request{States: []string{"Korea, Republic of"}}},
		{"empty and duplicate values dropped", "state=&state=日本&state=日本&month=2006-06&month=",
			index.Request{States: []string{"日本"}, Months: []string{"2006-06"}}},
		{"months and reports", "month=2006-06&month=2007-12&report=a62-ctbt-universality",
			index.Request{Months: []string{"2006-06", "2007-12"}, Reports: []string{"a62-ctbt-universality"}}},
		{"sort page size", "sort=oldest&page=3&size=50", index.Request{Sort: index.SortOldest, Page: 3, Size: 50}},
		{"empty page and size mean default", "page=&size=", index.Request{}},
		{"largest page and size", "page=1000&size=100", index.Request{Page: index.MaxPage, Size: index.MaxPageSize}},
		{"unknown parameters ignored", "utm_source=mail&q=x", index.Request{Query: "x"}},
		{"longest query", "q=" + strings.Repeat("核", index.MaxQueryRunes), index.Request{Query: strings.Repeat("核", index.MaxQueryRunes)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseSearchParams(v)
			if err != nil {
				t.Fatalf("ParseSearchParams(%q): %v", tt.query, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSearchParams(%q)\n got %#v\nwant %#v", tt.query, got, tt.want)
			}
		})
	}
}

func TestParseSearchParamsErrors(t *testing.T) {
	manyStates := url.Values{}
	for i := range index.MaxFilterValues + 1 {
		manyStates.Add("state", "国家"+strconv.Itoa(i))
	}
	tests := []struct {
		name      string
		values    url.Values
		wantParam string
		wantMsg   string // substring of the message
	}{
		{"page zero", url.Values{"page": {"0"}}, "page", "must be a whole number ≥ 1"},
		{"page not a number", url.Values{"page": {"abc"}}, "page", "must be a whole number ≥ 1"},
		{"page negative", url.Values{"page": {"-1"}}, "page", "must be a whole number ≥ 1"},
		{"page with sign", url.Values{"page": {"+2"}}, "page", "whole number"},
		{"page fraction", url.Values{"page": {"1.5"}}, "page", "whole number"},
		{"page too deep", url.Values{"page": {"1001"}}, "page", "at most 1000"},
		{"page overflow", url.Values{"page": {"99999999999999999999999"}}, "page", "at most 1000"},
		{"page twice", url.Values{"page": {"1", "2"}}, "page", "at most once"},
		{"size zero", url.Values{"size": {"0"}}, "size", "≥ 1"},
		{"size too big", url.Values{"size": {"1000"}}, "size", "at most 100"},
		{"sort bogus", url.Values{"sort": {"bogus"}}, "sort", "relevance, newest, oldest"},
		{"month 13", url.Values{"month": {"2006-13"}}, "month", "YYYY-MM"},
		{"month with slash", url.Values{"month": {"2006/06"}}, "month", "YYYY-MM"},
		{"month without zero", url.Values{"month": {"2006-6"}}, "month", "YYYY-MM"},
		{"section unknown", url.Values{"section": {"3(c)"}}, "section", "1(a), 1(b), 2(a), 2(b)"},
		{"query too long", url.Values{"q": {strings.Repeat("核", 600)}}, "q", "at most 512 characters"},
		{"query too many bytes", url.Values{"q": {strings.Repeat("x", maxQueryBytes+1)}}, "q", "too long"},
		{"query twice", url.Values{"q": {"a", "b"}}, "q", "at most once"},
		{"query invalid UTF-8", url.Values{"q": {"\xff"}}, "q", "UTF-8"},
		{"state invalid UTF-8", url.Values{"state": {"日本", "\xffabc"}}, "state", "UTF-8"},
		{"state control character", url.Values{"state": {"日\x00本"}}, "state", "control"},
		{"state too long", url.Values{"state": {strings.Repeat("国", 100)}}, "state", "too long"},
		{"too many states", manyStates, "state", "at most 50 values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSearchParams(tt.values)
			var re *index.RequestError
			if !errors.As(err, &re) {
				t.Fatalf("ParseSearchParams(%v) = %v, want *index.RequestError", tt.values, err)
			}
			if re.Param != tt.wantParam || !strings.Contains(re.Msg, tt.wantMsg) {
				t.Errorf("error = %q (param %q), want param %q and message containing %q", re.Error(), re.Param, tt.wantParam, tt.wantMsg)
			}
		})
	}
}

// TestEncodeRequestRoundTrip checks that the links we generate parse back to
// the request they were made from.
func TestEncodeRequestRoundTrip(t *testing.T) {
	reqs := []index.Request{
		{},
		{Query: `"英国" & <b>`, Sort: index.SortOldest},
		{States: []string{"日本", "大不列颠及北爱尔兰联合王国"}, Section: []string{"1(a)"}, Months: []string{"2006-06"}, Reports: []string{"a62-ctbt-universality"}, Page: 3, Size: 50},
	}
	for _, req := range reqs {
		u, err := url.Parse(searchURL(req))
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseSearchParams(u.Query())
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if !reflect.DeepEqual(got, req) {
			t.Errorf("round trip of %s\n got %#v\nwant %#v", u, got, req)
		}
	}
}

func TestSearchURL(t *testing.T) {
	tests := []struct {
		name string
		req  index.Request
		want string
	}{
		{"home", index.Request{}, "/"},
		{"defaults left out", index.Request{Page: 1, Size: index.DefaultPageSize}, "/"},
		{"fixed order", index.Request{Page: 2, Sort: "newest", Months: []string{"2006-06"}, States: []string{"日本"}, Query: "a b"},
			"/?q=a+b&state=%E6%97%A5%E6%9C%AC&month=2006-06&sort=newest&page=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := searchURL(tt.req); got != tt.want {
				t.Errorf("searchURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWithFilter(t *testing.T) {
	base := index.Request{Query: "q", States: []string{"日本"}, Sort: index.SortOldest, Page: 4}

	added := withFilter(base, paramState, "德国")
	if want := []string{"日本", "德国"}; !reflect.DeepEqual(added.States, want) {
		t.Errorf("adding: states = %v, want %v", added.States, want)
	}
	if added.Page != 0 || added.Query != "q" || added.Sort != index.SortOldest {
		t.Errorf("adding: page must reset and query and sort stay: %#v", added)
	}
	removed := withFilter(added, paramState, "日本")
	if want := []string{"德国"}; !reflect.DeepEqual(removed.States, want) {
		t.Errorf("removing: states = %v, want %v", removed.States, want)
	}
	if want := []string{"日本", "德国"}; !reflect.DeepEqual(added.States, want) {
		t.Errorf("removing modified the original request: %v", added.States)
	}
	if !reflect.DeepEqual(base.States, []string{"日本"}) {
		t.Errorf("adding modified the original request: %v", base.States)
	}
	if got := withoutFilters(added); got.HasFilters() || got.Query != "q" || got.Sort != index.SortOldest {
		t.Errorf("withoutFilters = %#v", got)
	}
}
