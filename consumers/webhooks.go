package consumers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
	"github.com/lockstep-dev/lockstep/webhook"
)

// WebhookOptions tune webhook delivery; zero fields take the defaults.
type WebhookOptions struct {
	// Client makes the requests; nil means Config.Outbound's guarded
	// client with Timeout.
	Client  *http.Client
	Timeout time.Duration
	// Senders is how many deliveries this deliverer POSTs at once.
	Senders int
	// MaxInFlight bounds the deliveries of one subscription in flight at
	// once, over every deliverer.
	MaxInFlight int
	// Lease is how long a claimed delivery belongs to its sender; once it
	// runs out (the sender crashed) another sender takes the delivery
	// over. It must exceed Timeout.
	Lease time.Duration
	// Schedule is the pause after each failed attempt: after the n-th
	// failure the next attempt waits Schedule[n-1] plus a jitter of up to
	// a fifth of it. When the attempt after the last pause fails too, the
	// delivery is failed (listed and replayed by `lockstep webhooks`); so
	// is one still pending when every pause at its longest and a lease per
	// attempt have passed since it was recorded (its breaker kept it from
	// spending its attempts).
	Schedule []time.Duration
	// BreakerFailures consecutive failed attempts to a subscription open
	// its breaker for BreakerOpen: its deliveries are not claimed, and
	// spend no attempts, until then. After that one probe at a time is
	// sent; its success closes the breaker, its failure opens it again.
	BreakerFailures int
	BreakerOpen     time.Duration
	// PollInterval is how often due deliveries are looked for when nothing
	// wakes the senders earlier (an announcement this deliverer recorded,
	// a sender finishing).
	PollInterval time.Duration
	// SweepInterval is how often events whose announcement was lost are
	// announced again: those with no delivery row for a matching
	// subscription StaleAfter after their announcement, within Horizon.
	SweepInterval time.Duration
	StaleAfter    time.Duration
	Horizon       time.Duration
}

// Webhook defaults.
const (
	DefaultWebhookTimeout         = 10 * time.Second
	DefaultWebhookSenders         = 16
	DefaultWebhookMaxInFlight     = 4
	DefaultWebhookBreakerFailures = 5
	DefaultWebhookBreakerOpen     = time.Minute
	DefaultWebhookPoll            = time.Second
	DefaultWebhookSweep           = 30 * time.Second
	DefaultWebhookStaleAfter      = 5 * time.Minute
	DefaultWebhookHorizon         = time.Hour
)

// DefaultWebhookSchedule is the pause after each failed attempt: nine
// attempts over 15h36m (18h43m at most with the jitter), then the delivery
// is failed.
var DefaultWebhookSchedule = []time.Duration{
	10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour,
}

// defaultLeaseMargin is how much the default lease exceeds the timeout.
const defaultLeaseMargin = 30 * time.Second

// DefaultWebhookExpiry is how long a delivery stays pending at most under
// the default schedule and lease; lockstep webhooks replay gives the
// deliveries it replays this long.
var DefaultWebhookExpiry = webhookExpiry(DefaultWebhookSchedule, DefaultWebhookTimeout+defaultLeaseMargin)

// webhookExpiry is how long a delivery may stay pending: every pause of
// schedule at its longest, and the lease of each attempt. A delivery still
// pending then (its breaker kept it from spending its attempts) is failed.
func webhookExpiry(schedule []time.Duration, lease time.Duration) time.Duration {
	expiry := lease
	for _, pause := range schedule {
		expiry += pause + pause/5 + lease
	}
	return expiry
}

// WebhookDeliverer delivers job events to webhook subscriptions
// (docs/architecture.md, "Webhook delivery"). Consuming topo.Webhooks only
// records, in one short statement per batch, one pending delivery row per
// event and matching subscription, and acks; nothing there waits on a
// receiver. A pool of Senders claims due rows (leased, at most MaxInFlight
// per subscription, none of a subscription whose breaker is open), POSTs
// each outside any transaction, signed with the subscription's secrets,
// and records the outcome fenced by the claim's attempt number. Every
// attempt is logged in webhook_deliveries. Failed attempts are retried on
// Schedule, then the delivery is failed. Delivery is at-least-once: a
// sender that crashes, or outlives its lease, after a receiver's 2xx has
// the event sent again, so receivers deduplicate by the webhook-id header
// (the event id). A sweeper announces again events whose announcement was
// lost.
type WebhookDeliverer struct {
	lifecycle
	*consumer
	w *webhookDeliverer
}

type webhookDeliverer struct {
	cfg  Config
	opts WebhookOptions
	// wake is poked when deliveries were recorded or a sender finished.
	wake chan struct{}
}

// NewWebhookDeliverer validates cfg and returns a deliverer ready to Run.
func NewWebhookDeliverer(cfg Config, opts WebhookOptions) (*WebhookDeliverer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	orDefault(&opts.Timeout, DefaultWebhookTimeout)
	if opts.Client == nil {
		opts.Client = cfg.Outbound.Client(opts.Timeout)
	}
	orDefault(&opts.Senders, DefaultWebhookSenders)
	orDefault(&opts.MaxInFlight, DefaultWebhookMaxInFlight)
	orDefault(&opts.Lease, opts.Timeout+defaultLeaseMargin)
	if opts.Lease <= opts.Timeout {
		return nil, fmt.Errorf("consumers: webhook lease %v must exceed the timeout %v", opts.Lease, opts.Timeout)
	}
	if opts.Schedule == nil {
		opts.Schedule = DefaultWebhookSchedule
	}
	orDefault(&opts.BreakerFailures, DefaultWebhookBreakerFailures)
	orDefault(&opts.BreakerOpen, DefaultWebhookBreakerOpen)
	orDefault(&opts.PollInterval, DefaultWebhookPoll)
	orDefault(&opts.SweepInterval, DefaultWebhookSweep)
	orDefault(&opts.StaleAfter, DefaultWebhookStaleAfter)
	orDefault(&opts.Horizon, DefaultWebhookHorizon)
	w := &webhookDeliverer{cfg: cfg, opts: opts, wake: make(chan struct{}, 1)}
	return &WebhookDeliverer{
		consumer: &consumer{cfg: cfg, name: "webhooks", queue: cfg.Topology.Webhooks, maxBatch: cfg.MaxBatch, handle: w.handle},
		w:        w,
	}, nil
}

// Run records announced events, sends due deliveries and sweeps for lost
// announcements until ctx ends or Close is called. Sends in flight then
// get ShutdownTimeout to finish and be recorded; one cut short is logged
// as a failed attempt.
func (d *WebhookDeliverer) Run(ctx context.Context) error {
	ctx, end, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	var background sync.WaitGroup
	background.Go(func() { repeat(ctx, d.w.opts.SweepInterval, d.w.sweep) })
	background.Go(func() { d.w.dispatch(ctx) })
	err = d.consumer.consume(ctx)
	background.Wait()
	return err
}

// handle records the deliveries of a batch of announcements and wakes the
// senders; an announcement of an event that does not exist is
// dead-lettered.
func (w *webhookDeliverer) handle(ctx context.Context, batch []*inbound) error {
	ctx = context.WithoutCancel(ctx) // a batch that started is recorded
	var (
		ids       []uuid.UUID
		announced []*inbound
	)
	for _, in := range batch {
		msg, err := decodeMessage(in.Body, func(m message.Event) error {
			if m.EventID == uuid.Nil {
				return errors.New("event_id missing")
			}
			return nil
		})
		if err != nil {
			in.deadLetter = err.Error()
			continue
		}
		ids = append(ids, msg.EventID)
		announced = append(announced, in)
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := queries.WebhookEnqueue(ctx, w.cfg.Pool, db.WebhookEnqueueParams{
		EventIds: ids, ExpireSeconds: webhookExpiry(w.opts.Schedule, w.opts.Lease).Seconds(),
	})
	if err != nil {
		return fmt.Errorf("record deliveries of %d events: %w", len(ids), err)
	}
	exists := make(map[uuid.UUID]bool, len(found))
	enqueued := 0
	for _, f := range found {
		exists[f.ID] = true
		enqueued += int(f.Enqueued)
	}
	for i, in := range announced {
		if !exists[ids[i]] {
			in.deadLetter = fmt.Sprintf("unknown event %s", ids[i])
		}
	}
	if enqueued > 0 {
		w.poke()
	}
	return nil
}

func (w *webhookDeliverer) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// dispatch claims due deliveries for free senders and sends each in its
// own goroutine until ctx ends, then waits for the sends in flight.
func (w *webhookDeliverer) dispatch(ctx context.Context) {
	// Sends outlive ctx by ShutdownTimeout at most.
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(w.cfg.ShutdownTimeout, cancelSends) })
	defer stop()
	free := make(chan struct{}, w.opts.Senders)
	for range w.opts.Senders {
		free <- struct{}{}
	}
	var sends sync.WaitGroup
	defer sends.Wait()
	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		case <-w.wake:
		}
		for ctx.Err() == nil && len(free) > 0 {
			n := len(free)
			claimed, err := w.claim(ctx, n)
			if err != nil {
				if ctx.Err() == nil {
					w.cfg.Logger.Warn("claim webhook deliveries failed; retrying at the next poll", "err", err)
				}
				break
			}
			for _, d := range claimed {
				<-free
				w.cfg.Metrics.WebhookSending.Inc()
				sends.Go(func() {
					defer func() {
						w.cfg.Metrics.WebhookSending.Dec()
						free <- struct{}{}
						w.poke()
					}()
					w.send(sendCtx, d)
				})
			}
			if len(claimed) < n {
				break // nothing more is due now
			}
		}
		poll.Reset(w.opts.PollInterval)
	}
}

// claim leases up to n due deliveries in one short transaction: lock the
// subscriptions with due work, then claim within their limits
// (queries/webhooks.sql says why it takes two statements).
func (w *webhookDeliverer) claim(ctx context.Context, n int) ([]db.WebhookClaimRow, error) {
	var claimed []db.WebhookClaimRow
	err := transact.Run(ctx, w.cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		subs, err := queries.WebhookClaimSubscriptions(ctx, tx)
		if err != nil {
			return fmt.Errorf("lock subscriptions with due deliveries: %w", err)
		}
		if len(subs) == 0 {
			claimed = nil
			return nil
		}
		claimed, err = queries.WebhookClaim(ctx, tx, db.WebhookClaimParams{
			SubscriptionIds: subs, BatchSize: int32(n), MaxInFlight: int32(w.opts.MaxInFlight),
			BreakerFailures: int32(w.opts.BreakerFailures), LeaseSeconds: w.opts.Lease.Seconds(),
		})
		if err != nil {
			return fmt.Errorf("claim due deliveries: %w", err)
		}
		return nil
	})
	return claimed, err
}

// webhookBody is what a subscriber receives.
type webhookBody struct {
	ID        uuid.UUID       `json:"id"`
	JobID     uuid.UUID       `json:"job_id"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// send makes one attempt of a claimed delivery and records its outcome,
// retrying the record while the database fails transiently (it is fenced,
// so a retry of one that committed changes nothing). Given up at shutdown
// or on another error, the lease runs out and another attempt follows.
func (w *webhookDeliverer) send(ctx context.Context, d db.WebhookClaimRow) {
	status, postErr := w.post(ctx, d)
	attrs := []any{"event_id", d.EventID, "url", d.Url, "attempt", d.Attempt}
	err := whileTransient(ctx, w.cfg, "record webhook attempt failed, retrying", attrs,
		func() error { return w.record(context.WithoutCancel(ctx), d, status, postErr) })
	if err != nil && ctx.Err() == nil {
		w.cfg.Logger.Error("record webhook attempt failed", append(attrs, "err", err)...)
	}
}

// post makes one attempt, signed as Standard Webhooks do (package
// webhook); a non-2xx status is an error.
func (w *webhookDeliverer) post(ctx context.Context, d db.WebhookClaimRow) (int, error) {
	body, err := json.Marshal(webhookBody{ID: d.EventID, JobID: d.JobID, Type: d.Type, Payload: d.Payload, CreatedAt: d.CreatedAt})
	if err != nil {
		return 0, fmt.Errorf("encode event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := webhook.SetHeaders(req.Header, d.EventID.String(), time.Now(), body, liveSecrets(d)...); err != nil {
		return 0, fmt.Errorf("sign: %w", err)
	}
	resp, err := w.opts.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// liveSecrets are the secrets a delivery is signed with: its
// subscription's own, and during a rotation the one before.
func liveSecrets(d db.WebhookClaimRow) []string {
	secrets := []string{d.Secret}
	if d.PreviousSecret != nil && d.PreviousUntil != nil && time.Now().Before(*d.PreviousUntil) {
		secrets = append(secrets, *d.PreviousSecret)
	}
	return secrets
}

// record logs an attempt and moves its delivery on, unless another sender
// took the delivery over meanwhile.
func (w *webhookDeliverer) record(ctx context.Context, d db.WebhookClaimRow, status int, postErr error) error {
	params := db.WebhookRecordOutcomeParams{
		ID: d.ID, Attempt: d.Attempt, SubscriptionID: d.SubscriptionID, EventID: d.EventID, Succeeded: postErr == nil,
		BreakerFailures: int32(w.opts.BreakerFailures), OpenSeconds: w.opts.BreakerOpen.Seconds(),
	}
	outcome := "delivered"
	if status != 0 {
		code := int32(status)
		params.StatusCode = &code
	}
	if postErr != nil {
		text := postErr.Error()
		params.Error = &text
		pause, ok := retryPause(w.opts.Schedule, int(d.Retries))
		params.RetrySeconds, params.GiveUp = pause.Seconds(), !ok
		outcome = "retry"
		if !ok {
			outcome = "failed"
		}
	}
	current, err := queries.WebhookRecordOutcome(ctx, w.cfg.Pool, params)
	if err != nil {
		return fmt.Errorf("record attempt %d of %s to %s: %w", d.Attempt, d.EventID, d.Url, err)
	}
	if !current {
		outcome = "superseded"
		w.cfg.Logger.Info("webhook attempt outlived its lease; another sender took the delivery over",
			"event_id", d.EventID, "url", d.Url, "attempt", d.Attempt)
	} else if params.GiveUp {
		w.cfg.Logger.Error("webhook delivery failed; lockstep webhooks replay sends it again", "event_id", d.EventID,
			"type", d.Type, "url", d.Url, "attempts", d.Attempt, "err", postErr)
	}
	w.cfg.Metrics.WebhookAttempts.WithLabelValues(outcome).Inc()
	return nil
}

// retryPause is the pause after a delivery's failed attempts number
// retries+1: the schedule's entry plus up to a fifth of it, so deliveries
// that failed together do not retry together. false once the schedule is
// spent: the delivery is failed.
func retryPause(schedule []time.Duration, retries int) (time.Duration, bool) {
	if retries >= len(schedule) {
		return 0, false
	}
	pause := schedule[retries]
	return pause + rand.N(pause/5+1), true
}

// sweep announces again, in bounded batches, events a subscriber never
// heard of, fails expired deliveries and refreshes the delivery gauges.
func (w *webhookDeliverer) sweep(ctx context.Context) {
	w.failExpired(ctx)
	sweepInBatches(ctx, w.cfg, w.cfg.Topology.Events, "announced again events no subscriber heard of",
		func(ctx context.Context, tx pgx.Tx) ([]outbox.Message, error) {
			lost, err := queries.EventReannounceUndelivered(ctx, tx, db.EventReannounceUndeliveredParams{
				HorizonSeconds: w.opts.Horizon.Seconds(), StaleSeconds: w.opts.StaleAfter.Seconds(), BatchSize: sweepBatch,
			})
			if err != nil {
				return nil, fmt.Errorf("find events not announced: %w", err)
			}
			msgs := make([]outbox.Message, len(lost))
			for i, e := range lost {
				msgs[i] = outbox.Message{RoutingKey: e.Type, Body: message.Event{EventID: e.ID, JobID: e.JobID, Type: e.Type}}
			}
			return msgs, nil
		})
	stats, err := queries.WebhookQueueStats(ctx, w.cfg.Pool)
	if err != nil {
		if ctx.Err() == nil {
			w.cfg.Logger.Warn("read webhook delivery gauges failed", "err", err)
		}
		return
	}
	w.cfg.Metrics.WebhookPending.Set(float64(stats.Pending))
	w.cfg.Metrics.WebhookFailed.Set(float64(stats.Failed))
	w.cfg.Metrics.WebhookOpenBreakers.Set(float64(stats.OpenBreakers))
}

// failExpired fails, in bounded batches, the pending deliveries past their
// expiry.
func (w *webhookDeliverer) failExpired(ctx context.Context) {
	var total int64
	for ctx.Err() == nil {
		n, err := queries.WebhookFailExpired(ctx, w.cfg.Pool, sweepBatch)
		if err != nil {
			if ctx.Err() == nil {
				w.cfg.Logger.Warn("fail expired webhook deliveries failed; retrying at the next sweep", "err", err)
			}
			break
		}
		total += n
		if n < sweepBatch {
			break
		}
	}
	if total > 0 {
		w.cfg.Logger.Error("webhook deliveries expired while their breaker stayed open; lockstep webhooks replay sends them again", "deliveries", total)
	}
}
