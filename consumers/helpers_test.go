package consumers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/message"
)

func amqpURL() string {
	if u := os.Getenv("AMQP_URL"); u != "" {
		return u
	}
	return "amqp://guest:guest@127.0.0.1:5672/"
}

// broker is a test's own connection, used to declare, inspect and delete
// its topology.
type broker struct {
	t    testing.TB
	ch   *amqp.Channel
	topo message.Topology
}

// newBroker declares a topology with a unique prefix and deletes it when
// the test ends.
func newBroker(t testing.TB) *broker {
	t.Helper()
	return newBrokerWith(t, false)
}

// newBrokerWith is newBroker with a choice of quorum queues.
func newBrokerWith(t testing.TB, quorum bool) *broker {
	t.Helper()
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		t.Fatalf("dial broker: %v", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("open channel: %v", err)
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	topo := message.NewTopology("lockstep_test_" + hex.EncodeToString(suffix))
	if err := DeclareTopology(ch, topo, quorum); err != nil {
		t.Fatalf("declare topology: %v", err)
	}
	t.Cleanup(func() {
		if err := DeleteTopology(ch, topo); err != nil {
			t.Errorf("delete topology: %v", err)
		}
		conn.Close()
	})
	return &broker{t: t, ch: ch, topo: topo}
}

// drain takes every message now in queue.
func (b *broker) drain(queue string) []amqp.Delivery {
	b.t.Helper()
	var out []amqp.Delivery
	for {
		d, ok, err := b.ch.Get(queue, true /* autoAck */)
		if err != nil {
			b.t.Fatalf("get from %s: %v", queue, err)
		}
		if !ok {
			return out
		}
		out = append(out, d)
	}
}

// publishConcurrently publishes on a channel of its own, so callers may
// run it from several goroutines.
func (b *broker) publishConcurrently(routingKey string, msg amqp.Publishing) {
	conn, err := amqp.Dial(amqpURL())
	if err != nil {
		b.t.Errorf("dial broker: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		b.t.Errorf("open channel: %v", err)
		return
	}
	if err := ch.PublishWithContext(context.Background(), b.topo.Exchange, routingKey,
		false, // mandatory
		false, // immediate
		msg); err != nil {
		b.t.Errorf("publish to %s: %v", routingKey, err)
	}
}

// queueLen is the number of ready messages in queue.
func (b *broker) queueLen(queue string) int {
	b.t.Helper()
	q, err := b.ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		b.t.Fatalf("inspect %s: %v", queue, err)
	}
	return q.Messages
}

// testConfig is a Config with fast reconnects and a logger on the test.
func testConfig(t testing.TB, pool *pgxpool.Pool, topo message.Topology) Config {
	return Config{
		Pool:             pool,
		AMQPURL:          amqpURL(),
		Topology:         topo,
		Prefetch:         32,
		Workers:          2,
		ReconnectBackoff: 10 * time.Millisecond,
		// The tests' webhook receivers listen on loopback.
		Outbound:            outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		MaxReconnectBackoff: 200 * time.Millisecond,
		Logger:              slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

type role interface {
	Run(ctx context.Context) error
	Close() error
}

// start runs r until the test ends.
func start(t testing.TB, r role) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.Run(context.Background()) }()
	t.Cleanup(func() {
		r.Close()
		if err := <-done; err != nil && !errors.Is(err, ErrClosed) {
			t.Errorf("run: %v", err)
		}
	})
}

// waitFor polls cond until it holds or 20s pass.
func waitFor(t testing.TB, what string, cond func() (bool, error)) {
	t.Helper()
	waitWithin(t, 20*time.Second, what, cond)
}

// waitWithin polls cond until it holds or the timeout passes.
func waitWithin(t testing.TB, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newPool(t testing.TB) *pgxpool.Pool { return testdb.New(t) }
