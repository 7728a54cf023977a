package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/message"
)

func roleNames() []string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.name
	}
	return names
}

func runServe(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "serve [--roles="+strings.Join(roleNames(), ",")+"]",
		"Run parts of the pipeline until SIGINT or SIGTERM, then stop consuming, finish in-flight work and exit.")
	dbURL := databaseFlag(fs)
	amqpURL := amqpFlag(fs)
	prefix := prefixFlag(fs)
	roleList := fs.String("roles", envOr("LOCKSTEP_ROLES", strings.Join(roleNames(), ",")), "comma-separated roles to run (env LOCKSTEP_ROLES)")
	listen := fs.String("listen", envOr("LISTEN_ADDR", "127.0.0.1:8080"), "API listen address (env LISTEN_ADDR)")
	quorum := fs.String("quorum-queues", envOr("LOCKSTEP_QUORUM_QUEUES", "false"), "declare work queues as quorum queues (env LOCKSTEP_QUORUM_QUEUES)")
	workers := fs.Int("workers", consumers.DefaultWorkers, "consumer goroutines per role, each with its own channel")
	prefetch := fs.Int("prefetch", consumers.DefaultPrefetch, "Qos prefetch per consumer channel")
	shutdownTimeout := fs.Duration("shutdown-timeout", consumers.DefaultShutdownTimeout,
		"how long every role takes at most to stop: in-flight HTTP requests and running handlers get this long, then are cut off (their tasks go to the lease rescue)")
	outboundAllow := fs.String("outbound-allow", envOr("LOCKSTEP_OUTBOUND_ALLOW", ""),
		"comma-separated CIDR prefixes that webhooks and the http handler may reach although loopback, private or link-local (env LOCKSTEP_OUTBOUND_ALLOW)")
	var maintenance consumers.MaintenanceOptions
	fs.DurationVar(&maintenance.OutboxRetention, "outbox-retention", consumers.DefaultOutboxRetention, "maintenance: how long published outbox rows are kept")
	fs.DurationVar(&maintenance.InboxRetention, "inbox-retention", consumers.DefaultInboxRetention, "maintenance: the inbox's deduplication window")
	fs.DurationVar(&maintenance.EventRetention, "event-retention", 0, "maintenance: prune the events and webhook deliveries of jobs finished longer ago (0 keeps them)")
	var webhooks consumers.WebhookOptions
	fs.IntVar(&webhooks.Senders, "webhook-senders", consumers.DefaultWebhookSenders, "webhooks: deliveries this process POSTs at once")
	fs.IntVar(&webhooks.MaxInFlight, "webhook-in-flight", consumers.DefaultWebhookMaxInFlight, "webhooks: deliveries of one subscription in flight at once, over every process")
	dbConns := fs.Int("db-conns", 16, "PostgreSQL connections of this process (pool_max_conns in the URL wins)")
	var executor consumers.ExecutorOptions
	fs.IntVar(&executor.HandlerSlots, "handler-slots", consumers.DefaultHandlerSlots, "handlers the executor runs at once in this process")
	fs.DurationVar(&executor.StepTimeout, "step-timeout", consumers.DefaultStepTimeout, "a step's handler timeout when its job sets no timeout_ms")
	fs.IntVar(&executor.MaxAttempts, "max-attempts", consumers.DefaultMaxAttempts, "attempts of a task before it fails")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	selected, err := parseRoles(*roleList)
	if err != nil {
		return err
	}
	quorumQueues, err := strconv.ParseBool(*quorum)
	if err != nil {
		return fmt.Errorf("--quorum-queues: %q is not a boolean", *quorum)
	}
	if *workers < 1 || *prefetch < 1 || executor.HandlerSlots < 1 || executor.MaxAttempts < 1 || *dbConns < 1 {
		return errors.New("--workers, --prefetch, --handler-slots, --max-attempts and --db-conns must be at least 1")
	}
	if *shutdownTimeout <= 0 || executor.StepTimeout <= 0 {
		return errors.New("--shutdown-timeout and --step-timeout must be positive")
	}
	outboundPolicy, err := outbound.ParseAllow(*outboundAllow)
	if err != nil {
		return fmt.Errorf("--outbound-allow: %w", err)
	}
	usesBroker := slices.ContainsFunc(selected, func(r role) bool { return r.usesBroker })
	if usesBroker {
		if err := validateAMQPURL(*amqpURL); err != nil {
			return err
		}
	}

	pool, err := openPoolOf(ctx, *dbURL, *dbConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	deps := roleDeps{
		pool: pool,
		consumers: consumers.Config{
			Pool:     pool,
			AMQPURL:  *amqpURL,
			Topology: message.NewTopology(*prefix),
			Quorum:   quorumQueues,
			Workers:  *workers,
			Prefetch: *prefetch,
			Logger:   slog.Default(),
			Metrics:  consumers.NewMetrics(registry),

			ShutdownTimeout: *shutdownTimeout,
			Outbound:        outboundPolicy,
		},
		executor:    executor,
		webhooks:    webhooks,
		maintenance: maintenance,
		registry:    registry,
		listenAddr:  *listen,
	}
	if usesBroker {
		deps.brokerHealth = brokerHealth(ctx, *amqpURL)
	}
	runners := make(map[string]runner, len(selected))
	for _, r := range selected {
		run, err := r.start(deps)
		if err != nil {
			closeAll(runners)
			return fmt.Errorf("start %s: %w", r.name, err)
		}
		runners[r.name] = run
	}
	slog.Info("serving", "roles", *roleList, "prefix", *prefix)
	err = runAll(ctx, runners)
	slog.Info("stopped", "roles", *roleList)
	return err
}

// parseRoles resolves a comma-separated role list, rejecting unknown and
// repeated names.
func parseRoles(list string) ([]role, error) {
	var selected []role
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(roles, func(r role) bool { return r.name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown role %q (roles: %s)", name, strings.Join(roleNames(), ","))
		}
		if slices.ContainsFunc(selected, func(r role) bool { return r.name == name }) {
			return nil, fmt.Errorf("role %q given twice", name)
		}
		selected = append(selected, roles[i])
	}
	return selected, nil
}

// runAll runs every runner until ctx ends or one of them fails, which stops
// the others; then closes them all.
func runAll(ctx context.Context, runners map[string]runner) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for name, r := range runners {
		wg.Go(func() {
			err := r.Run(ctx)
			if err != nil && !errors.Is(err, context.Canceled) {
				slog.Error("role failed", "role", name, "err", err)
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
			cancel()
		})
	}
	wg.Wait()
	return errors.Join(append(errs, closeAll(runners))...)
}

func closeAll(runners map[string]runner) error {
	var errs []error
	for name, r := range runners {
		if err := r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// brokerHealth keeps one connection to the broker open until ctx ends,
// redialling with backoff when it drops, and returns what /healthz reports:
// the last dial's error, or nil while the connection is up. A request never
// dials: a burst of health checks costs the broker nothing.
func brokerHealth(ctx context.Context, url string) func(context.Context) error {
	var state atomic.Pointer[error]
	set := func(err error) { state.Store(&err) }
	set(errors.New("not connected to RabbitMQ yet"))
	go func() {
		backoff := consumers.DefaultReconnectBackoff
		for ctx.Err() == nil {
			conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
			if err != nil {
				set(fmt.Errorf("dial RabbitMQ: %w", err))
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
				}
				backoff = min(2*backoff, consumers.DefaultMaxReconnectBackoff)
				continue
			}
			backoff = consumers.DefaultReconnectBackoff
			set(nil)
			closed := conn.NotifyClose(make(chan *amqp.Error, 1))
			select {
			case err := <-closed:
				set(fmt.Errorf("RabbitMQ connection closed: %v", err))
			case <-ctx.Done():
				conn.Close()
				return
			}
		}
	}()
	return func(context.Context) error { return *state.Load() }
}
