-- name: JobCreate :one
-- Creates a job, or returns the job already created with the same
-- idempotency key; created tells which. DO UPDATE (a no-op write) rather than
-- DO NOTHING so that the existing row is returned and locked in one statement.
INSERT INTO jobs (idempotency_key, input, steps_total)
VALUES (sqlc.narg(idempotency_key), @input, @steps_total)
ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
RETURNING jobs.*, (xmax = 0)::boolean AS created;

-- name: JobGet :one
SELECT * FROM jobs WHERE id = @id;

-- name: JobGetForUpdate :one
-- Locks the job while a decision about it (next step, finish) is taken.
SELECT * FROM jobs WHERE id = @id FOR UPDATE;

-- name: JobStart :one
-- pending -> running; returns no row when the job is not pending.
UPDATE jobs SET status = 'running', updated_at = now()
WHERE id = @id AND status = 'pending'
RETURNING *;

-- name: JobStop :one
-- pending or running -> stopped; returns no row when the job already ended.
UPDATE jobs SET status = 'stopped', updated_at = now(), finished_at = now()
WHERE id = @id AND status IN ('pending', 'running')
RETURNING *;

-- name: JobCountByStatus :many
SELECT status, count(*) AS jobs FROM jobs GROUP BY status ORDER BY status;

-- name: JobCountByStatusAmong :many
-- The status counts of a given set of jobs, for waiting on a batch.
SELECT status, count(*) AS jobs FROM jobs WHERE id = ANY(@ids::uuid[]) GROUP BY status ORDER BY status;

-- name: JobStepDoneBatch :execrows
-- Counts finished steps in SQL for several running jobs at once: @counts
-- steps for the job at the same index of @ids.
UPDATE jobs SET steps_done = jobs.steps_done + r.n, updated_at = now()
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@counts::integer[]) AS n) AS r
WHERE jobs.id = r.id AND jobs.status = 'running';

-- name: JobFinishBatch :many
-- running -> done or failed for several jobs, exactly once each, with the
-- output and error at the same index (an empty error is none).
UPDATE jobs
SET status = r.status::job_status, output = r.output, error = nullif(r.error, ''),
    updated_at = now(), finished_at = clock_timestamp()
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@statuses::text[]) AS status,
             unnest(@outputs::jsonb[]) AS output, unnest(@errors::text[]) AS error) AS r
WHERE jobs.id = r.id AND jobs.status = 'running' AND r.status IN ('done', 'failed')
RETURNING jobs.id;

-- name: JobSubmit :one
-- Submits a job in one statement: the job, running, with its steps (the
-- first queued with the job's input), its outbox messages (the first task's
-- and the job.created announcement) and its job.created event. With an
-- idempotency key already used, nothing is written and the existing job is
-- returned with created false. The caller generates the ids, so the
-- messages can name them.
WITH job AS (
    INSERT INTO jobs (id, idempotency_key, input, steps_total, status)
    VALUES (@id, sqlc.narg(idempotency_key), @input, @steps_total, 'running')
    ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
    RETURNING jobs.*, (xmax = 0)::boolean AS created
), steps AS (
    INSERT INTO tasks (id, job_id, execution_order, handler, params, timeout_ms, status, input, queued_at)
    SELECT s.id, job.id, s.n - 1, s.handler, s.params, nullif(s.timeout_ms, 0),
           CASE WHEN s.n = 1 THEN 'queued' ELSE 'pending' END::task_status,
           CASE WHEN s.n = 1 THEN @input::jsonb END,
           CASE WHEN s.n = 1 THEN clock_timestamp() END
    FROM job, (SELECT unnest(@task_ids::uuid[]) AS id, unnest(@handlers::text[]) AS handler,
                      unnest(@params::jsonb[]) AS params, unnest(@timeouts_ms::integer[]) AS timeout_ms,
                      generate_subscripts(@task_ids::uuid[], 1) AS n) AS s
    WHERE job.created
), messages AS (
    INSERT INTO outbox (exchange, routing_key, body)
    SELECT m.exchange, m.routing_key, m.body
    FROM job, (SELECT unnest(@exchanges::text[]) AS exchange, unnest(@routing_keys::text[]) AS routing_key,
                      unnest(@bodies::bytea[]) AS body, generate_subscripts(@exchanges::text[], 1) AS n) AS m
    WHERE job.created
    ORDER BY m.n
), event AS (
    INSERT INTO events (id, job_id, type, payload)
    SELECT @event_id, job.id, @event_type, @event_payload FROM job WHERE job.created
)
SELECT * FROM job;
