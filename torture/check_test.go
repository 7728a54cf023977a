package torture

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/message"
)

var testTopo = message.NewTopology("torture_test")

// history is a clean two-step job, done, as the pipeline leaves it, and
// the evidence a run would have gathered about it.
type history struct {
	job, task0, task1 uuid.UUID
	events            []uuid.UUID
	ev                evidence
}

// plantHistory writes the job, its tasks, events, outbox rows and inbox
// rows, and returns it with matching evidence.
func plantHistory(t *testing.T, pool *pgxpool.Pool) history {
	t.Helper()
	h := history{job: uuid.New(), task0: uuid.New(), task1: uuid.New()}
	execSQL(t, pool, `INSERT INTO jobs (id, status, idempotency_key, steps_total, steps_done, finished_at)
VALUES ($1, 'done', 'key-1', 2, 2, now())`, h.job)
	for i, task := range []uuid.UUID{h.task0, h.task1} {
		execSQL(t, pool, `INSERT INTO tasks (id, job_id, execution_order, handler, status, attempts, queued_at, started_at, finished_at)
VALUES ($1, $2, $3, 'uppercase', 'done', 1, now(), now(), now())`, task, h.job, i)
		putOutbox(t, pool, testTopo.Tasks, fmt.Sprintf(`{"task_id": %q, "job_id": %q}`, task, h.job), true)
		result := putOutbox(t, pool, testTopo.Results, fmt.Sprintf(`{"task_id": %q, "job_id": %q}`, task, h.job), true)
		execSQL(t, pool, `INSERT INTO inbox (consumer, message_id) VALUES ('results', $1)`, result)
	}
	for _, e := range []struct{ typ, payload string }{
		{message.EventJobCreated, `{}`},
		{message.EventStepDone, `{"execution_order": 0}`},
		{message.EventStepDone, `{"execution_order": 1}`},
		{message.EventJobDone, `{}`},
	} {
		h.events = append(h.events, putEvent(t, pool, h.job, e.typ, e.payload))
	}
	p := probe{ID: uuid.NewString(), Queue: testTopo.Tasks, Variant: "empty"}
	h.ev = evidence{
		keys:        map[string][]uuid.UUID{"key-1": {h.job, h.job}},
		delivered:   map[uuid.UUID]int{},
		probes:      []probe{p},
		dead:        []consumers.DeadLetter{deadProbe(p, "unparsable body: unexpected end of JSON input")},
		maxAttempts: 3,
	}
	for _, id := range h.events {
		h.ev.delivered[id] = 1
	}
	return h
}

func deadProbe(p probe, reason string) consumers.DeadLetter {
	return consumers.DeadLetter{MessageID: uuid.NewString(), Queue: p.Queue, Reason: reason, Headers: amqp.Table{ProbeHeader: p.ID}}
}

func execSQL(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func putOutbox(t *testing.T, pool *pgxpool.Pool, routingKey, body string, published bool) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(), `INSERT INTO outbox (exchange, routing_key, body, published_at)
VALUES ('torture_test', $1, convert_to($2, 'UTF8'), CASE WHEN $3 THEN now() END) RETURNING message_id`,
		routingKey, body, published).Scan(&id)
	if err != nil {
		t.Fatalf("insert outbox row: %v", err)
	}
	return id
}

func putEvent(t *testing.T, pool *pgxpool.Pool, job uuid.UUID, typ, payload string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := pool.QueryRow(context.Background(), `INSERT INTO events (job_id, type, payload, created_at)
VALUES ($1, $2, $3, clock_timestamp()) RETURNING id`, job, typ, payload).Scan(&id)
	if err != nil {
		t.Fatalf("insert event: %v", err)
	}
	return id
}

// Each invariant's check reports an anomaly planted in an otherwise clean
// history, and only the kinds that anomaly breaks; the clean history
// reports none.
func TestCheckFindsEachPlantedAnomaly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		plant func(t *testing.T, pool *pgxpool.Pool, h *history)
		want  []string
	}{
		{"clean", func(*testing.T, *pgxpool.Pool, *history) {}, nil},
		{"job still running", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			execSQL(t, pool, `UPDATE jobs SET status = 'running', finished_at = NULL WHERE id = $1`, h.job)
		}, []string{AnomalyNotTerminal, AnomalyInconsistentJob}},
		{"task not done in a done job", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			execSQL(t, pool, `UPDATE tasks SET status = 'stopped' WHERE id = $1`, h.task1)
		}, []string{AnomalyInconsistentJob}},
		{"step counted twice", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			execSQL(t, pool, `UPDATE jobs SET steps_done = 3 WHERE id = $1`, h.job)
			h.ev.delivered[putEvent(t, pool, h.job, message.EventStepDone, `{"execution_order": 1}`)] = 1
		}, []string{AnomalyAppliedTwice, AnomalyInconsistentJob}},
		{"job ended twice", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.delivered[putEvent(t, pool, h.job, message.EventJobDone, `{}`)] = 1
		}, []string{AnomalyAppliedTwice, AnomalyInconsistentJob}},
		{"claim without a message", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			execSQL(t, pool, `UPDATE tasks SET attempts = 2 WHERE id = $1`, h.task0)
		}, []string{AnomalyAttempts}},
		{"more attempts than allowed", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			for range 4 {
				putOutbox(t, pool, testTopo.Tasks, fmt.Sprintf(`{"task_id": %q}`, h.task0), true)
			}
			execSQL(t, pool, `UPDATE tasks SET attempts = 4 WHERE id = $1`, h.task0)
		}, []string{AnomalyAttempts}},
		{"done without a claim", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			execSQL(t, pool, `UPDATE tasks SET attempts = 0 WHERE id = $1`, h.task1)
		}, []string{AnomalyAttempts, AnomalyUnapplied}},
		{"one key, two jobs", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.keys["key-1"] = append(h.ev.keys["key-1"], uuid.New())
		}, []string{AnomalyIdempotency}},
		{"answered job not stored", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.keys["key-2"] = []uuid.UUID{uuid.New()}
		}, []string{AnomalyIdempotency}},
		{"outbox row left", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			putOutbox(t, pool, testTopo.Output, `{}`, false)
		}, []string{AnomalyUnpublished}},
		{"result never applied", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			execSQL(t, pool, `DELETE FROM inbox WHERE message_id = (SELECT min(message_id::text)::uuid FROM inbox)`)
		}, []string{AnomalyUnapplied}},
		{"task message for no task", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			putOutbox(t, pool, testTopo.Tasks, fmt.Sprintf(`{"task_id": %q}`, uuid.New()), true)
		}, []string{AnomalyUnapplied}},
		{"event not delivered", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			delete(h.ev.delivered, h.events[2])
		}, []string{AnomalyUndelivered}},
		{"bad signature", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.badSigned = 1
		}, []string{AnomalyBadSignature}},
		{"malformed message lost", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.probes = append(h.ev.probes, probe{ID: uuid.NewString(), Queue: testTopo.Results, Variant: "binary"})
		}, []string{AnomalyMalformedLost}},
		{"malformed message dead-lettered from another queue", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.dead[0].Queue = testTopo.Webhooks
		}, []string{AnomalyMalformedLost}},
		{"dead letter of the pipeline's own", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.dead = append(h.ev.dead, consumers.DeadLetter{MessageID: uuid.NewString(), Queue: testTopo.Results, Reason: "task is processing"})
		}, []string{AnomalyUnexpectedDead}},
		{"dead letter without a reason", func(t *testing.T, pool *pgxpool.Pool, h *history) {
			h.ev.dead[0].Reason = ""
		}, []string{AnomalyDeadLetterNoReason}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := testdb.New(t)
			h := plantHistory(t, pool)
			tc.plant(t, pool, &h)
			found, _, err := check(context.Background(), pool, testTopo, h.ev)
			if err != nil {
				t.Fatalf("check: %v", err)
			}
			kinds := map[string]bool{}
			for _, a := range found {
				kinds[a.Kind] = true
			}
			got := slices.Sorted(maps.Keys(kinds))
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("anomaly kinds = %v, want %v; found %v", got, want, found)
			}
		})
	}
}

// The clean history's figures are counted: two claimed task messages, two
// applied results, the probe found.
func TestCheckCounts(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	h := plantHistory(t, pool)
	execSQL(t, pool, `INSERT INTO jobs (id, status, steps_total, finished_at) VALUES ($1, 'stopped', 1, now())`, uuid.New())
	_, got, err := check(context.Background(), pool, testTopo, h.ev)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	if got.jobs != 2 || got.byStatus["done"] != 1 || got.byStatus["stopped"] != 1 || got.taskMessages != 2 ||
		got.taskClaimed != 2 || got.resultsInbox != 2 || got.probesMatched != 1 || got.events != 4 {
		t.Errorf("tally = %+v", got)
	}
}
