// Package api is the HTTP interface of the pipeline: submit, inspect and
// stop jobs, subscribe webhooks, health and metrics. Every response body is
// JSON; every error is {"error": "..."} with a 4xx or 5xx status, and a
// rejected request writes nothing.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

// MaxBodyBytes bounds a request body; larger ones get 413.
const MaxBodyBytes = 1 << 20

// Config is what the API needs. Pool is required.
type Config struct {
	Pool     *pgxpool.Pool
	Topology message.Topology
	// CheckStep rejects steps the executor cannot run (an unknown handler,
	// bad params); nil accepts any.
	CheckStep jobs.CheckStep
	// Outbound checks webhook URLs at subscription: one whose host is a
	// literal inward address is refused (the deliverer's dialer checks
	// host names after resolution).
	Outbound outbound.Policy
	// BrokerHealth, when set, is part of GET /healthz.
	BrokerHealth func(context.Context) error
	// Registry receives the API's own series and is served on GET /metrics
	// with everything else registered on it; nil uses a fresh registry.
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// server holds the handlers' dependencies.
type server struct {
	Config
	requests *prometheus.CounterVec
}

// New returns the API's handler. It registers the API's series on
// cfg.Registry, so it is called once per registry.
func New(cfg Config) http.Handler {
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &server{Config: cfg, requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lockstep_api_requests_total",
		Help: "HTTP requests served by the API, by route and status code.",
	}, []string{"route", "code"})}
	cfg.Registry.MustRegister(s.requests)

	mux := http.NewServeMux()
	// Every route but the liveness check needs a token.
	mux.Handle("POST /jobs", s.authenticated(s.handle(s.submitJob)))
	mux.Handle("GET /jobs/{id}", s.authenticated(s.handle(s.getJob)))
	mux.Handle("POST /jobs/{id}/stop", s.authenticated(s.handle(s.stopJob)))
	mux.Handle("POST /webhooks", s.authenticated(s.handle(s.subscribeWebhook)))
	mux.Handle("GET /webhooks", s.authenticated(s.handle(s.listWebhooks)))
	mux.Handle("DELETE /webhooks/{id}", s.authenticated(s.handle(s.deleteWebhook)))
	mux.Handle("POST /webhooks/{id}/rotate", s.authenticated(s.handle(s.rotateWebhook)))
	mux.Handle("GET /metrics", s.authenticated(promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{})))
	mux.Handle("GET /healthz", s.handle(s.health))
	return jsonFallbacks(mux)
}

// handle adapts a handler that returns an error: the error becomes a JSON
// error response, and the request is counted by its route.
func (s *server) handle(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		if err := h(sw, r); err != nil {
			s.writeError(sw, r, err)
		}
		s.requests.WithLabelValues(r.Pattern, strconv.Itoa(sw.status)).Inc()
	})
}

// jsonFallbacks answers requests no route matches (404, or 405 with Allow)
// with a JSON error instead of the mux's plain text.
func jsonFallbacks(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusWriter{ResponseWriter: discardBody{w}, status: http.StatusOK}
		mux.ServeHTTP(probe, r)
		writeJSON(w, probe.status, errorBody{Error: http.StatusText(probe.status)})
	})
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// discardBody keeps the headers the mux sets (Allow) but neither status nor
// body, so the caller can write its own.
type discardBody struct{ http.ResponseWriter }

func (discardBody) WriteHeader(int)             {}
func (discardBody) Write(b []byte) (int, error) { return len(b), nil }
