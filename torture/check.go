package torture

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

// Anomaly kinds: each is one invariant of the pipeline broken.
const (
	AnomalyNotTerminal        = "job_not_terminal"
	AnomalyInconsistentJob    = "job_inconsistent"
	AnomalyAppliedTwice       = "step_applied_twice"
	AnomalyAttempts           = "attempts_inconsistent"
	AnomalyIdempotency        = "idempotency_key"
	AnomalyUnpublished        = "outbox_unpublished"
	AnomalyUnapplied          = "message_unapplied"
	AnomalyUndelivered        = "webhook_undelivered"
	AnomalyBadSignature       = "webhook_bad_signature"
	AnomalyMalformedLost      = "malformed_not_dead_lettered"
	AnomalyUnexpectedDead     = "dead_letter_unexpected"
	AnomalyDeadLetterNoReason = "dead_letter_without_reason"
)

// Anomaly is one broken invariant, with what shows it.
type Anomaly struct {
	Kind   string
	Detail string
}

// evidence is what the run saw from outside the database: the API's
// answers, the healthy receiver's deliveries, the malformed messages it
// sent and what the dead-letter queue held at the end.
type evidence struct {
	// keys are the job ids the API answered for each Idempotency-Key.
	keys map[string][]uuid.UUID
	// delivered counts the verified deliveries of each event to the
	// healthy receiver; badSigned those that failed verification.
	delivered map[uuid.UUID]int
	badSigned int
	probes    []probe
	dead      []consumers.DeadLetter
	// maxAttempts is the executor's --max-attempts.
	maxAttempts int
}

// tally is what the checks counted on the way, for the report.
type tally struct {
	jobs          int
	byStatus      map[string]int
	events        int
	taskMessages  int // published task messages
	taskClaimed   int // ... whose task was claimed at least once
	taskDropped   int // ... whose task ended without a claim (stopped)
	resultsInbox  int // published result messages applied (in the inbox)
	resultsDead   int // ... dead-lettered with a reason
	deadProbes    int // dead letters of malformed messages
	probesMatched int // malformed messages found in the dead-letter queue
}

// check verifies every invariant over the whole history of the scratch
// database, reading the tables directly with its own SQL: it is the
// oracle, so it shares no query with the code it checks (only the
// per-job consistency rules of jobs.Report, which the API reports too).
func check(ctx context.Context, pool *pgxpool.Pool, topo message.Topology, ev evidence) ([]Anomaly, tally, error) {
	c := &checker{pool: pool, topo: topo, ev: ev, t: tally{byStatus: map[string]int{}}}
	for _, step := range []func(context.Context) error{
		c.jobs, c.appliedOnce, c.attempts, c.idempotency, c.outbox, c.messages, c.webhooks, c.deadLetters,
	} {
		if err := step(ctx); err != nil {
			return nil, c.t, err
		}
	}
	return c.found, c.t, nil
}

type checker struct {
	pool  *pgxpool.Pool
	topo  message.Topology
	ev    evidence
	t     tally
	found []Anomaly
}

func (c *checker) add(kind, format string, args ...any) {
	c.found = append(c.found, Anomaly{Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// rows runs query and calls scan for each row.
func (c *checker) rows(ctx context.Context, query string, scan func(scan func(...any) error) error, args ...any) error {
	rows, err := c.pool.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows.Scan); err != nil {
			return fmt.Errorf("check: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return nil
}

// jobs: every job terminal, and consistent with its tasks and events.
func (c *checker) jobs(ctx context.Context) error {
	var ids []uuid.UUID
	err := c.rows(ctx, `SELECT id, status::text FROM jobs ORDER BY created_at`, func(scan func(...any) error) error {
		var id uuid.UUID
		var status string
		if err := scan(&id, &status); err != nil {
			return err
		}
		ids = append(ids, id)
		c.t.byStatus[status]++
		return nil
	})
	if err != nil {
		return err
	}
	c.t.jobs = len(ids)
	for _, id := range ids {
		report, err := jobs.Status(ctx, c.pool, id)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		c.t.events += len(report.Events)
		if !report.Job.Terminal() {
			c.add(AnomalyNotTerminal, "job %s is %s (%d of %d steps done)", id, report.Job.Status, report.Job.StepsDone, report.Job.StepsTotal)
		}
		for _, p := range report.Inconsistencies() {
			if report.Job.Terminal() || p != fmt.Sprintf("job is %s, not final", report.Job.Status) {
				c.add(AnomalyInconsistentJob, "job %s: %s", id, p)
			}
		}
	}
	return nil
}

// appliedOnce: no step counted twice, no job ended twice.
func (c *checker) appliedOnce(ctx context.Context) error {
	return c.rows(ctx, `
SELECT job_id, what, n FROM (
    SELECT job_id, 'step ' || (payload->>'execution_order') || ' counted' AS what, count(*) AS n
    FROM events WHERE type = 'job.step_done' GROUP BY job_id, payload->>'execution_order'
    UNION ALL
    SELECT job_id, 'ended', count(*) FROM events
    WHERE type IN ('job.done', 'job.failed', 'job.stopped') GROUP BY job_id
) e WHERE n > 1
UNION ALL
SELECT id, 'steps_done ' || steps_done || ' of ' || steps_total, 2 FROM jobs WHERE steps_done > steps_total
ORDER BY 1, 2`, func(scan func(...any) error) error {
		var job uuid.UUID
		var what string
		var n int
		if err := scan(&job, &what, &n); err != nil {
			return err
		}
		c.add(AnomalyAppliedTwice, "job %s: %s %d times", job, what, n)
		return nil
	})
}

// attempts: a task ran at most maxAttempts times, ended tasks that ran
// were claimed, and every claim had a task message of its own (each return
// to queued writes one).
func (c *checker) attempts(ctx context.Context) error {
	return c.rows(ctx, `
WITH msgs AS (
    SELECT (convert_from(body, 'UTF8')::jsonb->>'task_id')::uuid AS task_id, count(*) AS n
    FROM outbox WHERE routing_key = $1 GROUP BY 1
)
SELECT t.id, t.job_id, t.status::text, t.attempts, coalesce(m.n, 0)
FROM tasks t LEFT JOIN msgs m ON m.task_id = t.id
WHERE t.attempts > $2
   OR t.attempts > coalesce(m.n, 0)
   OR (t.status IN ('done', 'failed') AND t.attempts = 0)
   OR (t.status = 'processing' AND t.attempts = 0)
ORDER BY t.job_id, t.execution_order`, func(scan func(...any) error) error {
		var task, job uuid.UUID
		var status string
		var attempts, msgs int
		if err := scan(&task, &job, &status, &attempts, &msgs); err != nil {
			return err
		}
		c.add(AnomalyAttempts, "task %s of job %s is %s after %d attempts with %d task messages (at most %d attempts)",
			task, job, status, attempts, msgs, c.ev.maxAttempts)
		return nil
	}, c.topo.Tasks, c.ev.maxAttempts)
}

// idempotency: each key the API answered got one job, and it exists.
func (c *checker) idempotency(ctx context.Context) error {
	keys := make([]string, 0, len(c.ev.keys))
	for k := range c.ev.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	stored := map[string][]uuid.UUID{}
	err := c.rows(ctx, `SELECT idempotency_key, id FROM jobs WHERE idempotency_key = ANY($1)`, func(scan func(...any) error) error {
		var key string
		var id uuid.UUID
		if err := scan(&key, &id); err != nil {
			return err
		}
		stored[key] = append(stored[key], id)
		return nil
	}, keys)
	if err != nil {
		return err
	}
	for _, k := range keys {
		answered := slices.Compact(slices.SortedFunc(slices.Values(c.ev.keys[k]), func(a, b uuid.UUID) int {
			return slices.Compare(a[:], b[:])
		}))
		switch {
		case len(answered) > 1:
			c.add(AnomalyIdempotency, "key %s answered with %d jobs: %v", k, len(answered), answered)
		case len(stored[k]) != 1 || stored[k][0] != answered[0]:
			c.add(AnomalyIdempotency, "key %s answered job %s, stored %v", k, answered[0], stored[k])
		}
	}
	return nil
}

// outbox: every message left.
func (c *checker) outbox(ctx context.Context) error {
	return c.rows(ctx, `SELECT routing_key, count(*) FROM outbox WHERE published_at IS NULL GROUP BY 1 ORDER BY 1`,
		func(scan func(...any) error) error {
			var key string
			var n int
			if err := scan(&key, &n); err != nil {
				return err
			}
			c.add(AnomalyUnpublished, "%d %s messages never published", n, key)
			return nil
		})
}

// messages: every published task message was claimed or dropped because
// its task had ended (a stopped job); every published result message was
// applied (its id in the results inbox) or dead-lettered with a reason.
func (c *checker) messages(ctx context.Context) error {
	err := c.rows(ctx, `
SELECT o.message_id, (convert_from(o.body, 'UTF8')::jsonb->>'task_id')::uuid, t.status::text, coalesce(t.attempts, 0)
FROM outbox o LEFT JOIN tasks t ON t.id = (convert_from(o.body, 'UTF8')::jsonb->>'task_id')::uuid
WHERE o.routing_key = $1 AND o.published_at IS NOT NULL`, func(scan func(...any) error) error {
		var msg, task uuid.UUID
		var status *string
		var attempts int
		if err := scan(&msg, &task, &status, &attempts); err != nil {
			return err
		}
		c.t.taskMessages++
		switch {
		case status == nil:
			c.add(AnomalyUnapplied, "task message %s names task %s, which does not exist", msg, task)
		case attempts > 0:
			c.t.taskClaimed++
		case *status == "stopped":
			c.t.taskDropped++ // dropped: its job was stopped before the claim
		default:
			c.add(AnomalyUnapplied, "task message %s for task %s never claimed; the task is %s", msg, task, *status)
		}
		return nil
	}, c.topo.Tasks)
	if err != nil {
		return err
	}
	deadReason := map[string]string{}
	for _, d := range c.ev.dead {
		if d.Queue == c.topo.Results && d.Reason != "" {
			deadReason[d.MessageID] = d.Reason
		}
	}
	return c.rows(ctx, `
SELECT o.message_id, i.message_id IS NOT NULL
FROM outbox o LEFT JOIN inbox i ON i.consumer = 'results' AND i.message_id = o.message_id
WHERE o.routing_key = $1 AND o.published_at IS NOT NULL`, func(scan func(...any) error) error {
		var msg uuid.UUID
		var applied bool
		if err := scan(&msg, &applied); err != nil {
			return err
		}
		_, dead := deadReason[msg.String()]
		switch {
		case dead:
			c.t.resultsDead++
		case applied:
			c.t.resultsInbox++
		default:
			c.add(AnomalyUnapplied, "result message %s neither applied nor dead-lettered", msg)
		}
		return nil
	}, c.topo.Results)
}

// webhooks: the healthy receiver got every event, and only correctly
// signed deliveries.
func (c *checker) webhooks(ctx context.Context) error {
	if c.ev.badSigned > 0 {
		c.add(AnomalyBadSignature, "%d deliveries to the healthy receiver failed verification", c.ev.badSigned)
	}
	return c.rows(ctx, `SELECT id, job_id, type FROM events ORDER BY created_at`, func(scan func(...any) error) error {
		var id, job uuid.UUID
		var typ string
		if err := scan(&id, &job, &typ); err != nil {
			return err
		}
		if c.ev.delivered[id] == 0 {
			c.add(AnomalyUndelivered, "event %s (%s of job %s) never reached the healthy receiver", id, typ, job)
		}
		return nil
	})
}

// deadLetters: every malformed message sent is in the dead-letter queue,
// from the queue it was sent to, with a reason, and nothing else is there.
// (A probe may be there twice: a consumer that dies between the
// dead-letter publish and its ack dead-letters it again.)
func (c *checker) deadLetters(context.Context) error {
	byProbe := map[string][]consumers.DeadLetter{}
	for _, d := range c.ev.dead {
		if d.Reason == "" {
			c.add(AnomalyDeadLetterNoReason, "dead letter %q from %s has no reason", d.MessageID, d.Queue)
		}
		if id, ok := d.Headers[ProbeHeader].(string); ok {
			byProbe[id] = append(byProbe[id], d)
			c.t.deadProbes++
			continue
		}
		c.add(AnomalyUnexpectedDead, "dead letter %q from %s: %s", d.MessageID, d.Queue, d.Reason)
	}
	for _, p := range c.ev.probes {
		letters := byProbe[p.ID]
		if !slices.ContainsFunc(letters, func(d consumers.DeadLetter) bool { return d.Queue == p.Queue }) {
			c.add(AnomalyMalformedLost, "malformed message %s (%s onto %s) is not in the dead-letter queue", p.ID, p.Variant, p.Queue)
			continue
		}
		c.t.probesMatched++
	}
	return nil
}

// collectIDs reads a one-column result of uuids.
func collectIDs(rows pgx.Rows) ([]uuid.UUID, error) {
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}
