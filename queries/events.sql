-- name: EventRecord :one
-- Stores a job event and its announcement in the outbox in one statement,
-- so subscribers never hear of an event that is not committed (S2).
WITH announcement AS (
    INSERT INTO outbox (exchange, routing_key, body)
    VALUES (@exchange, @type, @body)
)
INSERT INTO events (id, job_id, type, payload)
VALUES (@id, @job_id, @type, @payload)
RETURNING *;

-- name: EventGet :one
SELECT * FROM events WHERE id = @id;

-- name: EventListByJob :many
SELECT * FROM events WHERE job_id = @job_id ORDER BY created_at, id;

-- name: EventRecordBatch :exec
-- Stores several job events and their announcements in one statement (S2,
-- as EventRecord). Events keep the order of the arrays: each row's
-- created_at is the wall clock at its insert.
WITH e AS (
    SELECT unnest(@ids::uuid[]) AS id, unnest(@job_ids::uuid[]) AS job_id, unnest(@types::text[]) AS type,
           unnest(@payloads::jsonb[]) AS payload, unnest(@bodies::bytea[]) AS body,
           generate_subscripts(@ids::uuid[], 1) AS n
), announcement AS (
    INSERT INTO outbox (exchange, routing_key, body)
    SELECT @exchange::text, e.type, e.body FROM e ORDER BY e.n
)
INSERT INTO events (id, job_id, type, payload)
SELECT e.id, e.job_id, e.type, e.payload FROM e ORDER BY e.n;

-- name: EventReannounceUndelivered :many
-- Events announced between @horizon_seconds and @stale_seconds ago that a
-- subscription which existed at the time has no delivery row of: their
-- announcement was lost. Renews announced_at and returns them, at most
-- @batch_size; concurrent sweepers skip each other's rows. An event with
-- a delivery row for the subscription (pending, delivered or failed) is
-- the deliverer's, not lost.
UPDATE events SET announced_at = clock_timestamp()
WHERE events.id IN (
    SELECT e.id FROM events AS e
    WHERE e.announced_at BETWEEN clock_timestamp() - make_interval(secs => @horizon_seconds::float8)
                             AND clock_timestamp() - make_interval(secs => @stale_seconds::float8)
      AND EXISTS (
          SELECT 1 FROM webhook_subscriptions AS s
          WHERE (cardinality(s.event_types) = 0 OR e.type = ANY(s.event_types))
            AND s.created_at <= e.created_at
            AND NOT EXISTS (
                SELECT 1 FROM webhook_queue AS q
                WHERE q.subscription_id = s.id AND q.event_id = e.id
            )
      )
    ORDER BY e.announced_at
    LIMIT @batch_size
    FOR UPDATE OF e SKIP LOCKED
  )
RETURNING events.id, events.job_id, events.type;

-- name: EventPruneFinished :execrows
-- Deletes at most @batch_size events (and, by cascade, their webhook
-- deliveries and attempt log) of jobs that finished more than
-- @retention_seconds ago, except events a delivery of is still pending:
-- those wait until it is delivered or failed.
DELETE FROM events
WHERE id IN (
    SELECT e.id FROM events AS e JOIN jobs ON jobs.id = e.job_id
    WHERE jobs.finished_at < statement_timestamp() - make_interval(secs => @retention_seconds::float8)
      AND NOT EXISTS (SELECT 1 FROM webhook_queue AS q WHERE q.event_id = e.id AND q.state = 'pending')
    LIMIT @batch_size
);
