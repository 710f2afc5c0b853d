package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// unmatchedRoute labels requests no route matched. Using the raw path would
// let any client create label values, and so time series, at will.
const unmatchedRoute = "unmatched"

// metrics owns a private Prometheus registry. A global one would make two
// servers in one process (as in tests) share and corrupt each other's
// counts, and would register collectors twice.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	routes   map[string]bool
}

func newMetrics(s Searcher) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.",
			// Searches take about a millisecond; the tail matters up to the
			// request timeout.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		routes: map[string]bool{},
	}
	m.reg.MustRegister(
		m.requests,
		m.duration,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "ctbt_index_documents",
			Help: "Records in the index being served.",
		}, func() float64 { return float64(s.DocCount()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// addRoute declares a route pattern as a label value.
func (m *metrics) addRoute(pattern string) { m.routes[pattern] = true }

// route maps Echo's matched route pattern to a label value.
func (m *metrics) route(pattern string) string {
	if m.routes[pattern] {
		return pattern
	}
	return unmatchedRoute
}

// methodLabel maps a request method to a label value; like paths, methods
// are client-chosen strings.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "OTHER"
}

func (m *metrics) observe(route, method string, status int, took time.Duration) {
	m.requests.WithLabelValues(route, methodLabel(method), strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
