package consumers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/transact"
)

// inbound is one delivery and what the consumer decided about it.
type inbound struct {
	amqp.Delivery
	messageID uuid.UUID
	// deadLetter, when set, is why the message goes to the dead-letter
	// queue (after the batch commits); it is acked either way.
	deadLetter string
	// requeue returns the message to its queue instead of acking it.
	requeue bool
}

// batchHandler applies deliveries whose envelope is valid. It sets
// deadLetter on those that can never succeed. An error means none of the
// batch took effect.
type batchHandler func(ctx context.Context, batch []*inbound) error

// consumer is the delivery loop every consuming role shares: Workers
// goroutines, each with its own channel, Qos prefetch and manual acks.
type consumer struct {
	lifecycle
	cfg      Config
	name     string // inbox consumer name, metrics label, log field
	queue    string
	maxBatch int
	handle   batchHandler
	// failures counts batches failed since the last success, for backoff.
	failures atomic.Int32
	// crashBeforeSettle, when set by a test, runs after a batch was applied
	// and before it is settled; returning true drops the channel with the
	// batch unacked, as a process killed between commit and ack would.
	crashBeforeSettle func(batch []*inbound) bool
	// connected, when set by a test, receives each session's connection, so
	// the test can drop it.
	connected func(*amqp.Connection)
}

var errCrashed = errors.New("simulated crash before ack")

// Run consumes until ctx ends or Close is called: it then stops consuming,
// finishes and settles the batch in flight, and closes the connection;
// deliveries prefetched but not started return to the queue.
func (c *consumer) Run(ctx context.Context) error {
	ctx, end, err := c.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	return c.consume(ctx)
}

// consume runs the delivery loop until ctx ends.
func (c *consumer) consume(ctx context.Context) error {
	return runSessions(ctx, c.cfg, c.name, c.session)
}

func (c *consumer) session(ctx context.Context, conn *amqp.Connection, connClosed <-chan *amqp.Error) error {
	if c.connected != nil {
		c.connected(conn)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	failed := make(chan error, c.cfg.Workers)
	var workers sync.WaitGroup
	for n := range c.cfg.Workers {
		workers.Go(func() {
			if err := c.work(ctx, conn, n); err != nil {
				failed <- err
			}
		})
	}
	var err error
	select {
	case <-ctx.Done():
	case closeErr := <-connClosed:
		err = fmt.Errorf("%w: %v", errConnectionClosed, closeErr)
	case err = <-failed:
	}
	cancel()
	workers.Wait()
	return err
}

// work runs one consumer channel until ctx ends or the channel closes.
func (c *consumer) work(ctx context.Context, conn *amqp.Connection, n int) error {
	ch, err := openChannel(conn, c.cfg)
	if err != nil {
		return err
	}
	defer ch.Close()
	if err := ch.Qos(c.cfg.Prefetch, 0,
		false, // global: the limit is per consumer
	); err != nil {
		return fmt.Errorf("set qos: %w", err)
	}
	tag := fmt.Sprintf("%s-%d-%s", c.name, n, uuid.NewString()[:8])
	deliveries, err := ch.Consume(c.queue, tag,
		false, // autoAck: ack only after commit
		false, // exclusive
		false, // noLocal
		false, // noWait
		nil)
	if err != nil {
		return fmt.Errorf("consume %s: %w", c.queue, err)
	}
	for {
		select {
		case <-ctx.Done():
			// Deliveries still buffered are unacked and return to the queue
			// when the deferred Close closes the channel.
			if err := ch.Cancel(tag, false /* noWait */); err != nil {
				c.cfg.Logger.Warn("cancel consumer", "consumer", c.name, "err", err)
			}
			return nil
		case d, ok := <-deliveries:
			if !ok {
				return fmt.Errorf("%s channel closed", c.name)
			}
			if err := c.process(ctx, ch, collect(d, deliveries, c.maxBatch, c.cfg.BatchLinger)); err != nil {
				return err
			}
		}
	}
}

// collect adds to first what arrives within linger, up to max: a batch is
// what the prefetch window holds right now. The library hands deliveries
// over one at a time through an unbuffered channel, so a purely
// non-blocking read would almost never see a second one; linger bounds the
// latency this adds when the queue is idle.
func collect[T any](first T, deliveries <-chan T, max int, linger time.Duration) []T {
	batch := []T{first}
	if max <= 1 {
		return batch
	}
	timer := time.NewTimer(linger)
	defer timer.Stop()
	for len(batch) < max {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return batch
			}
			batch = append(batch, d)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// process applies and settles one batch. It returns an error only when the
// channel must be dropped with the batch unsettled (shutdown mid-batch, a
// failed dead-letter publish, a broken channel): the broker then redelivers.
func (c *consumer) process(ctx context.Context, ch *amqp.Channel, deliveries []amqp.Delivery) error {
	c.cfg.Metrics.Consumed.WithLabelValues(c.name).Add(float64(len(deliveries)))
	batch := make([]*inbound, len(deliveries))
	var valid []*inbound
	for i, d := range deliveries {
		in := &inbound{Delivery: d}
		in.messageID, in.deadLetter = c.checkEnvelope(d)
		if in.deadLetter == "" {
			valid = append(valid, in)
		}
		batch[i] = in
	}
	if len(valid) > 0 {
		if err := c.apply(ctx, valid); err != nil {
			return err
		}
	}
	if c.crashBeforeSettle != nil && c.crashBeforeSettle(batch) {
		return errCrashed
	}
	return c.settle(ctx, ch, batch)
}

// apply hands valid to the batch handler. When the batch fails for a
// reason of its own (not a transient one, which would fail each message
// alike), its messages are applied one by one, so one bad message does not
// hold back the others. It returns an error only when shutdown cut the
// work off.
func (c *consumer) apply(ctx context.Context, valid []*inbound) error {
	err := c.handle(ctx, valid)
	if err == nil {
		c.failures.Store(0)
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	if len(valid) == 1 || transact.Transient(err) {
		c.failed(ctx, valid, err)
		return nil
	}
	c.cfg.Logger.Warn("batch failed, applying its messages one by one", "consumer", c.name, "size", len(valid), "err", err)
	for _, in := range valid {
		if err := c.handle(ctx, []*inbound{in}); err != nil {
			if ctx.Err() != nil {
				return err
			}
			c.failed(ctx, []*inbound{in}, err)
		}
	}
	return nil
}

// checkEnvelope validates what every message must have before its body is
// looked at.
func (c *consumer) checkEnvelope(d amqp.Delivery) (uuid.UUID, string) {
	if len(d.Body) > c.cfg.MaxBodyBytes {
		return uuid.Nil, fmt.Sprintf("body of %d bytes exceeds the limit of %d", len(d.Body), c.cfg.MaxBodyBytes)
	}
	id, err := uuid.Parse(d.MessageId)
	if err != nil || id == uuid.Nil {
		return uuid.Nil, fmt.Sprintf("missing or malformed message id %q", d.MessageId)
	}
	return id, ""
}

// failed decides the fate of messages whose processing returned err. A
// transient failure (a lost or terminated connection, an overloaded or
// restarting server, a serialization failure) is never poison, whatever the
// redelivered flag says: the messages are requeued after a pause that grows
// while failures continue, so an outage neither loses nor spins on them.
// The server refusing a message's data itself, twice, makes it poison:
// dead-letter it.
func (c *consumer) failed(ctx context.Context, ins []*inbound, err error) {
	var pgErr *pgconn.PgError
	refused := !transact.Transient(err) && errors.As(err, &pgErr)
	requeued := 0
	for _, in := range ins {
		if refused && in.Redelivered {
			in.deadLetter = "processing failed twice: " + err.Error()
			continue
		}
		in.requeue = true
		requeued++
	}
	if requeued > 0 {
		pause := c.pause()
		c.cfg.Logger.Warn("processing failed, requeueing", "consumer", c.name, "messages", requeued, "err", err, "in", pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
		}
	}
}

// pause is the wait after a failure: ReconnectBackoff doubled for each
// failure since the last success, up to MaxReconnectBackoff, jittered.
func (c *consumer) pause() time.Duration {
	n := c.failures.Add(1)
	return retryDelay(c.cfg.ReconnectBackoff, c.cfg.MaxReconnectBackoff, int(n))
}

// settle dead-letters, then acks or requeues a batch. When every message is
// acked (the common case) one multiple-ack covers the batch: the worker
// settles each batch before taking the next, so every earlier tag on the
// channel is already settled.
func (c *consumer) settle(ctx context.Context, ch *amqp.Channel, batch []*inbound) error {
	allAcked := true
	for _, in := range batch {
		if in.deadLetter != "" {
			if err := c.publishDeadLetter(ctx, ch, in); err != nil {
				return err
			}
		}
		allAcked = allAcked && !in.requeue
	}
	if allAcked {
		if err := ch.Ack(batch[len(batch)-1].DeliveryTag, true /* multiple */); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
		c.cfg.Metrics.Acked.WithLabelValues(c.name).Add(float64(len(batch)))
		return nil
	}
	for _, in := range batch {
		if in.requeue {
			if err := in.Nack(false /* multiple */, true /* requeue */); err != nil {
				return fmt.Errorf("requeue: %w", err)
			}
			c.cfg.Metrics.Requeued.WithLabelValues(c.name).Inc()
			continue
		}
		if err := in.Ack(false /* multiple */); err != nil {
			return fmt.Errorf("ack: %w", err)
		}
		c.cfg.Metrics.Acked.WithLabelValues(c.name).Inc()
	}
	return nil
}
