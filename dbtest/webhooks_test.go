package dbtest

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

func TestWebhookSubscribe(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	first, err := q.WebhookSubscribe(ctx, pool, db.WebhookSubscribeParams{Url: "https://a.example/hook", Secret: "s1", EventTypes: []string{"job.done"}})
	if err != nil || !first.Created {
		t.Fatalf("WebhookSubscribe = %+v, %v; want created", first, err)
	}
	again, err := q.WebhookSubscribe(ctx, pool, db.WebhookSubscribeParams{Url: "https://a.example/hook", Secret: "s2", EventTypes: []string{"job.failed"}})
	if err != nil || again.Created || again.ID != first.ID {
		t.Fatalf("WebhookSubscribe of the same url = %+v, %v; want the first subscription, not created", again, err)
	}
	// Only the event types change; the secret stays the first one.
	if !slices.Equal(again.EventTypes, []string{"job.failed"}) || again.Secret != "s1" {
		t.Fatalf("resubscribed: event types %v, secret %s; want [job.failed], s1", again.EventTypes, again.Secret)
	}
	all, err := q.WebhookSubscribe(ctx, pool, db.WebhookSubscribeParams{Url: "https://b.example/hook", Secret: "s", EventTypes: []string{}})
	if err != nil || !all.Created {
		t.Fatalf("WebhookSubscribe = %+v, %v", all, err)
	}

	// An announcement records a delivery for each subscription whose event
	// types match; announcing again records nothing more.
	job := newJob(t, pool, 1)
	for _, tc := range []struct {
		event string
		want  []uuid.UUID
	}{
		{"job.failed", []uuid.UUID{first.ID, all.ID}},
		{"job.done", []uuid.UUID{all.ID}}, // no longer subscribed by the first
		{"anything", []uuid.UUID{all.ID}}, // no event types means every event
	} {
		event, err := q.EventRecord(ctx, pool, eventParams(job.ID, tc.event, []byte(`{}`)))
		if err != nil {
			t.Fatal(err)
		}
		for round, enqueued := range []int32{int32(len(tc.want)), 0} {
			found, err := q.WebhookEnqueue(ctx, pool, db.WebhookEnqueueParams{EventIds: []uuid.UUID{event.ID, uuid.New()}, ExpireSeconds: 3600})
			if err != nil || len(found) != 1 || found[0].ID != event.ID || found[0].Enqueued != enqueued {
				t.Fatalf("WebhookEnqueue(%s) round %d = %+v, %v; want the event alone, %d enqueued", tc.event, round, found, err, enqueued)
			}
		}
		rows, err := q.WebhookQueueByEvent(ctx, pool, event.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, r := range rows {
			if r.State != db.WebhookDeliveryStatePending || r.Attempt != 0 {
				t.Errorf("new delivery %+v, want pending, no attempt", r)
			}
			ids = append(ids, r.SubscriptionID)
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		want := slices.Clone(tc.want)
		slices.SortFunc(want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		if !slices.Equal(ids, want) {
			t.Fatalf("deliveries of %s to %v, want %v", tc.event, ids, want)
		}
	}
}

// An outcome moves its delivery on only while the attempt holds it; every
// attempt is logged, once.
func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	sub, err := q.WebhookSubscribe(ctx, pool, db.WebhookSubscribeParams{Url: "https://a.example/hook", Secret: "s", EventTypes: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	job := newJob(t, pool, 1)
	event, err := q.EventRecord(ctx, pool, eventParams(job.ID, "job.done", []byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.WebhookEnqueue(ctx, pool, db.WebhookEnqueueParams{EventIds: []uuid.UUID{event.ID}, ExpireSeconds: 3600}); err != nil {
		t.Fatal(err)
	}
	claim := func() []db.WebhookClaimRow {
		t.Helper()
		claimed, err := q.WebhookClaim(ctx, pool, db.WebhookClaimParams{
			LeaseSeconds: 60, BreakerFailures: 5, MaxInFlight: 4, SubscriptionIds: []uuid.UUID{sub.ID}, BatchSize: 10,
		})
		if err != nil {
			t.Fatal(err)
		}
		return claimed
	}
	first := claim()
	if len(first) != 1 || first[0].Attempt != 1 || first[0].Url != sub.Url || first[0].EventID != event.ID {
		t.Fatalf("claim = %+v, want attempt 1 of the event to %s", first, sub.Url)
	}
	if again := claim(); len(again) != 0 {
		t.Fatalf("claimed a leased delivery again: %+v", again)
	}
	timeout, status200 := "timeout", int32(200)
	outcome := db.WebhookRecordOutcomeParams{
		ID: first[0].ID, Attempt: 1, SubscriptionID: sub.ID, EventID: event.ID, Error: &timeout,
		RetrySeconds: 0, BreakerFailures: 5, OpenSeconds: 60,
	}
	for round, want := range []bool{true, false} { // a retried record changes nothing
		if current, err := q.WebhookRecordOutcome(ctx, pool, outcome); err != nil || current != want {
			t.Fatalf("record of attempt 1, round %d = %v, %v; want current %v", round, current, err, want)
		}
	}
	second := claim()
	if len(second) != 1 || second[0].Attempt != 2 || second[0].Retries != 1 {
		t.Fatalf("claim after a failure = %+v, want attempt 2 after 1 retry", second)
	}
	// A late outcome of attempt 1 changes nothing.
	late := outcome
	late.Error, late.StatusCode, late.Succeeded = nil, &status200, true
	if current, err := q.WebhookRecordOutcome(ctx, pool, late); err != nil || current {
		t.Fatalf("late outcome of attempt 1 = %v, %v; want not current", current, err)
	}
	success := late
	success.Attempt = 2
	if current, err := q.WebhookRecordOutcome(ctx, pool, success); err != nil || !current {
		t.Fatalf("outcome of attempt 2 = %v, %v; want current", current, err)
	}
	rows, err := q.WebhookQueueByEvent(ctx, pool, event.ID)
	if err != nil || len(rows) != 1 || rows[0].State != db.WebhookDeliveryStateDelivered || rows[0].LeasedUntil != nil {
		t.Fatalf("delivery %+v, %v; want delivered, not leased", rows, err)
	}
	list := attemptLog(t, pool, event.ID)
	var attempts []int32
	for _, d := range list {
		attempts = append(attempts, d.Attempt)
	}
	if !slices.Equal(attempts, []int32{1, 2}) || list[0].Error == nil || *list[0].Error != timeout || !list[1].Succeeded {
		t.Fatalf("attempt log %+v, want the timeout of attempt 1, then the success of attempt 2", list)
	}
}

func attemptLog(t *testing.T, pool *pgxpool.Pool, eventID uuid.UUID) []db.WebhookDelivery {
	t.Helper()
	list, err := q.WebhookDeliveriesByEvent(t.Context(), pool, eventID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
