package scenarios

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/message"
)

// broker is a trial's own topology on RabbitMQ, with the pipeline's outbox
// relay running; close deletes the topology.
type broker struct {
	pool      *pgxpool.Pool
	conn      *amqp.Connection
	admin     *amqp.Channel
	topo      message.Topology
	roles     []runningRole
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
	b := &broker{pool: t.env.Pool, conn: conn, admin: admin, topo: message.NewTopology(t.key)}
	if err := consumers.DeclareTopology(admin, b.topo, false); err != nil {
		conn.Close()
		return nil, err
	}
	relay, err := consumers.NewRelay(b.config(t), consumers.RelayOptions{})
	if err != nil {
		return nil, errors.Join(err, b.close())
	}
	b.start(ctx, relay)
	return b, nil
}

// config is the pipeline roles' configuration on the trial's topology.
func (b *broker) config(t *trial) consumers.Config {
	return consumers.Config{
		Pool:     t.env.Pool,
		AMQPURL:  t.env.AMQPURL,
		Topology: b.topo,
		Logger:   t.env.logger(),
		// S2's subscriber listens on loopback.
		Outbound: outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
	}
}

// role is a pipeline role of package consumers.
type role interface {
	Run(ctx context.Context) error
	Close() error
}

type runningRole struct {
	role role
	done chan error
}

// start runs r until the broker closes.
func (b *broker) start(ctx context.Context, r role) {
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	b.roles = append(b.roles, runningRole{role: r, done: done})
}

// withBroker runs fn with a broker opened for the trial and closes it
// afterwards.
func (t *trial) withBroker(ctx context.Context, fn func(context.Context, *broker) (int, error)) (int, error) {
	b, err := t.openBroker(ctx)
	if err != nil {
		return 0, err
	}
	anomalies, err := fn(ctx, b)
	return anomalies, errors.Join(err, b.close())
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
// broker closes, acking each message after handle returns; handle may
// publish on the channel it is given. A handler error stops that consumer
// and is reported by close.
func (b *broker) consume(queue string, n int, handle func(*amqp.Channel, amqp.Delivery) error) error {
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
				if err := handle(ch, d); err != nil {
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
	// Trials share a database: let the relay publish everything this trial
	// wrote, or the next trial's relay would find rows addressed to
	// exchanges deleted below.
	drained := waitFor(context.Background(), func() bool {
		lag, err := queries.OutboxLag(context.Background(), b.pool)
		return err == nil && lag.Pending == 0
	})
	var errs []error
	if !drained {
		errs = append(errs, errors.New("outbox not drained"))
	}
	for _, r := range b.roles {
		r.role.Close()
		if err := <-r.done; err != nil {
			errs = append(errs, fmt.Errorf("%T: %w", r.role, err))
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

// logger is the logger given to the pipeline's roles: errors only, so the
// race's output stays readable (the naive ports make the roles dead-letter
// messages by the hundred, each with a warning).
func (e Env) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
