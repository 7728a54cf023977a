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
