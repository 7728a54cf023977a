package consumers

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
)

// putTasks stores n task messages in the outbox in one transaction and
// returns their message ids.
func putTasks(t testing.TB, cfg Config, n int) map[string]bool {
	t.Helper()
	ids := make(map[string]bool, n)
	err := transact.Run(context.Background(), cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		clear(ids)
		for range n {
			id, err := outbox.Put(context.Background(), tx, cfg.Topology.Exchange, cfg.Topology.Tasks,
				message.Task{TaskID: uuid.New(), JobID: uuid.New()})
			if err != nil {
				return err
			}
			ids[id.String()] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("put outbox messages: %v", err)
	}
	return ids
}

func unpublished(t testing.TB, cfg Config) func() (bool, error) {
	return func() (bool, error) {
		lag, err := queries.OutboxLag(context.Background(), cfg.Pool)
		return lag.Pending == 0, err
	}
}

func TestRelayPublishesEachRowOnceWithSeveralRelays(t *testing.T) {
	t.Parallel()
	b := newBroker(t)
	cfg := testConfig(t, newPool(t), b.topo)
	for range 3 {
		r, err := NewRelay(cfg, RelayOptions{BatchSize: 7})
		if err != nil {
			t.Fatal(err)
		}
		start(t, r)
	}
	want := putTasks(t, cfg, 100)
	waitFor(t, "outbox to empty", unpublished(t, cfg))
	waitFor(t, "100 messages in the queue", func() (bool, error) { return b.queueLen(b.topo.Tasks) == 100, nil })
	for _, d := range b.drain(b.topo.Tasks) {
		if !want[d.MessageId] {
			t.Errorf("unexpected or repeated message id %q", d.MessageId)
		}
		delete(want, d.MessageId)
		if d.DeliveryMode != 2 || d.ContentType != "application/json" {
			t.Errorf("message %s: delivery mode %d, content type %q", d.MessageId, d.DeliveryMode, d.ContentType)
		}
	}
	if len(want) != 0 {
		t.Errorf("%d messages never published", len(want))
	}
}

func TestRelayCrashBetweenConfirmAndMarkOnlyDuplicates(t *testing.T) {
	t.Parallel()
	b := newBroker(t)
	cfg := testConfig(t, newPool(t), b.topo)
	r, err := NewRelay(cfg, RelayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var crashes atomic.Int32
	r.afterConfirm = func([]db.Outbox) error {
		if crashes.Add(1) == 1 {
			return errors.New("relay killed after confirm")
		}
		return nil
	}
	want := putTasks(t, cfg, 10)
	start(t, r)
	waitFor(t, "outbox to empty", unpublished(t, cfg))
	waitFor(t, "20 messages", func() (bool, error) { return b.queueLen(b.topo.Tasks) == 20, nil })
	seen := map[string]int{}
	for _, d := range b.drain(b.topo.Tasks) {
		seen[d.MessageId]++
	}
	for id := range want {
		if seen[id] != 2 {
			t.Errorf("message %s published %d times, want 2 (one duplicate)", id, seen[id])
		}
	}
}

// counterValue reads a counter without labels from reg.
func counterValue(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// outboxState is what the relay recorded on one outbox row.
type outboxState struct {
	attempts    int32
	lastError   *string
	publishedAt *time.Time
}

func readOutboxRow(cfg Config, messageID uuid.UUID) (outboxState, error) {
	var s outboxState
	err := cfg.Pool.QueryRow(context.Background(),
		"SELECT attempts, last_error, published_at FROM outbox WHERE message_id = $1", messageID,
	).Scan(&s.attempts, &s.lastError, &s.publishedAt)
	return s, err
}

// A row addressed to an exchange that does not exist makes the broker close
// the relay's channel. It must not hold up the rows around it: they are
// published, it is deferred with its error and retried on its own schedule,
// and it goes out once an operator creates the exchange.
func TestRelayDefersARowTheBrokerRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		batchSize     int
		before, after int // good rows around the refused one
	}{
		{"first of small batches", 4, 0, 10},
		{"in the middle of one batch", DefaultRelayBatchSize, 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBroker(t)
			cfg := testConfig(t, newPool(t), b.topo)
			metrics := prometheus.NewRegistry()
			cfg.Metrics = NewMetrics(metrics)
			missing := b.topo.Exchange + "_missing"
			want := putTasks(t, cfg, tc.before)
			var refused uuid.UUID
			err := transact.Run(context.Background(), cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
				var err error
				refused, err = outbox.Put(context.Background(), tx, missing, "k", message.Task{TaskID: uuid.New()})
				return err
			})
			if err != nil {
				t.Fatalf("put the refused row: %v", err)
			}
			maps.Copy(want, putTasks(t, cfg, tc.after))
			r, err := NewRelay(cfg, RelayOptions{
				BatchSize:       tc.batchSize,
				PollInterval:    20 * time.Millisecond,
				RetryBackoff:    20 * time.Millisecond,
				MaxRetryBackoff: 100 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			start(t, r)

			waitFor(t, "the good rows in the queue", func() (bool, error) {
				return b.queueLen(b.topo.Tasks) >= len(want), nil
			})
			waitFor(t, "the refused row to be retried", func() (bool, error) {
				s, err := readOutboxRow(cfg, refused)
				return s.attempts >= 3, err
			})
			s, err := readOutboxRow(cfg, refused)
			if err != nil {
				t.Fatal(err)
			}
			if s.publishedAt != nil || s.lastError == nil || !strings.Contains(*s.lastError, "NOT_FOUND") {
				t.Errorf("refused row = attempts %d, published %v, last error %v; want unpublished with a NOT_FOUND error",
					s.attempts, s.publishedAt, s.lastError)
			}
			if n := counterValue(t, metrics, "lockstep_outbox_deferred_total"); n < float64(s.attempts) {
				t.Errorf("deferred counter = %v, want at least %d", n, s.attempts)
			}
			// Every good row went out; a row published in the batch whose
			// confirm the channel's close swallowed may go out twice.
			for _, d := range b.drain(b.topo.Tasks) {
				if _, ok := want[d.MessageId]; !ok && d.MessageId != "" {
					t.Errorf("unexpected message id %q", d.MessageId)
				}
				want[d.MessageId] = false
			}
			for id, missed := range want {
				if missed {
					t.Errorf("message %s never published", id)
				}
			}

			// The operator creates the exchange: the row goes out at its
			// next attempt. Its alternate exchange, bound before the
			// exchange exists, takes what it cannot route, so a publish
			// between the declare and a bind is not dropped.
			queue, alternate := missing+"_queue", missing+"_alternate"
			if _, err := b.ch.QueueDeclare(queue,
				false, // durable
				true,  // autoDelete
				false, // exclusive
				false, // noWait
				nil); err != nil {
				t.Fatalf("declare %s: %v", queue, err)
			}
			if err := b.ch.ExchangeDeclare(alternate, "fanout",
				false, // durable
				false, // autoDelete
				false, // internal
				false, // noWait
				nil); err != nil {
				t.Fatalf("declare %s: %v", alternate, err)
			}
			t.Cleanup(func() {
				b.ch.QueueDelete(queue, false, false, false)
				b.ch.ExchangeDelete(missing, false, false)
				b.ch.ExchangeDelete(alternate, false, false)
			})
			if err := b.ch.QueueBind(queue, "", alternate, false, nil); err != nil {
				t.Fatalf("bind %s: %v", queue, err)
			}
			if err := b.ch.ExchangeDeclare(missing, "direct",
				false, // durable
				true,  // autoDelete
				false, // internal
				false, // noWait
				amqp.Table{"alternate-exchange": alternate}); err != nil {
				t.Fatalf("declare %s: %v", missing, err)
			}
			waitFor(t, "the outbox to empty", unpublished(t, cfg))
			got := b.drain(queue)
			if len(got) != 1 || got[0].MessageId != refused.String() {
				t.Errorf("the new exchange's queue holds %d messages, want the refused one (%s)", len(got), refused)
			}
		})
	}
}
