package consumers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
	"github.com/lockstep-dev/lockstep/webhook"
)

var testSecret = webhook.NewSecret()

// webhookReceiver is a subscriber that answers the first failures requests
// for each event with 500 and checks every request's signature.
type webhookReceiver struct {
	*httptest.Server
	requests atomic.Int64
	badSigs  atomic.Int64
	eventIDs chan string // the X-Lockstep-Event-Id of every request
	mu       sync.Mutex
	perEvent map[string]int64
}

func newWebhookReceiver(t testing.TB, failures int64) *webhookReceiver {
	r := &webhookReceiver{eventIDs: make(chan string, 1000), perEvent: map[string]int64{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		eventID, err := webhook.Verify(testSecret, req.Header, body, time.Minute)
		if err != nil {
			r.badSigs.Add(1)
		}
		r.eventIDs <- eventID
		r.requests.Add(1)
		r.mu.Lock()
		r.perEvent[eventID]++
		fail := r.perEvent[eventID] <= failures
		r.mu.Unlock()
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (p *pipeline) subscribe(r *webhookReceiver) {
	p.t.Helper()
	if _, err := queries.WebhookSubscribe(context.Background(), p.cfg.Pool, db.WebhookSubscribeParams{
		Url: r.URL, Secret: testSecret, EventTypes: []string{},
	}); err != nil {
		p.t.Fatalf("subscribe: %v", err)
	}
}

func (p *pipeline) webhooks(opts WebhookOptions) *WebhookDeliverer {
	p.t.Helper()
	if opts.Backoff == 0 {
		opts.Backoff = 5 * time.Millisecond
	}
	w, err := NewWebhookDeliverer(p.cfg, opts)
	if err != nil {
		p.t.Fatal(err)
	}
	return w
}

// waitWebhooksDelivered waits until n events of the job have a successful
// delivery, and checks none has two.
func (p *pipeline) waitWebhooksDelivered(jobID uuid.UUID, n int) {
	p.t.Helper()
	waitFor(p.t, fmt.Sprintf("%d webhook deliveries", n), func() (bool, error) {
		var delivered int
		err := p.cfg.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE e.job_id = $1 AND d.succeeded`,
			jobID).Scan(&delivered)
		return delivered == n, err
	})
}

// recordEvent stores one job event the way the pipeline does.
func (p *pipeline) recordEvent(jobID uuid.UUID) db.Event {
	p.t.Helper()
	var event db.Event
	err := transact.Run(context.Background(), p.cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		var err error
		event, err = outbox.RecordEvent(context.Background(), tx, p.cfg.Topology, jobID, message.EventJobDone, map[string]string{"k": "v"})
		return err
	})
	if err != nil {
		p.t.Fatalf("record event: %v", err)
	}
	return event
}

func (p *pipeline) deliveries(eventID uuid.UUID) []db.WebhookDelivery {
	p.t.Helper()
	rows, err := queries.WebhookDeliveriesByEvent(context.Background(), p.cfg.Pool, eventID)
	if err != nil {
		p.t.Fatal(err)
	}
	return rows
}

func TestWebhookRetriesUntilReceiverSucceeds(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 2)
	p.subscribe(receiver)
	start(t, p.relay(RelayOptions{}))
	start(t, p.webhooks(WebhookOptions{MaxAttempts: 5}))
	event := p.recordEvent(p.submit(`"x"`, appendStep("a")))
	waitFor(t, "a successful delivery", func() (bool, error) {
		rows := p.deliveries(event.ID)
		return len(rows) > 0 && rows[len(rows)-1].Succeeded, nil
	})
	rows := p.deliveries(event.ID)
	if len(rows) != 3 || rows[0].Succeeded || rows[1].Succeeded || rows[2].Attempt != 3 {
		t.Errorf("deliveries %+v, want two failures then success at attempt 3", rows)
	}
	if n := receiver.badSigs.Load(); n != 0 {
		t.Errorf("%d requests with a bad signature", n)
	}
	seen := false
	for len(receiver.eventIDs) > 0 {
		if <-receiver.eventIDs == event.ID.String() {
			seen = true
		}
	}
	if !seen {
		t.Errorf("no request carried event id %s", event.ID)
	}
}

func TestWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 1<<30)
	p.subscribe(receiver)
	start(t, p.relay(RelayOptions{}))
	w := p.webhooks(WebhookOptions{MaxAttempts: 3})
	var settled atomic.Int64
	w.crashBeforeSettle = func(batch []*inbound) bool { settled.Add(int64(len(batch))); return false }
	start(t, w)
	jobID := p.submit(`"x"`, appendStep("a")) // its job.created event goes out too
	event := p.recordEvent(jobID)
	waitFor(t, "both events settled", func() (bool, error) { return settled.Load() == 2, nil })
	rows := p.deliveries(event.ID)
	if len(rows) != 3 {
		t.Fatalf("%d attempts, want 3", len(rows))
	}
	for _, row := range rows {
		if row.Succeeded || row.StatusCode == nil || *row.StatusCode != 500 {
			t.Errorf("attempt %d: succeeded %v, status %v", row.Attempt, row.Succeeded, row.StatusCode)
		}
	}
	if n := p.b.queueLen(p.cfg.Topology.Webhooks); n != 0 {
		t.Errorf("%d webhook messages left in the queue", n)
	}
}

// An event whose announcement was lost (here: its outbox row deleted before
// the relay saw it) is announced again by the sweeper and delivered once;
// an event already delivered is not announced again.
func TestWebhookSweeperAnnouncesLostEvents(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 0)
	p.subscribe(receiver)
	jobID := p.submit(`"x"`, appendStep("a"))
	lost := p.recordEvent(jobID)
	ctx := context.Background()
	if _, err := p.cfg.Pool.Exec(ctx, "DELETE FROM outbox WHERE exchange = $1", p.cfg.Topology.Events); err != nil {
		t.Fatal(err)
	}
	if _, err := p.cfg.Pool.Exec(ctx, "UPDATE events SET announced_at = clock_timestamp() - interval '1 minute'"); err != nil {
		t.Fatal(err)
	}
	start(t, p.relay(RelayOptions{}))
	start(t, p.webhooks(WebhookOptions{SweepInterval: 20 * time.Millisecond, StaleAfter: 30 * time.Second}))
	p.waitWebhooksDelivered(jobID, 2) // job.created and the lost event
	if rows := p.deliveries(lost.ID); len(rows) != 1 || !rows[0].Succeeded {
		t.Fatalf("deliveries of the lost event %+v, want one success", rows)
	}
	// Delivered events are the deliverer's: even when their announcement is
	// old, nothing is sent again.
	if _, err := p.cfg.Pool.Exec(ctx, "UPDATE events SET announced_at = clock_timestamp() - interval '1 minute'"); err != nil {
		t.Fatal(err)
	}
	again, err := queries.EventReannounceUndelivered(ctx, p.cfg.Pool, db.EventReannounceUndeliveredParams{HorizonSeconds: 3600, StaleSeconds: 30, BatchSize: 10})
	if err != nil || len(again) != 0 {
		t.Fatalf("announced again %v, %v; want nothing", again, err)
	}
}

// During a rotation a delivery is signed with the new secret and the one
// before, until the overlap ends.
func TestLiveSecrets(t *testing.T) {
	t.Parallel()
	old := webhook.NewSecret()
	later, earlier := time.Now().Add(time.Hour), time.Now().Add(-time.Second)
	for _, tc := range []struct {
		until *time.Time
		want  int
	}{{nil, 1}, {&later, 2}, {&earlier, 1}} {
		sub := db.WebhookSubscription{Secret: testSecret, PreviousSecret: &old, PreviousUntil: tc.until}
		secrets := liveSecrets(sub)
		if len(secrets) != tc.want || secrets[0] != testSecret {
			t.Errorf("until %v: %d secrets, want %d, the new one first", tc.until, len(secrets), tc.want)
		}
		h := http.Header{}
		if err := webhook.SetHeaders(h, "e", time.Now(), []byte("{}"), secrets...); err != nil {
			t.Fatal(err)
		}
		_, err := webhook.Verify(old, h, []byte("{}"), time.Minute)
		if (err == nil) != (tc.want == 2) {
			t.Errorf("until %v: verify with the old secret: %v", tc.until, err)
		}
	}
}
