package scenarios

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/webhook"
)

// consumerWorkers is the number of consumers a message scenario runs, each
// on its own channel, as separate worker processes would.
const consumerWorkers = 2

// enqueueInTransaction (S1): requests create a post and enqueue a task with
// its id; a worker consumes the task and loads the post. Invariant: every
// task finds its post, and every created post's task arrives.
func enqueueInTransaction() Scenario {
	return Scenario{Name: "S1", Anomaly: "tasks without their row", run: func(ctx context.Context, t *trial) (int, error) {
		return t.withBroker(ctx, t.runPostTasks)
	}}
}

func (t *trial) runPostTasks(ctx context.Context, b *broker) (int, error) {
	var seen tally
	err := b.consume(b.topo.Tasks, consumerWorkers, func(_ *amqp.Channel, d amqp.Delivery) error {
		var args []int64
		if err := json.Unmarshal(d.Body, &args); err != nil || len(args) != 1 {
			return fmt.Errorf("task body %q: want [post id]", d.Body)
		}
		_, err := queries.PostGet(ctx, t.env.Pool, args[0])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			t.noteError(fmt.Errorf("task for post %d: post does not exist", args[0]))
		case err != nil:
			return fmt.Errorf("load post %d: %w", args[0], err)
		}
		seen.record(fmt.Sprint(args[0]), err == nil)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return t.produce(ctx, b, &seen, func(ctx context.Context, ch *amqp.Channel, w, r int) error {
		title := fmt.Sprintf("%s-%d-%d", t.key, r, w)
		if t.variant == Naive {
			_, err := t.naive.CreatePost(ctx, ch, b.topo.Exchange, b.topo.Tasks, title)
			return err
		}
		_, err := t.safe.CreatePost(ctx, b.topo.Exchange, b.topo.Tasks, title)
		return err
	})
}

// webhookEvents (S2): requests create a job, its task and its job.created
// event and announce the event; the pipeline's webhook deliverer loads the
// event and POSTs it to the subscriber, or dead-letters the message when the
// event does not exist. Invariant: every event reaches the subscriber.
func webhookEvents() Scenario {
	return Scenario{Name: "S2", Anomaly: "events not delivered", run: func(ctx context.Context, t *trial) (int, error) {
		return t.withBroker(ctx, t.runWebhooks)
	}}
}

func (t *trial) runWebhooks(ctx context.Context, b *broker) (int, error) {
	var seen tally
	subscriber := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var event struct {
			JobID uuid.UUID `json:"job_id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&event); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		seen.record(event.JobID.String(), true)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer subscriber.Close()
	url := subscriber.URL + "/" + t.key
	_, err := queries.WebhookSubscribe(ctx, t.env.Pool, db.WebhookSubscribeParams{Url: url, Secret: webhook.NewSecret(), EventTypes: []string{}})
	if err != nil {
		return 0, fmt.Errorf("subscribe: %w", err)
	}
	// Later trials must not deliver to this trial's closed subscriber.
	defer t.env.Pool.Exec(context.WithoutCancel(ctx), "DELETE FROM webhook_subscriptions WHERE url = $1", url)

	err = b.consume(b.topo.DeadQueue, 1, func(_ *amqp.Channel, d amqp.Delivery) error {
		var event message.Event
		if err := json.Unmarshal(d.Body, &event); err != nil {
			return fmt.Errorf("dead letter body %q: %w", d.Body, err)
		}
		t.noteError(fmt.Errorf("webhook deliverer dead-lettered the event: %v", d.Headers[message.ReasonHeader]))
		seen.record(event.JobID.String(), false)
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Twice as many consumers as requests, each taking one message at a
	// time, so that the deliverer looks each event up as soon as it is
	// announced, as an idle worker does, although recording a found event's
	// deliveries costs a commit.
	cfg := b.config(t)
	cfg.Workers = 2 * t.workers
	cfg.Prefetch = 1
	deliverer, err := consumers.NewWebhookDeliverer(cfg, consumers.WebhookOptions{})
	if err != nil {
		return 0, err
	}
	b.start(ctx, deliverer)
	return t.produce(ctx, b, &seen, func(ctx context.Context, ch *amqp.Channel, w, r int) error {
		if t.variant == Naive {
			_, err := t.naive.CreateJob(ctx, ch, b.topo, noop)
			return err
		}
		_, err := t.safe.SubmitJob(ctx, b.topo, noop, 1)
		return err
	})
}

// produce races produce on the trial's workers, each with its own channel,
// then waits until every message of a successful operation was consumed.
// Anomalies: failed operations, messages whose row was missing when
// consumed, and messages that never arrived.
func (t *trial) produce(ctx context.Context, b *broker, seen *tally, produce func(ctx context.Context, ch *amqp.Channel, worker, round int) error) (int, error) {
	chans, err := b.channels(t.workers)
	if err != nil {
		return 0, err
	}
	failed, err := t.race(ctx, func(ctx context.Context, w, r int) error {
		return produce(ctx, chans[w], w, r)
	})
	if err != nil {
		return 0, err
	}
	want := t.ops() - failed
	waitFor(ctx, func() bool { n, _ := seen.counts(); return n >= want })
	n, missing := seen.counts()
	return failed + missing + max(want-n, 0), nil
}

// tally records, per row id a message named, whether the consumer found the
// row at the first delivery; redeliveries (at-least-once) do not count again.
type tally struct {
	mu    sync.Mutex
	found map[string]bool
}

func (t *tally) record(id string, found bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.found == nil {
		t.found = map[string]bool{}
	}
	if _, ok := t.found[id]; !ok {
		t.found[id] = found
	}
}

// counts returns the number of ids seen and of those whose row was missing.
func (t *tally) counts() (seen, missing int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, found := range t.found {
		if !found {
			missing++
		}
	}
	return len(t.found), missing
}
