package consumers

import (
	"context"
	"fmt"
	"sync"
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
	// PollInterval is how often the relay looks for rows when no
	// notification arrives (a missed NOTIFY, a listener reconnecting).
	PollInterval time.Duration
}

// Relay defaults.
const (
	DefaultRelayBatchSize    = 256
	DefaultRelayPollInterval = time.Second
)

// Relay publishes committed outbox rows (DESIGN.md step 2). It claims a
// batch with FOR UPDATE SKIP LOCKED, publishes every row with publisher
// confirms, and marks the batch published in the same transaction only after
// the broker confirmed all of it. A crash or error before the commit leaves
// the rows unpublished, so they are published again: delivery is
// at-least-once, and consumers drop the duplicates through their inbox.
// SKIP LOCKED makes any number of relays safe side by side.
type Relay struct {
	lifecycle
	cfg  Config
	opts RelayOptions
	// afterConfirm, when set by a test, runs after the broker confirmed a
	// batch and before it is marked; an error rolls the claim back, as a
	// crash at that point would.
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
	return &Relay{cfg: cfg, opts: opts}, nil
}

// Run relays until ctx ends or Close is called.
func (r *Relay) Run(ctx context.Context) error {
	ctx, end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	wake := make(chan struct{}, 1)
	var listener sync.WaitGroup
	listener.Go(func() { listenOutbox(ctx, r.cfg, wake) })
	defer listener.Wait()
	return runSessions(ctx, r.cfg, "relay", func(ctx context.Context, conn *amqp.Connection, connClosed <-chan *amqp.Error) error {
		ch, err := openChannel(conn, r.cfg)
		if err != nil {
			return err
		}
		defer ch.Close()
		chClosed := ch.NotifyClose(make(chan *amqp.Error, 1))
		defer drainClose(chClosed)
		poll := time.NewTicker(r.opts.PollInterval)
		defer poll.Stop()
		var lagUpdated time.Time
		for {
			if err := r.drain(ctx, ch); err != nil {
				return err
			}
			if time.Since(lagUpdated) >= r.opts.PollInterval {
				r.updateLag(ctx)
				lagUpdated = time.Now()
			}
			select {
			case <-ctx.Done():
				return nil
			case <-wake:
			case <-poll.C:
			case err := <-connClosed:
				return fmt.Errorf("%w: %v", errConnectionClosed, err)
			case err := <-chClosed:
				return fmt.Errorf("relay channel closed: %v", err)
			}
		}
	})
}

// drain relays batches until a claim comes back short.
func (r *Relay) drain(ctx context.Context, ch *amqp.Channel) error {
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

// relayBatch claims, publishes and marks one batch, returning its size.
func (r *Relay) relayBatch(ctx context.Context, ch *amqp.Channel) (int, error) {
	var relayed int
	err := transact.Run(ctx, r.cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		relayed = 0
		rows, err := queries.OutboxClaim(ctx, tx, int32(r.opts.BatchSize))
		if err != nil {
			return fmt.Errorf("claim outbox: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		// Publishing while the claim is open is the point of the relay: the
		// rows were committed by other transactions, this one only holds
		// their locks, and the mark below must follow the confirms.
		if err := publishConfirmed(ctx, ch, rows); err != nil {
			return err
		}
		if r.afterConfirm != nil {
			if err := r.afterConfirm(rows); err != nil {
				return err
			}
		}
		ids := make([]int64, len(rows))
		for i, row := range rows {
			ids[i] = row.ID
		}
		if _, err := queries.OutboxMarkPublished(ctx, tx, ids); err != nil {
			return fmt.Errorf("mark outbox published: %w", err)
		}
		relayed = len(rows)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("relay outbox batch: %w", err)
	}
	r.cfg.Metrics.Published.Add(float64(relayed))
	return relayed, nil
}

// publishConfirmed publishes rows and waits until the broker confirmed
// every one of them; a nack or a closed channel is an error.
func publishConfirmed(ctx context.Context, ch *amqp.Channel, rows []db.Outbox) error {
	confirms := make([]*amqp.DeferredConfirmation, 0, len(rows))
	for _, row := range rows {
		headers, err := headersFromJSON(row.Headers)
		if err != nil {
			return fmt.Errorf("outbox row %d: %w", row.ID, err)
		}
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, row.Exchange, row.RoutingKey,
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
			return fmt.Errorf("publish outbox row %d: %w", row.ID, err)
		}
		confirms = append(confirms, dc)
	}
	for i, dc := range confirms {
		acked, err := dc.WaitContext(ctx)
		if err != nil {
			return fmt.Errorf("wait for confirm of outbox row %d: %w", rows[i].ID, err)
		}
		if !acked {
			return fmt.Errorf("broker refused outbox row %d (nack or channel closed)", rows[i].ID)
		}
	}
	return nil
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
