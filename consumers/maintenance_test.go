package consumers

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
)

// One pass prunes, in batches smaller than the work, exactly the rows past
// their retention: published outbox rows (never unpublished ones, however
// old), inbox rows, and the events and deliveries of jobs finished long
// ago; everything younger stays.
func TestMaintenancePrunesOnlyWhatIsPastRetention(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := p.cfg.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	oldJob, newJob := p.submit(`"x"`, appendStep("a")), p.submit(`"y"`, appendStep("b"))
	// 25 old published rows, 5 old unpublished, 5 recent published; the
	// two jobs' own outbox rows are unpublished.
	exec(`INSERT INTO outbox (exchange, routing_key, body, published_at, created_at)
		SELECT 'x', 'k', '{}', now() - interval '2 days', now() - interval '2 days' FROM generate_series(1, 25)`)
	exec(`INSERT INTO outbox (exchange, routing_key, body, created_at) SELECT 'x', 'k', '{}', now() - interval '2 days' FROM generate_series(1, 5)`)
	exec(`INSERT INTO outbox (exchange, routing_key, body, published_at) SELECT 'x', 'k', '{}', now() FROM generate_series(1, 5)`)
	exec(`INSERT INTO inbox (consumer, message_id, processed_at) SELECT 'c', gen_random_uuid(), now() - interval '8 days' FROM generate_series(1, 12)`)
	exec(`INSERT INTO inbox (consumer, message_id) SELECT 'c', gen_random_uuid() FROM generate_series(1, 3)`)
	exec(`UPDATE jobs SET status = 'done', finished_at = now() - interval '31 days' WHERE id = $1`, oldJob)
	// Each job's event was delivered to a subscriber, in one attempt; an
	// event of the old job whose delivery is still pending is kept.
	exec(`INSERT INTO webhook_subscriptions (url, secret) VALUES ('https://a.example/', 'whsec_x')`)
	exec(`INSERT INTO webhook_queue (subscription_id, event_id, state, attempt, expires_at) SELECT s.id, e.id, 'delivered', 1, now() FROM webhook_subscriptions s, events e`)
	exec(`INSERT INTO webhook_deliveries (subscription_id, event_id, attempt, succeeded) SELECT subscription_id, event_id, 1, true FROM webhook_queue`)
	pendingEvent := p.recordEvent(oldJob)
	p.enqueue(pendingEvent)

	m, err := NewMaintenance(p.cfg, MaintenanceOptions{BatchSize: 4, EventRetention: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	m.prune(ctx)

	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := p.cfg.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"); n != 5 {
		t.Errorf("%d published outbox rows left, want the 5 recent ones", n)
	}
	if n := count("SELECT count(*) FROM outbox WHERE published_at IS NULL"); n != 5+4+1 {
		t.Errorf("%d unpublished outbox rows left, want all 10 (the pending event's too)", n)
	}
	if n := count("SELECT count(*) FROM inbox"); n != 3 {
		t.Errorf("%d inbox rows left, want the 3 recent ones", n)
	}
	for _, tc := range []struct {
		job  uuid.UUID
		want int
	}{{oldJob, 0}, {newJob, 1}} {
		if n := count("SELECT count(*) FROM events WHERE job_id = $1 AND id <> $2", tc.job, pendingEvent.ID); n != tc.want {
			t.Errorf("job %s: %d events left, want %d", tc.job, n, tc.want)
		}
		for _, table := range []string{"webhook_queue", "webhook_deliveries"} {
			if n := count("SELECT count(*) FROM "+table+" d JOIN events e ON e.id = d.event_id WHERE e.job_id = $1 AND e.id <> $2", tc.job, pendingEvent.ID); n != tc.want {
				t.Errorf("job %s: %d rows left in %s, want %d", tc.job, n, table, tc.want)
			}
		}
	}
	if p.delivery(pendingEvent.ID).State != db.WebhookDeliveryStatePending {
		t.Error("the pending delivery of a finished job's event was pruned")
	}
	if _, err := queries.JobGet(ctx, p.cfg.Pool, oldJob); err != nil {
		t.Errorf("the finished job itself was pruned: %v", err)
	}
}
