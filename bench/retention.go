package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"time"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/webhook"
)

// RetentionOptions size the retention part: one-step jobs submitted at
// Rate a second for Duration into the roles, the webhook deliverer
// delivering every event to a receiver in this process, and the
// maintenance role pruning every MaintenanceInterval what is older than
// Retention (published outbox rows, inbox rows, events of finished jobs
// with their deliveries); the tables' row counts are sampled every
// Sample.
type RetentionOptions struct {
	Rate                int
	Duration, Sample    time.Duration
	Retention           time.Duration
	MaintenanceInterval time.Duration
}

// RetentionSample is the row count of each table a moment into the run.
type RetentionSample struct {
	At         time.Duration `json:"at_ns"`
	Jobs       int64         `json:"jobs"`
	Outbox     int64         `json:"outbox"`
	Inbox      int64         `json:"inbox"`
	Events     int64         `json:"events"`
	Deliveries int64         `json:"webhook_queue"`
	Attempts   int64         `json:"webhook_deliveries"`
}

// RetentionResult is what the retention part sampled.
type RetentionResult struct {
	Samples []RetentionSample
	// Delivered counts the webhook requests the receiver answered.
	Delivered int64
}

// RunRetention runs the retention part on a scratch database and topology:
// jobs keep coming, and the pruned tables should stay flat while jobs grow.
// The receiver listens on 127.0.0.1, which the run's outbound policy
// allows; nothing else is dialled.
func RunRetention(ctx context.Context, opts PipelineOptions, r RetentionOptions, logger *slog.Logger) (RetentionResult, error) {
	var (
		result RetentionResult
		mu     sync.Mutex
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		result.Delivered++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	opts.Webhooks = true
	opts.Consumers.Outbound.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	p, err := openPipeline(ctx, opts, logger)
	if err != nil {
		return result, err
	}
	defer p.close()
	if _, err := queries.WebhookSubscribe(ctx, p.pool, db.WebhookSubscribeParams{Url: receiver.URL, Secret: webhook.NewSecret(), EventTypes: []string{}}); err != nil {
		return result, fmt.Errorf("subscribe the receiver: %w", err)
	}
	if err := p.startRoles(ctx); err != nil {
		return result, err
	}
	maintenance, err := consumers.NewMaintenance(consumers.Config{Pool: p.rolesPool, Logger: logger}, consumers.MaintenanceOptions{
		Interval: r.MaintenanceInterval, OutboxRetention: r.Retention, InboxRetention: r.Retention, EventRetention: r.Retention,
	})
	if err != nil {
		return result, err
	}
	runCtx, cancel := context.WithTimeout(ctx, r.Duration)
	defer cancel()
	var roles sync.WaitGroup
	roles.Go(func() { maintenance.Run(runCtx) })
	defer roles.Wait()

	spec := jobSpec(1, opts.Handler, opts.Params)
	submitted := make(chan error, 1)
	go func() { submitted <- submitPaced(runCtx, p, spec, r.Rate) }()
	start := time.Now()
	record := func() error {
		s, err := countRows(ctx, p)
		s.At = time.Since(start)
		// The final count replaces a tick's taken just before it.
		if n := len(result.Samples); n > 0 && s.At-result.Samples[n-1].At < r.Sample/2 {
			result.Samples = result.Samples[:n-1]
		}
		result.Samples = append(result.Samples, s)
		return err
	}
	if err := record(); err != nil {
		return result, err
	}
	sample := time.NewTicker(r.Sample)
	defer sample.Stop()
	for running := true; running; {
		select {
		case <-sample.C:
		case err := <-p.failed:
			return result, fmt.Errorf("a role stopped: %w", err)
		case <-runCtx.Done():
			running = false
		}
		if err := record(); err != nil {
			return result, err
		}
	}
	if err := <-submitted; err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return result, fmt.Errorf("submit: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return result, nil
}

// submitPaced submits one job per tick of rate a second until ctx ends.
func submitPaced(ctx context.Context, p *pipeline, spec jobs.Spec, rate int) error {
	pace := time.NewTicker(time.Second / time.Duration(rate))
	defer pace.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-pace.C:
		}
		if _, _, err := jobs.Submit(ctx, p.pool, p.topo, spec); err != nil {
			return err
		}
	}
}

// countRows counts the rows of the tables retention bounds, and the jobs.
func countRows(ctx context.Context, p *pipeline) (RetentionSample, error) {
	var s RetentionSample
	err := p.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM outbox), (SELECT count(*) FROM inbox),
		       (SELECT count(*) FROM events), (SELECT count(*) FROM webhook_queue), (SELECT count(*) FROM webhook_deliveries)`,
	).Scan(&s.Jobs, &s.Outbox, &s.Inbox, &s.Events, &s.Deliveries, &s.Attempts)
	if err != nil {
		return s, fmt.Errorf("count rows: %w", err)
	}
	return s, nil
}
