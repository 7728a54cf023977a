package consumers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/transact"
)

var queries = db.New()

// RelayOptions tune the outbox relay; zero fields take the defaults.
type RelayOptions struct {
	// BatchSize bounds the rows claimed, published and marked per
	// transaction.
	BatchSize int
	// PollInterval is how long the relay waits after a claim that found
	// fewer rows than BatchSize; while claims come back full it claims
	// again at once. It bounds how long a committed message waits, and how
	// soon a deferred row is retried after its time comes.
	PollInterval time.Duration
	// RetryBackoff is how long a row the broker refused waits before its
	// first retry; the wait doubles with every failed attempt up to
	// MaxRetryBackoff, and stays there: a row is never given up.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
}

// Relay defaults.
const (
	DefaultRelayBatchSize       = 256
	DefaultRelayPollInterval    = 10 * time.Millisecond
	DefaultRelayRetryBackoff    = time.Second
	DefaultRelayMaxRetryBackoff = 5 * time.Minute
)

// Relay publishes committed outbox rows (docs/architecture.md, "Message
// flow", step 2). It polls every PollInterval, and again at once while
// batches come back full. It claims a batch with FOR UPDATE SKIP LOCKED, publishes every row with publisher
// confirms, and marks the rows published in the same transaction only after
// the broker confirmed them. A crash or error before the commit leaves
// the rows unpublished, so they are published again: delivery is
// at-least-once, and consumers drop the duplicates through their inbox.
// SKIP LOCKED makes any number of relays safe side by side.
//
// A row the broker refuses (a missing exchange closes the channel, a nack)
// is deferred on its own schedule rather than blocking the rows behind it:
// the relay republishes the unconfirmed rows of the batch one by one on a
// fresh channel, marks those confirmed, and records the error and the next
// attempt's time on each row that fails again.
type Relay struct {
	lifecycle
	cfg  Config
	opts RelayOptions
	// afterConfirm, when set by a test, runs after the broker confirmed a
	// batch's rows and before they are marked; an error rolls the claim
	// back, as a crash at that point would.
	afterConfirm func(rows []db.Outbox) error
}

// NewRelay validates cfg and returns a relay ready to Run.
func NewRelay(cfg Config, opts RelayOptions) (*Relay, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultRelayBatchSize
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultRelayPollInterval
	}
	if opts.RetryBackoff <= 0 {
		opts.RetryBackoff = DefaultRelayRetryBackoff
	}
	if opts.MaxRetryBackoff <= 0 {
		opts.MaxRetryBackoff = DefaultRelayMaxRetryBackoff
	}
	opts.MaxRetryBackoff = max(opts.MaxRetryBackoff, opts.RetryBackoff)
	return &Relay{cfg: cfg, opts: opts}, nil
}

// Run relays until ctx ends or Close is called.
func (r *Relay) Run(ctx context.Context) error {
	ctx, end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	return runSessions(ctx, r.cfg, "relay", func(ctx context.Context, conn *amqp.Connection, connClosed <-chan *amqp.Error) error {
		// A channel the broker closed (a channel error, such as publishing
		// to a missing exchange) is reopened at the next publish; only the
		// connection closing ends the session.
		ch := &relayChannel{conn: conn, cfg: r.cfg}
		defer ch.close()
		if _, err := ch.get(); err != nil {
			return err
		}
		poll := time.NewTicker(r.opts.PollInterval)
		defer poll.Stop()
		var lagUpdated time.Time
		for {
			if err := r.drain(ctx, ch); err != nil {
				return err
			}
			if time.Since(lagUpdated) >= lagInterval {
				r.updateLag(ctx)
				lagUpdated = time.Now()
			}
			select {
			case <-ctx.Done():
				return nil
			case <-poll.C:
			case err := <-connClosed:
				return fmt.Errorf("%w: %v", errConnectionClosed, err)
			}
		}
	})
}

// lagInterval is how often the relay updates the outbox lag metrics.
const lagInterval = time.Second

// drain relays batches until a claim comes back short.
func (r *Relay) drain(ctx context.Context, ch *relayChannel) error {
	for ctx.Err() == nil {
		n, err := r.relayBatch(ctx, ch)
		if err != nil {
			return err
		}
		if n < r.opts.BatchSize {
			return nil
		}
	}
	return nil
}

// deferral is a row the broker refused, rescheduled by the batch's
// transaction.
type deferral struct {
	row     db.Outbox
	err     error
	retryIn time.Duration
}

// relayBatch claims, publishes and marks one batch, deferring the rows the
// broker refused, and returns the number of rows claimed.
func (r *Relay) relayBatch(ctx context.Context, ch *relayChannel) (int, error) {
	var claimed int
	var published []db.Outbox
	var deferred []deferral
	err := transact.Run(ctx, r.cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		claimed, published, deferred = 0, nil, nil
		rows, err := queries.OutboxClaim(ctx, tx, int32(r.opts.BatchSize))
		if err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		claimed = len(rows)
		// Publishing while the claim is open is the point of the relay: the
		// rows were committed by other transactions, this one only holds
		// their locks, and the mark below must follow the confirms.
		published, deferred, err = r.publish(ctx, ch, rows)
		if err != nil {
			return err
		}
		if r.afterConfirm != nil && len(published) > 0 {
			if err := r.afterConfirm(published); err != nil {
				return err
			}
		}
		if len(published) > 0 {
			ids := make([]int64, len(published))
			for i, row := range published {
				ids[i] = row.ID
			}
			if _, err := queries.OutboxMarkPublished(ctx, tx, ids); err != nil {
				return fmt.Errorf("mark outbox published: %w", err)
			}
		}
		for _, d := range deferred {
			if _, err := queries.OutboxDefer(ctx, tx, db.OutboxDeferParams{
				ID:             d.row.ID,
				Attempts:       d.row.Attempts,
				LastError:      d.err.Error(),
				RetryInSeconds: d.retryIn.Seconds(),
			}); err != nil {
				return fmt.Errorf("defer outbox row %d: %w", d.row.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("relay outbox batch: %w", err)
	}
	r.cfg.Metrics.Published.Add(float64(len(published)))
	r.cfg.Metrics.Deferred.Add(float64(len(deferred)))
	for _, d := range deferred {
		level := slog.LevelWarn
		if d.retryIn >= r.opts.MaxRetryBackoff {
			level = slog.LevelError // failing for a while now: an operator should look
		}
		r.cfg.Logger.Log(ctx, level, "outbox row deferred",
			"id", d.row.ID, "message_id", d.row.MessageID,
			"exchange", d.row.Exchange, "routing_key", d.row.RoutingKey,
			"err", d.err, "attempt", d.row.Attempts+1, "retry_in", d.retryIn)
	}
	return claimed, nil
}

// publish publishes rows with confirms and sorts them into the confirmed
// and the refused. The whole batch goes out at once; when the broker
// refuses any of it, every unconfirmed row is published again alone (on a
// fresh channel whenever the broker closed the last), so that only the rows
// at fault are deferred. An error
// (the connection lost, ctx ended) blames no row: the caller rolls back.
func (r *Relay) publish(ctx context.Context, ch *relayChannel, rows []db.Outbox) (published []db.Outbox, deferred []deferral, err error) {
	errs, err := publishConfirmed(ctx, ch, rows)
	if err != nil {
		return nil, nil, err
	}
	for i, row := range rows {
		if errs[i] == nil {
			published = append(published, row)
			continue
		}
		alone, err := publishConfirmed(ctx, ch, rows[i:i+1])
		if err != nil {
			return nil, nil, err
		}
		if alone[0] == nil {
			published = append(published, row)
			continue
		}
		deferred = append(deferred, deferral{row: row, err: alone[0], retryIn: r.retryIn(row.Attempts)})
	}
	return published, deferred, nil
}

// retryIn is how long a row that failed attempts times before this one
// waits: RetryBackoff doubled per earlier failure, capped at
// MaxRetryBackoff.
func (r *Relay) retryIn(attempts int32) time.Duration {
	d := r.opts.RetryBackoff
	for range attempts {
		if d >= r.opts.MaxRetryBackoff {
			break
		}
		d *= 2
	}
	return min(d, r.opts.MaxRetryBackoff)
}

// publishConfirmed publishes rows on ch's channel and waits for the
// broker's confirms, returning for each row nil when the broker confirmed
// it, or why not. The returned error is reserved for failures that are no
// row's fault: the channel could not be opened, the connection is closed,
// ctx ended.
func publishConfirmed(ctx context.Context, ch *relayChannel, rows []db.Outbox) ([]error, error) {
	c, err := ch.get()
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(rows))
	confirms := make([]*amqp.DeferredConfirmation, len(rows))
	for i, row := range rows {
		headers, err := headersFromJSON(row.Headers)
		if err != nil {
			errs[i] = err
			continue
		}
		confirms[i], err = c.PublishWithDeferredConfirmWithContext(ctx, row.Exchange, row.RoutingKey,
			false, // mandatory: the relay declared every route itself
			false, // immediate
			amqp.Publishing{
				MessageId:    row.MessageID.String(),
				DeliveryMode: amqp.Persistent,
				ContentType:  "application/json",
				Timestamp:    row.CreatedAt,
				Headers:      headers,
				Body:         row.Body,
			})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			errs[i] = err
		}
	}
	for i, dc := range confirms {
		if dc == nil {
			continue
		}
		acked, err := dc.WaitContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("wait for confirm of outbox row %d: %w", rows[i].ID, err)
		}
		if !acked {
			errs[i] = ch.refusal()
		}
	}
	if ch.conn.IsClosed() {
		return nil, errConnectionClosed
	}
	for i, err := range errs {
		if errors.Is(err, amqp.ErrClosed) {
			errs[i] = ch.refusal() // published after the broker had closed the channel
		}
	}
	return errs, nil
}

// relayChannel is the relay's confirm-mode channel on one connection,
// reopened whenever the broker has closed it.
type relayChannel struct {
	conn   *amqp.Connection
	cfg    Config
	ch     *amqp.Channel
	closed chan *amqp.Error
	reason error // why the broker closed ch, once known
}

// get returns an open channel, opening a new one when there is none or the
// broker closed the last.
func (c *relayChannel) get() (*amqp.Channel, error) {
	if c.ch != nil && !c.ch.IsClosed() {
		return c.ch, nil
	}
	c.close()
	ch, err := openChannel(c.conn, c.cfg)
	if err != nil {
		return nil, err
	}
	c.ch, c.closed, c.reason = ch, ch.NotifyClose(make(chan *amqp.Error, 1)), nil
	return ch, nil
}

// refusal explains an unconfirmed publish on the current channel: the
// broker's reason for closing it (the library reports the close before it
// fails the pending confirms), or a nack.
func (c *relayChannel) refusal() error {
	if c.reason != nil {
		return c.reason
	}
	select {
	case e, ok := <-c.closed:
		if ok && e != nil {
			c.reason = e
		} else {
			c.reason = amqp.ErrClosed
		}
		return c.reason
	default:
	}
	if c.ch.IsClosed() {
		return amqp.ErrClosed
	}
	return errors.New("broker nacked the message")
}

// close closes the current channel, if any.
func (c *relayChannel) close() {
	if c.ch == nil {
		return
	}
	c.ch.Close()
	drainClose(c.closed)
	c.ch, c.closed = nil, nil
}

func (r *Relay) updateLag(ctx context.Context) {
	lag, err := queries.OutboxLag(ctx, r.cfg.Pool)
	if err != nil {
		if ctx.Err() == nil {
			r.cfg.Logger.Warn("read outbox lag", "err", err)
		}
		return
	}
	r.cfg.Metrics.OutboxLag.Set(float64(lag.Pending))
	r.cfg.Metrics.OutboxAge.Set(lag.OldestSeconds)
}
