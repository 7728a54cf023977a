package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/message"
)

// broker is a trial's own topology on RabbitMQ, with the pipeline's outbox
// relay running; close deletes the topology.
type broker struct {
	conn      *amqp.Connection
	admin     *amqp.Channel
	topo      message.Topology
	relay     *consumers.Relay
	relayDone chan error
	consumers sync.WaitGroup
	// failed holds the first error of a consumer's handler.
	failed error
	mu     sync.Mutex
}

// openBroker declares the trial's topology and starts a relay. The relay
// runs for both variants: the infrastructure is the same, only the ports
// differ (the naive ones never write to the outbox).
func (t *trial) openBroker(ctx context.Context) (*broker, error) {
	conn, err := amqp.Dial(t.env.AMQPURL)
	if err != nil {
		return nil, fmt.Errorf("dial RabbitMQ: %w", err)
	}
	admin, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("open channel: %w", err)
	}
	b := &broker{conn: conn, admin: admin, topo: message.NewTopology(t.key)}
	if err := consumers.DeclareTopology(admin, b.topo, false); err != nil {
		conn.Close()
		return nil, err
	}
	b.relay, err = consumers.NewRelay(consumers.Config{
		Pool:     t.env.Pool,
		AMQPURL:  t.env.AMQPURL,
		Topology: b.topo,
		Logger:   t.env.logger(),
	}, consumers.RelayOptions{})
	if err != nil {
		b.close()
		return nil, err
	}
	b.relayDone = make(chan error, 1)
	go func() { b.relayDone <- b.relay.Run(ctx) }()
	return b, nil
}

// channels opens one channel per worker: amqp091 channels are not meant to
// be shared between publishing goroutines.
func (b *broker) channels(n int) ([]*amqp.Channel, error) {
	chans := make([]*amqp.Channel, n)
	for i := range chans {
		ch, err := b.conn.Channel()
		if err != nil {
			return nil, fmt.Errorf("open channel: %w", err)
		}
		chans[i] = ch
	}
	return chans, nil
}

// consume runs handle on every message of queue on n channels until the
// broker closes, acking each message after handle returns. A handler error
// stops that consumer and is reported by close.
func (b *broker) consume(queue string, n int, handle func(amqp.Delivery) error) error {
	for range n {
		ch, err := b.conn.Channel()
		if err != nil {
			return fmt.Errorf("open channel: %w", err)
		}
		if err := ch.Qos(16, 0, false); err != nil {
			return fmt.Errorf("set prefetch: %w", err)
		}
		deliveries, err := ch.Consume(queue, "",
			false, // autoAck
			false, // exclusive
			false, // noLocal
			false, // noWait
			nil)
		if err != nil {
			return fmt.Errorf("consume %s: %w", queue, err)
		}
		b.consumers.Go(func() {
			for d := range deliveries {
				if err := handle(d); err != nil {
					b.fail(err)
					ch.Close()
					continue // drain until the channel closes
				}
				if err := d.Ack(false); err != nil {
					b.fail(fmt.Errorf("ack: %w", err))
				}
			}
		})
	}
	return nil
}

func (b *broker) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failed == nil {
		b.failed = err
	}
}

// close stops the relay and the consumers and deletes the topology. It
// returns the first consumer error, if any.
func (b *broker) close() error {
	var errs []error
	if b.relay != nil {
		b.relay.Close()
		if b.relayDone != nil {
			if err := <-b.relayDone; err != nil {
				errs = append(errs, fmt.Errorf("relay: %w", err))
			}
		}
	}
	if err := consumers.DeleteTopology(b.admin, b.topo); err != nil {
		errs = append(errs, err)
	}
	// Closing the connection closes every channel and ends the consumers.
	if err := b.conn.Close(); err != nil && !errors.Is(err, amqp.ErrClosed) {
		errs = append(errs, fmt.Errorf("close connection: %w", err))
	}
	b.consumers.Wait()
	b.mu.Lock()
	errs = append(errs, b.failed)
	b.mu.Unlock()
	return errors.Join(errs...)
}

// deliveryTimeout bounds how long a trial waits for its messages to be
// consumed; a message still missing then is an anomaly (lost).
const deliveryTimeout = 30 * time.Second

// waitFor polls until done holds, ctx ends or deliveryTimeout passes; it
// reports whether done held.
func waitFor(ctx context.Context, done func() bool) bool {
	deadline := time.Now().Add(deliveryTimeout)
	for !done() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// logger is the logger given to the pipeline's roles: warnings and errors
// only, so the race's own output stays readable.
func (e Env) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
