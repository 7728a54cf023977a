package dbtest

import (
	"slices"
	"testing"

	"github.com/google/uuid"

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

	for _, tc := range []struct {
		event string
		want  []uuid.UUID
	}{
		{"job.failed", []uuid.UUID{first.ID, all.ID}},
		{"job.done", []uuid.UUID{all.ID}}, // no longer subscribed by the first
		{"anything", []uuid.UUID{all.ID}}, // no event types means every event
	} {
		subs, err := q.WebhookSubscriptionsForEvent(ctx, pool, tc.event)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, s := range subs {
			ids = append(ids, s.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Fatalf("WebhookSubscriptionsForEvent(%s) = %v, want %v", tc.event, ids, tc.want)
		}
	}
}

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
	delivered := func(want bool) {
		t.Helper()
		got, err := q.WebhookDelivered(ctx, pool, db.WebhookDeliveredParams{SubscriptionID: sub.ID, EventID: event.ID})
		if err != nil || got != want {
			t.Fatalf("WebhookDelivered = %v, %v; want %v", got, err, want)
		}
	}

	delivered(false)
	timeout, status500, status200 := "timeout", int32(500), int32(200)
	for i, attempt := range []db.WebhookDeliveryRecordParams{
		{Error: &timeout},
		{StatusCode: &status500},
		{StatusCode: &status200, Succeeded: true},
	} {
		attempt.SubscriptionID, attempt.EventID = sub.ID, event.ID
		got, err := q.WebhookDeliveryRecord(ctx, pool, attempt)
		if err != nil || got.Attempt != int32(i+1) || got.Succeeded != attempt.Succeeded {
			t.Fatalf("WebhookDeliveryRecord %d = attempt %d, %v; want attempt %d", i+1, got.Attempt, err, i+1)
		}
	}
	delivered(true)

	// The partial unique index allows one success per event and subscription.
	_, err = q.WebhookDeliveryRecord(ctx, pool, db.WebhookDeliveryRecordParams{SubscriptionID: sub.ID, EventID: event.ID, StatusCode: &status200, Succeeded: true})
	requirePgCode(t, err, "23505")

	// Attempts are numbered per subscription and event.
	other, err := q.EventRecord(ctx, pool, eventParams(job.ID, "job.done", []byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.WebhookDeliveryRecord(ctx, pool, db.WebhookDeliveryRecordParams{SubscriptionID: sub.ID, EventID: other.ID, StatusCode: &status200, Succeeded: true})
	if err != nil || got.Attempt != 1 {
		t.Fatalf("first attempt for another event = %d, %v; want 1", got.Attempt, err)
	}

	list, err := q.WebhookDeliveriesByEvent(ctx, pool, event.ID)
	if err != nil {
		t.Fatal(err)
	}
	var attempts []int32
	for _, d := range list {
		attempts = append(attempts, d.Attempt)
	}
	if !slices.Equal(attempts, []int32{1, 2, 3}) {
		t.Fatalf("WebhookDeliveriesByEvent attempts = %v, want [1 2 3]", attempts)
	}
	if list[0].Error == nil || *list[0].Error != timeout || list[1].StatusCode == nil || *list[1].StatusCode != 500 {
		t.Fatalf("stored attempts %+v, %+v; want the timeout and the 500", list[0], list[1])
	}
}
