package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lockstep-dev/lockstep/api"
	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/jobs"
)

// runner is a running part of the pipeline: Run blocks until ctx ends and
// finishes in-flight work; Close is idempotent.
type runner interface {
	Run(ctx context.Context) error
	Close() error
}

// roleDeps is what the roles are built from.
type roleDeps struct {
	pool        *pgxpool.Pool
	consumers   consumers.Config
	executor    consumers.ExecutorOptions
	webhooks    consumers.WebhookOptions
	maintenance consumers.MaintenanceOptions
	registry    *prometheus.Registry
	listenAddr  string
	// brokerHealth is nil when no role of this process uses the broker.
	brokerHealth func(context.Context) error
}

// role is a part of the pipeline serve can run; any subset runs per
// process, so each part scales out on its own.
type role struct {
	name string
	// usesBroker says the role needs AMQP_URL.
	usesBroker bool
	start      func(roleDeps) (runner, error)
}

// roles lists every role serve accepts, in start order.
var roles = []role{
	{"api", false, newAPIRunner},
	{"executor", true, func(d roleDeps) (runner, error) { return consumers.NewExecutor(d.consumers, d.executor) }},
	{"results", true, func(d roleDeps) (runner, error) { return consumers.NewResultHandler(d.consumers) }},
	{"relay", true, func(d roleDeps) (runner, error) { return consumers.NewRelay(d.consumers, consumers.RelayOptions{}) }},
	{"webhooks", true, func(d roleDeps) (runner, error) { return consumers.NewWebhookDeliverer(d.consumers, d.webhooks) }},
	{"maintenance", false, func(d roleDeps) (runner, error) { return consumers.NewMaintenance(d.consumers, d.maintenance) }},
}

// stepChecker checks a step against the executor's handlers
// (consumers.DemoHandlers) with the outbound policy: the API and submit
// reject jobs the executor could never run.
func stepChecker(policy outbound.Policy) jobs.CheckStep {
	handlers := consumers.DemoHandlers(policy)
	return func(name string, params json.RawMessage) error { return consumers.ValidateStep(handlers, name, params) }
}

// demoHandlers are the executor's handlers, for checks that need only
// their names.
var demoHandlers = sync.OnceValue(func() consumers.Handlers { return consumers.DemoHandlers(outbound.Policy{}) })

// knownHandler reports whether the executor serves name.
func knownHandler(name string) bool {
	_, ok := demoHandlers()[name]
	return ok
}

// apiRunner serves the HTTP API until its context ends, then shuts the
// server down gracefully: no new connections, in-flight requests finish.
type apiRunner struct {
	server          *http.Server
	listener        net.Listener
	shutdownTimeout time.Duration
}

func newAPIRunner(d roleDeps) (runner, error) {
	// Listening here, not in Run, makes a taken port fail at start.
	listener, err := net.Listen("tcp", d.listenAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", d.listenAddr, err)
	}
	handler := api.New(api.Config{
		Pool:         d.pool,
		Topology:     d.consumers.Topology,
		CheckStep:    stepChecker(d.consumers.Outbound),
		Outbound:     d.consumers.Outbound,
		BrokerHealth: d.brokerHealth,
		Registry:     d.registry,
		Logger:       d.consumers.Logger,
	})
	slog.Info("api listening", "addr", listener.Addr().String())
	return &apiRunner{
		server:          &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second},
		listener:        listener,
		shutdownTimeout: d.consumers.ShutdownTimeout,
	}, nil
}

func (a *apiRunner) Run(ctx context.Context) error {
	served := make(chan error, 1)
	go func() { served <- a.server.Serve(a.listener) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.shutdownTimeout)
	defer cancel()
	if err := a.server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down http server: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

func (a *apiRunner) Close() error {
	if err := a.server.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
