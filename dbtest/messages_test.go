package dbtest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

func outboxIDs(rows []db.Outbox) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func TestOutbox(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	lag, err := q.OutboxLag(ctx, pool)
	if err != nil || lag.Pending != 0 || lag.OldestSeconds != 0 {
		t.Fatalf("OutboxLag on an empty outbox = %+v, %v; want zeros", lag, err)
	}

	var inserted []int64
	for i := range 5 {
		msg, err := q.OutboxInsert(ctx, pool, db.OutboxInsertParams{
			Exchange: "lockstep", RoutingKey: "tasks", Body: []byte{byte(i)}, Headers: []byte(`{"h": 1}`),
		})
		if err != nil {
			t.Fatalf("OutboxInsert: %v", err)
		}
		if msg.MessageID == uuid.Nil || msg.PublishedAt != nil || msg.Body[0] != byte(i) {
			t.Fatalf("OutboxInsert = %+v, want an unpublished message with an id", msg)
		}
		inserted = append(inserted, msg.ID)
	}
	lag, err = q.OutboxLag(ctx, pool)
	if err != nil || lag.Pending != 5 || lag.OldestSeconds < 0 {
		t.Fatalf("OutboxLag = %+v, %v; want 5 pending", lag, err)
	}

	// A claim takes the oldest unpublished messages first, up to the batch size.
	claimed, err := q.OutboxClaim(ctx, pool, 2)
	if err != nil || !slices.Equal(outboxIDs(claimed), inserted[:2]) {
		t.Fatalf("OutboxClaim(2) = %v, %v; want %v", outboxIDs(claimed), err, inserted[:2])
	}
	n, err := q.OutboxMarkPublished(ctx, pool, inserted[:2])
	if err != nil || n != 2 {
		t.Fatalf("OutboxMarkPublished = %d, %v; want 2", n, err)
	}
	// Marking again changes nothing; only unpublished ids count.
	n, err = q.OutboxMarkPublished(ctx, pool, inserted[1:3])
	if err != nil || n != 1 {
		t.Fatalf("OutboxMarkPublished of one published and one new id = %d, %v; want 1", n, err)
	}
	claimed, err = q.OutboxClaim(ctx, pool, 10)
	if err != nil || !slices.Equal(outboxIDs(claimed), inserted[3:]) {
		t.Fatalf("OutboxClaim(10) after publishing = %v, %v; want %v", outboxIDs(claimed), err, inserted[3:])
	}
	lag, err = q.OutboxLag(ctx, pool)
	if err != nil || lag.Pending != 2 {
		t.Fatalf("OutboxLag = %+v, %v; want 2 pending", lag, err)
	}
}

// TestOutboxClaimSkipsLocked checks that a second relay claims past the rows
// a first relay holds instead of waiting for them or taking them too.
func TestOutboxClaimSkipsLocked(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	var inserted []int64
	for range 5 {
		msg, err := q.OutboxInsert(ctx, pool, db.OutboxInsertParams{Exchange: "x", RoutingKey: "k", Body: []byte("b"), Headers: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		inserted = append(inserted, msg.ID)
	}
	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	claimed, err := q.OutboxClaim(ctx, first, 3)
	if err != nil || !slices.Equal(outboxIDs(claimed), inserted[:3]) {
		t.Fatalf("first claim = %v, %v; want %v", outboxIDs(claimed), err, inserted[:3])
	}

	second, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Rollback(ctx)
	claimed, err = q.OutboxClaim(ctx, second, 10)
	if err != nil || !slices.Equal(outboxIDs(claimed), inserted[3:]) {
		t.Fatalf("second claim = %v, %v; want %v", outboxIDs(claimed), err, inserted[3:])
	}

	// Rows go back to the queue when a claimer rolls back without publishing.
	if err := first.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	claimed, err = q.OutboxClaim(ctx, pool, 10)
	if err != nil || !slices.Equal(outboxIDs(claimed), inserted[:3]) {
		t.Fatalf("claim after rollback = %v, %v; want %v", outboxIDs(claimed), err, inserted[:3])
	}
}

// TestOutboxDefer checks that a deferred row records its failure, is left
// out of claims until its time comes, and that a caller holding a stale
// attempt count changes nothing.
func TestOutboxDefer(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	var inserted []int64
	for range 3 {
		msg, err := q.OutboxInsert(ctx, pool, db.OutboxInsertParams{Exchange: "x", RoutingKey: "k", Body: []byte("b"), Headers: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if msg.Attempts != 0 || msg.LastError != nil || msg.AvailableAt.After(time.Now().Add(time.Minute)) {
			t.Fatalf("OutboxInsert = %+v, want a row available now with no attempts", msg)
		}
		inserted = append(inserted, msg.ID)
	}

	// The head row fails: deferred for an hour, the rows behind it are claimed.
	n, err := q.OutboxDefer(ctx, pool, db.OutboxDeferParams{ID: inserted[0], Attempts: 0, LastError: "no exchange", RetryInSeconds: 3600})
	if err != nil || n != 1 {
		t.Fatalf("OutboxDefer = %d, %v; want 1", n, err)
	}
	claimed, err := q.OutboxClaim(ctx, pool, 10)
	if err != nil || !slices.Equal(outboxIDs(claimed), inserted[1:]) {
		t.Fatalf("OutboxClaim with the head deferred = %v, %v; want %v", outboxIDs(claimed), err, inserted[1:])
	}
	// A stale attempt count, or a published row, is not deferred again.
	n, err = q.OutboxDefer(ctx, pool, db.OutboxDeferParams{ID: inserted[0], Attempts: 0, LastError: "stale", RetryInSeconds: 0})
	if err != nil || n != 0 {
		t.Fatalf("OutboxDefer with a stale attempt count = %d, %v; want 0", n, err)
	}
	if _, err := q.OutboxMarkPublished(ctx, pool, inserted[1:2]); err != nil {
		t.Fatal(err)
	}
	n, err = q.OutboxDefer(ctx, pool, db.OutboxDeferParams{ID: inserted[1], Attempts: 0, LastError: "late", RetryInSeconds: 0})
	if err != nil || n != 0 {
		t.Fatalf("OutboxDefer of a published row = %d, %v; want 0", n, err)
	}

	// Its second failure is due at once: it is claimed again, with its history.
	n, err = q.OutboxDefer(ctx, pool, db.OutboxDeferParams{ID: inserted[0], Attempts: 1, LastError: "still no exchange", RetryInSeconds: 0})
	if err != nil || n != 1 {
		t.Fatalf("second OutboxDefer = %d, %v; want 1", n, err)
	}
	claimed, err = q.OutboxClaim(ctx, pool, 10)
	if err != nil || !slices.Equal(outboxIDs(claimed), []int64{inserted[0], inserted[2]}) {
		t.Fatalf("OutboxClaim after the retry time = %v, %v; want %v", outboxIDs(claimed), err, []int64{inserted[0], inserted[2]})
	}
	if head := claimed[0]; head.Attempts != 2 || head.LastError == nil || *head.LastError != "still no exchange" {
		t.Fatalf("deferred row = attempts %d, last error %v; want 2 and the last error", head.Attempts, head.LastError)
	}
}

func TestInboxInsert(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	msg := uuid.New()
	for _, tc := range []struct {
		consumer string
		message  uuid.UUID
		want     int64
	}{
		{"results", msg, 1},
		{"results", msg, 0}, // a redelivery
		{"tasks", msg, 1},   // the same message is new to another consumer
		{"results", uuid.New(), 1},
	} {
		n, err := q.InboxInsert(ctx, pool, db.InboxInsertParams{Consumer: tc.consumer, MessageID: tc.message})
		if err != nil || n != tc.want {
			t.Fatalf("InboxInsert(%s, %v) = %d, %v; want %d", tc.consumer, tc.message, n, err, tc.want)
		}
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	job := newJob(t, pool, 1)
	other := newJob(t, pool, 1)
	var want []uuid.UUID
	for _, typ := range []string{"job.created", "job.started", "job.done"} {
		ev, err := q.EventRecord(ctx, pool, eventParams(job.ID, typ, []byte(`{"t": "`+typ+`"}`)))
		if err != nil {
			t.Fatalf("EventRecord: %v", err)
		}
		want = append(want, ev.ID)
	}
	if _, err := q.EventRecord(ctx, pool, eventParams(other.ID, "job.created", []byte(`{}`))); err != nil {
		t.Fatal(err)
	}

	got, err := q.EventGet(ctx, pool, want[1])
	if err != nil || got.Type != "job.started" || got.JobID != job.ID {
		t.Fatalf("EventGet = %+v, %v", got, err)
	}
	requireJSON(t, got.Payload, `{"t": "job.started"}`)
	_, err = q.EventGet(ctx, pool, uuid.New())
	requireNoRows(t, err)

	listed, err := q.EventListByJob(ctx, pool, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, ev := range listed {
		ids = append(ids, ev.ID)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("EventListByJob = %v, want %v in insertion order", ids, want)
	}

	_, err = q.EventRecord(ctx, pool, eventParams(uuid.New(), "orphan", []byte(`{}`)))
	requirePgCode(t, err, "23503") // foreign_key_violation

	// Every recorded event is announced once; the orphan, whose insert
	// failed, took its announcement with it.
	lag, err := q.OutboxLag(ctx, pool)
	if err != nil || lag.Pending != 4 {
		t.Fatalf("OutboxLag = %+v, %v; want 4 announcements pending", lag, err)
	}
}

// eventParams records an event announced on the exchange "events".
func eventParams(jobID uuid.UUID, typ string, payload []byte) db.EventRecordParams {
	id := uuid.New()
	return db.EventRecordParams{ID: id, JobID: jobID, Type: typ, Payload: payload, Exchange: "events", Body: []byte(`{"event_id": "` + id.String() + `"}`)}
}
