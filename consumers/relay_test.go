package consumers

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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
