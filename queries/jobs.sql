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

-- name: JobStepDone :one
-- Counts a finished step in SQL, never from a value read earlier.
UPDATE jobs SET steps_done = steps_done + 1, updated_at = now()
WHERE id = @id AND status = 'running'
RETURNING *;

-- name: JobFinish :one
-- running -> done or failed, exactly once.
UPDATE jobs
SET status = @status, output = @output, error = sqlc.narg(error), updated_at = now(), finished_at = now()
WHERE id = @id AND status = 'running' AND @status::job_status IN ('done', 'failed')
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
