package consumers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/webhook"
)

// WebhookOptions tune webhook delivery; zero fields take the defaults.
type WebhookOptions struct {
	// Client makes the requests; nil means Config.Outbound's guarded
	// client with Timeout.
	Client  *http.Client
	Timeout time.Duration
	// MaxAttempts bounds the attempts per event and subscription.
	MaxAttempts int
	// Backoff is the pause after the first failed attempt; it doubles after
	// each further failure, up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// SweepInterval is how often events whose announcement was lost are
	// announced again: those no subscriber has heard of StaleAfter after
	// their announcement, within Horizon.
	SweepInterval time.Duration
	StaleAfter    time.Duration
	Horizon       time.Duration
}

// Webhook defaults.
const (
	DefaultWebhookTimeout    = 10 * time.Second
	DefaultWebhookAttempts   = 5
	DefaultWebhookBackoff    = 500 * time.Millisecond
	DefaultWebhookMaxBackoff = 30 * time.Second
	DefaultWebhookSweep      = 30 * time.Second
	DefaultWebhookStaleAfter = 5 * time.Minute
	DefaultWebhookHorizon    = time.Hour
)

// WebhookDeliverer consumes topo.Webhooks (S2). For an event message it
// loads the event (committed before the message left the outbox, so it
// exists), and POSTs it to every subscription that has not received it yet,
// signed with the subscription's secret. Every attempt is logged in
// webhook_deliveries. Failed attempts are retried in-process with
// exponential backoff up to MaxAttempts, then given up with a log line; the
// worker is busy meanwhile, so Workers bounds the parallel retries. The HTTP
// calls happen outside any transaction. Delivery is at-least-once: a crash
// after a receiver's 2xx and before its row is written sends it again, so
// receivers deduplicate by the webhook-id header (the event id). A sweeper announces again
// events whose announcement was lost.
type WebhookDeliverer struct {
	lifecycle
	*consumer
	w *webhookDeliverer
}

type webhookDeliverer struct {
	cfg  Config
	opts WebhookOptions
}

// NewWebhookDeliverer validates cfg and returns a deliverer ready to Run.
func NewWebhookDeliverer(cfg Config, opts WebhookOptions) (*WebhookDeliverer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultWebhookTimeout
	}
	if opts.Client == nil {
		opts.Client = cfg.Outbound.Client(opts.Timeout)
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultWebhookAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultWebhookBackoff
	}
	orDefault(&opts.MaxBackoff, DefaultWebhookMaxBackoff)
	orDefault(&opts.SweepInterval, DefaultWebhookSweep)
	orDefault(&opts.StaleAfter, DefaultWebhookStaleAfter)
	orDefault(&opts.Horizon, DefaultWebhookHorizon)
	w := &webhookDeliverer{cfg: cfg, opts: opts}
	// One message at a time per worker: a slow receiver must not hold back
	// other events behind it in a batch.
	return &WebhookDeliverer{
		consumer: &consumer{cfg: cfg, name: "webhooks", queue: cfg.Topology.Webhooks, maxBatch: 1, handle: w.handle},
		w:        w,
	}, nil
}

// Run delivers events until ctx ends or Close is called, sweeping for lost
// announcements meanwhile.
func (d *WebhookDeliverer) Run(ctx context.Context) error {
	ctx, end, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	var sweeper sync.WaitGroup
	sweeper.Go(func() { repeat(ctx, d.w.opts.SweepInterval, d.w.sweep) })
	err = d.consumer.consume(ctx)
	sweeper.Wait()
	return err
}

// sweep announces again, in bounded batches, events a subscriber never
// heard of.
func (w *webhookDeliverer) sweep(ctx context.Context) {
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
}

// webhookBody is what a subscriber receives.
type webhookBody struct {
	ID        uuid.UUID       `json:"id"`
	JobID     uuid.UUID       `json:"job_id"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

func (w *webhookDeliverer) handle(ctx context.Context, batch []*inbound) error {
	for _, in := range batch {
		reason, err := w.deliver(ctx, in.Body)
		if err != nil {
			return err
		}
		in.deadLetter = reason
	}
	return nil
}

// deliver sends one event to its subscribers; a non-empty reason
// dead-letters the message.
func (w *webhookDeliverer) deliver(ctx context.Context, raw []byte) (string, error) {
	var msg message.Event
	if err := json.Unmarshal(raw, &msg); err != nil {
		return fmt.Sprintf("unparsable body: %v", err), nil
	}
	if msg.EventID == uuid.Nil {
		return "invalid message: event_id missing", nil
	}
	event, err := queries.EventGet(ctx, w.cfg.Pool, msg.EventID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Sprintf("unknown event %s", msg.EventID), nil
	}
	if err != nil {
		return "", fmt.Errorf("load event %s: %w", msg.EventID, err)
	}
	subs, err := queries.WebhookSubscriptionsForEvent(ctx, w.cfg.Pool, event.Type)
	if err != nil {
		return "", fmt.Errorf("list subscriptions for %s: %w", event.Type, err)
	}
	body, err := json.Marshal(webhookBody{ID: event.ID, JobID: event.JobID, Type: event.Type, Payload: event.Payload, CreatedAt: event.CreatedAt})
	if err != nil {
		return "", fmt.Errorf("encode event %s: %w", event.ID, err)
	}
	for _, sub := range subs {
		if err := w.deliverTo(ctx, sub, event, body); err != nil {
			return "", err
		}
	}
	return "", nil
}

// deliverTo sends body to one subscription until it succeeds or attempts
// run out. It returns an error only for database failures and shutdown.
func (w *webhookDeliverer) deliverTo(ctx context.Context, sub db.WebhookSubscription, event db.Event, body []byte) error {
	delivered, err := queries.WebhookDelivered(ctx, w.cfg.Pool, db.WebhookDeliveredParams{SubscriptionID: sub.ID, EventID: event.ID})
	if err != nil {
		return fmt.Errorf("check delivery of %s to %s: %w", event.ID, sub.Url, err)
	}
	if delivered {
		return nil
	}
	backoff := w.opts.Backoff
	for attempt := 1; ; attempt++ {
		status, postErr := w.post(ctx, sub, event.ID, body)
		if ctx.Err() != nil {
			return ctx.Err() // not an attempt: shutdown; the message is redelivered
		}
		if err := w.record(ctx, sub, event, status, postErr); err != nil {
			return err
		}
		if postErr == nil {
			return nil
		}
		if attempt >= w.opts.MaxAttempts {
			w.cfg.Logger.Error("webhook delivery gave up", "event_id", event.ID, "type", event.Type,
				"url", sub.Url, "attempts", attempt, "err", postErr)
			return nil
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(2*backoff, w.opts.MaxBackoff)
	}
}

// liveSecrets are the secrets a delivery to sub is signed with: its own,
// and during a rotation the one before.
func liveSecrets(sub db.WebhookSubscription) []string {
	secrets := []string{sub.Secret}
	if sub.PreviousSecret != nil && sub.PreviousUntil != nil && time.Now().Before(*sub.PreviousUntil) {
		secrets = append(secrets, *sub.PreviousSecret)
	}
	return secrets
}

// post makes one attempt, signed as Standard Webhooks do (package
// webhook); a non-2xx status is an error.
func (w *webhookDeliverer) post(ctx context.Context, sub db.WebhookSubscription, eventID uuid.UUID, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if err := webhook.SetHeaders(req.Header, eventID.String(), time.Now(), body, liveSecrets(sub)...); err != nil {
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

// record logs one attempt. A unique violation means a concurrent delivery
// of a duplicate message recorded the same attempt or success first; the
// row it wrote stands.
func (w *webhookDeliverer) record(ctx context.Context, sub db.WebhookSubscription, event db.Event, status int, postErr error) error {
	params := db.WebhookDeliveryRecordParams{SubscriptionID: sub.ID, EventID: event.ID, Succeeded: postErr == nil}
	if status != 0 {
		code := int32(status)
		params.StatusCode = &code
	}
	if postErr != nil {
		text := postErr.Error()
		params.Error = &text
	}
	_, err := queries.WebhookDeliveryRecord(ctx, w.cfg.Pool, params)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		w.cfg.Logger.Info("webhook attempt raced a duplicate delivery", "event_id", event.ID, "url", sub.Url)
		return nil
	}
	if err != nil {
		return fmt.Errorf("record delivery of %s to %s: %w", event.ID, sub.Url, err)
	}
	return nil
}
