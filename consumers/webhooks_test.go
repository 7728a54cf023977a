package consumers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// webhookReceiver is a subscriber that checks every request's signature
// and answers as its answer function says.
type webhookReceiver struct {
	*httptest.Server
	requests    atomic.Int64
	badSigs     atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	eventIDs    chan string // the webhook-id of every request
	mu          sync.Mutex
	perEvent    map[string]int64
	successes   map[string]int64
}

// answerFunc says a receiver's status for the n-th request of an event.
type answerFunc func(r *webhookReceiver, req *http.Request, eventID string, n int64) int

func newReceiver(t testing.TB, answer answerFunc) *webhookReceiver {
	r := &webhookReceiver{eventIDs: make(chan string, 1000), perEvent: map[string]int64{}, successes: map[string]int64{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		now := r.inFlight.Add(1)
		defer r.inFlight.Add(-1)
		for seen := r.maxInFlight.Load(); now > seen && !r.maxInFlight.CompareAndSwap(seen, now); seen = r.maxInFlight.Load() {
		}
		body, _ := io.ReadAll(req.Body)
		eventID, err := webhook.Verify(testSecret, req.Header, body, time.Minute)
		if err != nil {
			r.badSigs.Add(1)
		}
		r.eventIDs <- eventID
		r.requests.Add(1)
		r.mu.Lock()
		r.perEvent[eventID]++
		n := r.perEvent[eventID]
		r.mu.Unlock()
		status := answer(r, req, eventID, n)
		if status < 300 {
			r.mu.Lock()
			r.successes[eventID]++
			r.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// newWebhookReceiver answers the first failures requests for each event
// with 500, then 204.
func newWebhookReceiver(t testing.TB, failures int64) *webhookReceiver {
	return newReceiver(t, func(_ *webhookReceiver, _ *http.Request, _ string, n int64) int {
		if n <= failures {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
}

// succeeded is how many events got a 2xx, and the most 2xx one got.
func (r *webhookReceiver) succeeded() (events int, most int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.successes {
		most = max(most, n)
	}
	return len(r.successes), most
}

func (p *pipeline) subscribe(r *webhookReceiver) {
	p.t.Helper()
	if _, err := queries.WebhookSubscribe(context.Background(), p.cfg.Pool, db.WebhookSubscribeParams{
		Url: r.URL, Secret: testSecret, EventTypes: []string{},
	}); err != nil {
		p.t.Fatalf("subscribe: %v", err)
	}
}

// webhooks builds a deliverer that polls often, as tests wait on it.
func (p *pipeline) webhooks(opts WebhookOptions) *WebhookDeliverer {
	p.t.Helper()
	orDefault(&opts.PollInterval, 10*time.Millisecond)
	w, err := NewWebhookDeliverer(p.cfg, opts)
	if err != nil {
		p.t.Fatal(err)
	}
	return w
}

// waitWebhooksDelivered waits until n deliveries of the job's events are
// delivered.
func (p *pipeline) waitWebhooksDelivered(jobID uuid.UUID, n int) {
	p.t.Helper()
	waitFor(p.t, fmt.Sprintf("%d webhook deliveries", n), func() (bool, error) {
		var delivered int
		err := p.cfg.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM webhook_queue q JOIN events e ON e.id = q.event_id WHERE e.job_id = $1 AND q.state = 'delivered'`,
			jobID).Scan(&delivered)
		return delivered == n, err
	})
}

// enqueue records the deliveries of events as the deliverer does when
// their announcement arrives.
func (p *pipeline) enqueue(events ...db.Event) {
	p.t.Helper()
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	if _, err := queries.WebhookEnqueue(context.Background(), p.cfg.Pool, db.WebhookEnqueueParams{EventIds: ids, ExpireSeconds: DefaultWebhookExpiry.Seconds()}); err != nil {
		p.t.Fatalf("enqueue: %v", err)
	}
}

// delivery is the delivery row of an event (to the one subscription).
func (p *pipeline) delivery(eventID uuid.UUID) db.WebhookQueue {
	p.t.Helper()
	rows, err := queries.WebhookQueueByEvent(context.Background(), p.cfg.Pool, eventID)
	if err != nil || len(rows) != 1 {
		p.t.Fatalf("deliveries of %s: %v, %v; want one", eventID, rows, err)
	}
	return rows[0]
}

// deliveryIs reports whether the event's delivery row exists and is in
// state.
func (p *pipeline) deliveryIs(eventID uuid.UUID, state db.WebhookDeliveryState) (bool, error) {
	rows, err := queries.WebhookQueueByEvent(context.Background(), p.cfg.Pool, eventID)
	return len(rows) == 1 && rows[0].State == state, err
}

// exec runs a statement that drives the clock or the test's setup.
func (p *pipeline) exec(sql string, args ...any) {
	p.t.Helper()
	if _, err := p.cfg.Pool.Exec(context.Background(), sql, args...); err != nil {
		p.t.Fatalf("%s: %v", sql, err)
	}
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
	start(t, p.webhooks(WebhookOptions{Schedule: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}}))
	event := p.recordEvent(p.submit(`"x"`, appendStep("a")))
	waitFor(t, "a successful delivery", func() (bool, error) { return p.deliveryIs(event.ID, db.WebhookDeliveryStateDelivered) })
	rows := p.deliveries(event.ID)
	if len(rows) != 3 || rows[0].Succeeded || rows[1].Succeeded || !rows[2].Succeeded || rows[2].Attempt != 3 {
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

// A receiver that hangs and one that fails beside a healthy one: the
// healthy receiver gets every event while the hanging one still holds
// each request it got (it answers only when the test ends) and the failing
// one has answered only 500s. The bound: the bad receivers hold at most
// 2 x MaxInFlight of the Senders, so a healthy receiver's delivery waits
// for a free sender and its own response, never for another receiver's.
func TestWebhookStuckReceiversDoNotDelayOthers(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	release := make(chan struct{})
	hanging := newReceiver(t, func(_ *webhookReceiver, req *http.Request, _ string, _ int64) int {
		select {
		case <-release:
		case <-req.Context().Done():
		}
		return http.StatusNoContent
	})
	failing := newWebhookReceiver(t, 1<<30)
	healthy := newWebhookReceiver(t, 0)
	for _, r := range []*webhookReceiver{hanging, failing, healthy} {
		p.subscribe(r)
	}
	const maxInFlight = 2
	start(t, p.relay(RelayOptions{}))
	start(t, p.webhooks(WebhookOptions{Senders: 6, MaxInFlight: maxInFlight, Timeout: time.Minute, BreakerFailures: 3}))
	t.Cleanup(func() { close(release) }) // before the deliverer's Close waits for its sends
	jobID := p.submit(`"x"`, appendStep("a"))
	const n = 30
	for range n {
		p.recordEvent(jobID)
	}
	want := n + 1 // and job.created
	waitFor(t, "the healthy receiver has every event", func() (bool, error) {
		events, _ := healthy.succeeded()
		return events == want, nil
	})
	if got := healthy.requests.Load(); got != int64(want) {
		t.Errorf("healthy receiver got %d requests, want %d (one per event)", got, want)
	}
	if got := hanging.inFlight.Load(); got < 1 || got > maxInFlight {
		t.Errorf("hanging receiver holds %d requests, want 1 to %d", got, maxInFlight)
	}
	if events, _ := hanging.succeeded(); events != 0 {
		t.Errorf("hanging receiver answered %d events before the test released it", events)
	}
	if events, _ := failing.succeeded(); events != 0 || failing.requests.Load() == 0 {
		t.Errorf("failing receiver: %d successes of %d requests, want none of some", events, failing.requests.Load())
	}
}

// Two deliverers, each with more senders than the limit, never have more
// than MaxInFlight requests at one subscription between them; the receiver
// holds each request until the limit is reached (or a moment passes), so
// the limit is reached and nothing more may slip in.
func TestWebhookConcurrencyLimitAcrossDeliverers(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	const limit = 3
	receiver := newReceiver(t, func(r *webhookReceiver, _ *http.Request, _ string, _ int64) int {
		for deadline := time.Now().Add(200 * time.Millisecond); r.inFlight.Load() < limit && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		return http.StatusNoContent
	})
	p.subscribe(receiver)
	jobID := p.submit(`"x"`, appendStep("a"))
	const n = 40
	events := make([]db.Event, n)
	for i := range events {
		events[i] = p.recordEvent(jobID)
	}
	p.enqueue(events...)
	for range 2 {
		start(t, p.webhooks(WebhookOptions{Senders: 8, MaxInFlight: limit}))
	}
	p.waitWebhooksDelivered(jobID, n)
	if got := receiver.maxInFlight.Load(); got != limit {
		t.Errorf("at most %d requests in flight at the receiver, want the limit %d", got, limit)
	}
	if got := receiver.requests.Load(); got != n {
		t.Errorf("%d requests, want %d (one per event)", got, n)
	}
}

// After BreakerFailures consecutive failures a subscription's deliveries
// are not claimed until open_until (moved by the test, not waited for);
// then one probe decides: a failure opens the breaker again, a success
// closes it and the rest are delivered.
func TestWebhookBreakerOpensAndRecovers(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	const (
		failures    = 3
		maxInFlight = 3
	)
	var (
		succeed  atomic.Bool
		holdNext atomic.Bool
		arrived  = make(chan struct{}, 1)
		release  = make(chan struct{})
	)
	receiver := newReceiver(t, func(_ *webhookReceiver, _ *http.Request, _ string, _ int64) int {
		if holdNext.CompareAndSwap(true, false) {
			arrived <- struct{}{}
			<-release
		}
		if succeed.Load() {
			return http.StatusNoContent
		}
		return http.StatusInternalServerError
	})
	p.subscribe(receiver)
	jobID := p.submit(`"x"`, appendStep("a"))
	const n = 5
	events := make([]db.Event, n)
	for i := range events {
		events[i] = p.recordEvent(jobID)
	}
	p.enqueue(events...)
	schedule := make([]time.Duration, 50) // retries due at once: only the breaker holds them back
	for i := range schedule {
		schedule[i] = time.Millisecond
	}
	w := p.webhooks(WebhookOptions{MaxInFlight: maxInFlight, BreakerFailures: failures, BreakerOpen: time.Hour, Schedule: schedule})
	start(t, w)
	ctx := context.Background()
	breaker := func() (int32, bool) {
		var (
			consecutive int32
			open        bool
		)
		if err := p.cfg.Pool.QueryRow(ctx, `SELECT consecutive_failures, coalesce(open_until > now(), false) FROM webhook_subscriptions`).Scan(&consecutive, &open); err != nil {
			t.Fatal(err)
		}
		return consecutive, open
	}
	claimNothing := func(when string) {
		t.Helper()
		if claimed, err := w.w.claim(ctx, 10); err != nil || len(claimed) != 0 {
			t.Fatalf("%s: claimed %d deliveries (%v), want none", when, len(claimed), err)
		}
	}
	waitFor(t, "the breaker opens", func() (bool, error) { _, open := breaker(); return open, nil })
	// Attempts claimed before it opened come back (and keep it open).
	waitFor(t, "no attempt out", func() (bool, error) {
		var leased int
		err := p.cfg.Pool.QueryRow(ctx, `SELECT count(*) FROM webhook_queue WHERE leased_until IS NOT NULL`).Scan(&leased)
		return leased == 0, err
	})
	opened := receiver.requests.Load()
	if opened < failures || opened > failures+maxInFlight-1 {
		t.Fatalf("%d requests before the breaker opened, want %d to %d", opened, failures, failures+maxInFlight-1)
	}
	claimNothing("breaker open")

	// Half-open: one probe, held by the receiver while the test tries to
	// claim more; it fails and the breaker opens again.
	holdNext.Store(true)
	p.exec(`UPDATE webhook_subscriptions SET open_until = now() - interval '1 second'`)
	requestArrives(t, arrived, "the half-open probe")
	claimNothing("probe in flight")
	release <- struct{}{}
	waitFor(t, "the breaker opens again", func() (bool, error) {
		consecutive, open := breaker()
		return open && consecutive == int32(opened)+1, nil
	})
	if got := receiver.requests.Load(); got != opened+1 {
		t.Fatalf("%d requests after a failed probe, want %d", got, opened+1)
	}

	// A successful probe closes the breaker; the rest follow.
	succeed.Store(true)
	holdNext.Store(true)
	p.exec(`UPDATE webhook_subscriptions SET open_until = now() - interval '1 second'`)
	requestArrives(t, arrived, "the second probe")
	claimNothing("second probe in flight")
	release <- struct{}{}
	p.waitWebhooksDelivered(jobID, n)
	if consecutive, open := breaker(); consecutive != 0 || open {
		t.Errorf("breaker after the deliveries: %d consecutive failures, open %v; want closed", consecutive, open)
	}
}

// requestArrives waits for a request to reach a receiver that signals on
// arrived, failing the test rather than hanging it when none comes.
func requestArrives(t *testing.T, arrived <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never reached the receiver", what)
	}
}

// A sender that claims a delivery and crashes leaves it leased; when the
// lease runs out (moved by the test) another deliverer takes it over and
// delivers it. The crashed sender's late attempt is logged but changes
// nothing: the claim fences it out.
func TestWebhookLeaseTakeover(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 0)
	p.subscribe(receiver)
	event := p.recordEvent(p.submit(`"x"`, appendStep("a")))
	p.enqueue(event)
	ctx := context.Background()
	crashed := p.webhooks(WebhookOptions{}) // never started: it only claims
	held, err := crashed.w.claim(ctx, 10)
	if err != nil || len(held) != 1 || held[0].Attempt != 1 {
		t.Fatalf("claim = %+v, %v; want attempt 1 of the one delivery", held, err)
	}
	taker := p.webhooks(WebhookOptions{})
	if again, err := taker.w.claim(ctx, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed a leased delivery again: %+v, %v", again, err)
	}
	start(t, taker)
	p.exec(`UPDATE webhook_queue SET leased_until = now() - interval '1 second', next_attempt_at = now() - interval '1 second' WHERE id = $1`, held[0].ID)
	waitFor(t, "the delivery taken over", func() (bool, error) { return p.deliveryIs(event.ID, db.WebhookDeliveryStateDelivered) })
	if d := p.delivery(event.ID); d.Attempt != 2 {
		t.Fatalf("delivered by attempt %d, want 2", d.Attempt)
	}
	crashed.w.send(ctx, held[0])
	if d := p.delivery(event.ID); d.State != db.WebhookDeliveryStateDelivered || d.Attempt != 2 {
		t.Errorf("after the stale attempt: %s by attempt %d, want delivered by 2", d.State, d.Attempt)
	}
	rows := p.deliveries(event.ID)
	if len(rows) != 2 || rows[0].Attempt != 1 || rows[1].Attempt != 2 || !rows[0].Succeeded || !rows[1].Succeeded {
		t.Errorf("attempt log %+v, want attempts 1 and 2, both successes", rows)
	}
	if got := receiver.requests.Load(); got != 2 {
		t.Errorf("receiver got %d requests, want 2 (at-least-once)", got)
	}
}

// A subscription deleted while its delivery is out: the attempt's record
// finds nothing to move on or log, and the deliverer's one sender is free
// for the next subscription's delivery.
func TestWebhookSubscriptionDeletedInFlight(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	arrived, release := make(chan struct{}, 1), make(chan struct{})
	deleted := newReceiver(t, func(_ *webhookReceiver, _ *http.Request, _ string, _ int64) int {
		arrived <- struct{}{}
		<-release
		return http.StatusNoContent
	})
	p.subscribe(deleted)
	jobID := p.submit(`"x"`, appendStep("a"))
	first := p.recordEvent(jobID)
	p.enqueue(first)
	start(t, p.webhooks(WebhookOptions{Senders: 1}))
	requestArrives(t, arrived, "the delivery")
	p.exec(`DELETE FROM webhook_subscriptions`)
	close(release)
	next := newWebhookReceiver(t, 0)
	p.subscribe(next)
	second := p.recordEvent(jobID)
	p.enqueue(second)
	waitFor(t, "the next subscription's delivery", func() (bool, error) { return p.deliveryIs(second.ID, db.WebhookDeliveryStateDelivered) })
	if rows := p.deliveries(first.ID); len(rows) != 0 {
		t.Errorf("attempt log %+v, want nothing for a deleted subscription", rows)
	}
}

// The n-th failure schedules the next attempt Schedule[n-1] later, plus at
// most a fifth; the test makes each retry due at once instead of waiting.
// After the last pause's attempt fails, the delivery is failed.
func TestWebhookRetrySchedule(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 1<<30)
	p.subscribe(receiver)
	event := p.recordEvent(p.submit(`"x"`, appendStep("a")))
	p.enqueue(event)
	start(t, p.webhooks(WebhookOptions{BreakerFailures: 1000}))
	for i, pause := range DefaultWebhookSchedule {
		var d db.WebhookQueue
		waitFor(t, fmt.Sprintf("failure %d", i+1), func() (bool, error) {
			d = p.delivery(event.ID)
			return d.Retries == int32(i+1) && d.LeasedUntil == nil, nil
		})
		if got := d.NextAttemptAt.Sub(d.UpdatedAt); got < pause || got > pause+pause/5 {
			t.Fatalf("after failure %d the next attempt is %v later, want %v plus at most a fifth", i+1, got, pause)
		}
		if d.State != db.WebhookDeliveryStatePending {
			t.Fatalf("after failure %d: %s, want pending", i+1, d.State)
		}
		p.exec(`UPDATE webhook_queue SET next_attempt_at = now() WHERE id = $1`, d.ID)
	}
	attempts := len(DefaultWebhookSchedule) + 1
	waitFor(t, "the delivery failed", func() (bool, error) { return p.deliveryIs(event.ID, db.WebhookDeliveryStateFailed) })
	if d := p.delivery(event.ID); d.Attempt != int32(attempts) || d.LastError == nil || *d.LastError != "status 500" {
		t.Errorf("failed after %d attempts with %v, want %d with status 500", d.Attempt, d.LastError, attempts)
	}
	if rows := p.deliveries(event.ID); len(rows) != attempts {
		t.Errorf("%d attempts logged, want %d", len(rows), attempts)
	}
}

// A delivery its breaker kept from spending its attempts is failed when it
// expires (the test moves expires_at instead of waiting), unless a sender
// holds it.
func TestWebhookExpiredDeliveriesFail(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 0)
	p.subscribe(receiver)
	jobID := p.submit(`"x"`, appendStep("a"))
	waiting, held := p.recordEvent(jobID), p.recordEvent(jobID)
	p.enqueue(waiting, held)
	w := p.webhooks(WebhookOptions{})
	ctx := context.Background()
	p.exec(`UPDATE webhook_queue SET leased_until = now() + interval '1 minute' WHERE event_id = $1`, held.ID)
	p.exec(`UPDATE webhook_subscriptions SET consecutive_failures = 5, open_until = now() + interval '1 hour'`)
	w.w.failExpired(ctx)
	if d := p.delivery(waiting.ID); d.State != db.WebhookDeliveryStatePending {
		t.Fatalf("before its expiry the delivery is %s, want pending", d.State)
	}
	p.exec(`UPDATE webhook_queue SET expires_at = now() - interval '1 second'`)
	w.w.failExpired(ctx)
	if d := p.delivery(waiting.ID); d.State != db.WebhookDeliveryStateFailed || d.LastError == nil || !strings.Contains(*d.LastError, "expired") {
		t.Errorf("expired delivery: %s, %v; want failed as expired", d.State, d.LastError)
	}
	if d := p.delivery(held.ID); d.State != db.WebhookDeliveryStatePending {
		t.Errorf("expired delivery a sender holds: %s, want pending", d.State)
	}
	if n := receiver.requests.Load(); n != 0 {
		t.Errorf("receiver got %d requests, want none (the breaker is open)", n)
	}
}

func TestWebhookExpiry(t *testing.T) {
	t.Parallel()
	lease := 40 * time.Second
	if got, want := webhookExpiry([]time.Duration{10 * time.Second, time.Minute}, lease), 3*lease+12*time.Second+72*time.Second; got != want {
		t.Errorf("webhookExpiry = %v, want %v", got, want)
	}
	if DefaultWebhookExpiry < 18*time.Hour || DefaultWebhookExpiry > 19*time.Hour {
		t.Errorf("DefaultWebhookExpiry = %v, want the default schedule's 18h43m and its leases", DefaultWebhookExpiry)
	}
}

func TestRetryPause(t *testing.T) {
	t.Parallel()
	for retries, pause := range DefaultWebhookSchedule {
		for range 100 {
			got, ok := retryPause(DefaultWebhookSchedule, retries)
			if !ok || got < pause || got > pause+pause/5 {
				t.Fatalf("retryPause(%d) = %v, %v; want %v plus at most a fifth", retries, got, ok, pause)
			}
		}
	}
	if _, ok := retryPause(DefaultWebhookSchedule, len(DefaultWebhookSchedule)); ok {
		t.Errorf("retryPause past the schedule retries, want the delivery failed")
	}
}

// A failed delivery is listed; replaying it sends it once more, and a
// replay repeated does nothing.
func TestWebhookReplayRedeliversOnce(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	var failing atomic.Bool
	failing.Store(true)
	receiver := newReceiver(t, func(_ *webhookReceiver, _ *http.Request, _ string, _ int64) int {
		if failing.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	p.subscribe(receiver)
	jobID := p.submit(`"x"`, appendStep("a"))
	event := p.recordEvent(jobID)
	start(t, p.relay(RelayOptions{}))
	start(t, p.webhooks(WebhookOptions{Schedule: []time.Duration{time.Millisecond}}))
	ctx := context.Background()
	var failed []db.WebhookFailedListRow
	waitFor(t, "both deliveries failed", func() (bool, error) {
		var err error
		failed, err = queries.WebhookFailedList(ctx, p.cfg.Pool, 10)
		return len(failed) == 2, err // job.created and the event
	})
	var mine db.WebhookFailedListRow
	for _, f := range failed {
		if f.EventID == event.ID {
			mine = f
		}
	}
	if mine.Attempt != 2 || mine.Url != receiver.URL || mine.LastError == nil || *mine.LastError != "status 500" {
		t.Fatalf("failed delivery %+v, want 2 attempts to %s, status 500", mine, receiver.URL)
	}
	failing.Store(false)
	replay := func() int64 {
		n, err := queries.WebhookReplay(ctx, p.cfg.Pool, db.WebhookReplayParams{Ids: []int64{mine.ID}, ExpireSeconds: DefaultWebhookExpiry.Seconds()})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := replay(); n != 1 {
		t.Fatalf("replayed %d, want 1", n)
	}
	if n := replay(); n != 0 {
		t.Fatalf("replayed again %d, want 0 (it is pending or delivered)", n)
	}
	waitFor(t, "the replay delivered", func() (bool, error) { return p.deliveryIs(event.ID, db.WebhookDeliveryStateDelivered) })
	if events, most := receiver.succeeded(); events != 1 || most != 1 {
		t.Errorf("receiver: %d events succeeded, one of them %d times; want the replayed one, once", events, most)
	}
	if rows := p.deliveries(event.ID); len(rows) != 3 || !rows[2].Succeeded || rows[2].Attempt != 3 {
		t.Errorf("attempt log %+v, want two failures, then the replay's success", rows)
	}
	if left, err := queries.WebhookFailedList(ctx, p.cfg.Pool, 10); err != nil || len(left) != 1 || left[0].EventID == event.ID {
		t.Errorf("failed after the replay: %+v, %v; want only job.created", left, err)
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
		secrets := liveSecrets(db.WebhookClaimRow{Secret: testSecret, PreviousSecret: &old, PreviousUntil: tc.until})
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
