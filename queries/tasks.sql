-- name: TaskCreateBatch :many
-- Inserts a job's steps from parallel arrays, one per execution order; a
-- timeout of 0 means the executor's default.
INSERT INTO tasks (job_id, execution_order, handler, params, timeout_ms)
SELECT @job_id, unnest(@execution_orders::integer[]), unnest(@handlers::text[]), unnest(@params::jsonb[]),
       nullif(unnest(@timeouts_ms::integer[]), 0)
RETURNING *;

-- name: TaskGet :one
SELECT * FROM tasks WHERE id = @id;

-- name: TaskListByJob :many
SELECT * FROM tasks WHERE job_id = @job_id ORDER BY execution_order;

-- name: TaskQueue :one
-- pending -> queued with the step's input; no row when it is not pending.
UPDATE tasks SET status = 'queued', input = @input, queued_at = now()
WHERE id = @id AND status = 'pending'
RETURNING *;

-- name: TaskClaimBatch :many
-- queued -> processing for each task of @ids that is queued and whose job is
-- running: counts the attempt and leases the task for @lease_seconds (its
-- worker renews the lease while the handler runs, see TaskWatch). Tasks
-- that cannot be claimed (already taken, ended, stopped, unknown) are left
-- out. The wall clock, not the transaction's start, stamps the attempt.
UPDATE tasks
SET status = 'processing', attempts = attempts + 1, error = NULL,
    started_at = clock_timestamp(), finished_at = NULL,
    lease_until = clock_timestamp() + make_interval(secs => @lease_seconds::float8)
FROM jobs
WHERE tasks.id = ANY(@ids::uuid[]) AND tasks.status = 'queued'
  AND jobs.id = tasks.job_id AND jobs.status = 'running'
RETURNING tasks.*;

-- name: TaskIDsAmong :many
-- Which of @ids name existing tasks.
SELECT id FROM tasks WHERE id = ANY(@ids::uuid[]);

-- name: TaskRecordBatch :many
-- Ends attempts: each task of @ids still processing at the attempt given in
-- @attempts moves to the status in @statuses (done or failed, or queued for
-- another attempt) with its result and error (an empty error is none).
-- A task whose lease was rescued, or that was stopped, has moved on and is
-- left out: a worker that lost its task cannot complete it.
UPDATE tasks
SET status = r.status::task_status,
    result = r.result,
    error = nullif(r.error, ''),
    lease_until = NULL,
    queued_at = CASE WHEN r.status = 'queued' THEN clock_timestamp() ELSE tasks.queued_at END,
    finished_at = CASE WHEN r.status IN ('done', 'failed') THEN clock_timestamp() END
FROM (SELECT unnest(@ids::uuid[]) AS id, unnest(@attempts::integer[]) AS attempt,
             unnest(@statuses::text[]) AS status, unnest(@results::jsonb[]) AS result,
             unnest(@errors::text[]) AS error) AS r
WHERE tasks.id = r.id AND tasks.status = 'processing' AND tasks.attempts = r.attempt
  AND r.status IN ('done', 'failed', 'queued')
RETURNING tasks.*;

-- name: TaskRescueExpired :many
-- Tasks whose lease ran out (their worker crashed, hung or lost the
-- database): back to queued while attempts remain, else failed. At most
-- @batch_size; concurrent sweepers skip each other's rows.
UPDATE tasks
SET status = CASE WHEN tasks.attempts < @max_attempts::integer THEN 'queued' ELSE 'failed' END::task_status,
    error = 'lease expired during attempt ' || tasks.attempts,
    lease_until = NULL,
    queued_at = CASE WHEN tasks.attempts < @max_attempts::integer THEN clock_timestamp() ELSE tasks.queued_at END,
    finished_at = CASE WHEN tasks.attempts < @max_attempts::integer THEN NULL ELSE clock_timestamp() END
WHERE tasks.id IN (
    SELECT expired.id FROM tasks AS expired
    WHERE expired.status = 'processing' AND expired.lease_until < statement_timestamp()
    ORDER BY expired.lease_until
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
  )
RETURNING tasks.*;

-- name: TaskTouchStale :many
-- Queued tasks of running jobs that have waited longer than @stale_seconds,
-- their queued_at renewed so each is re-sent once per period: their message
-- may have been lost (a broker that dropped it, an operator who purged a
-- queue). A duplicate message is harmless: only one claim succeeds.
UPDATE tasks SET queued_at = clock_timestamp()
WHERE tasks.id IN (
    SELECT stale.id FROM tasks AS stale JOIN jobs ON jobs.id = stale.job_id
    WHERE stale.status = 'queued' AND jobs.status = 'running'
      AND stale.queued_at < statement_timestamp() - make_interval(secs => @stale_seconds::float8)
    ORDER BY stale.queued_at
    LIMIT @batch_size
    FOR UPDATE OF stale SKIP LOCKED
  )
RETURNING tasks.id, tasks.job_id;

-- name: TaskWatch :many
-- A worker's check of its running attempts, given as (task, attempt) pairs:
-- returns the tasks still processing at that attempt (a handler whose task
-- is missing was stopped or rescued, and is cancelled) and renews the lease
-- of those within @renew_seconds of expiring to @lease_seconds from now,
-- but never past the step's timeout (or @default_timeout_ms) plus
-- @lease_seconds: a handler hung past its timeout loses its task.
WITH mine AS (
    SELECT tasks.id FROM tasks
    JOIN (SELECT unnest(@ids::uuid[]) AS id, unnest(@attempts::integer[]) AS attempt) AS r ON tasks.id = r.id
    WHERE tasks.status = 'processing' AND tasks.attempts = r.attempt
), renewed AS (
    UPDATE tasks
    SET lease_until = least(
        clock_timestamp() + make_interval(secs => @lease_seconds::float8),
        tasks.started_at + make_interval(secs =>
            coalesce(tasks.timeout_ms, @default_timeout_ms::integer) / 1000.0 + @lease_seconds::float8))
    FROM mine
    WHERE tasks.id = mine.id
      AND tasks.lease_until < clock_timestamp() + make_interval(secs => @renew_seconds::float8)
)
SELECT mine.id FROM mine;

-- name: ResultBatchLoad :many
-- The finished tasks a batch of results names, each with its job's state
-- and the status of the step after it ('' for the last step: a step whose
-- next one is no longer pending was applied before); locks the jobs, in id
-- order so concurrent batches never deadlock, while the decisions about
-- them (next step, finish) are taken. A (task, job) pair that does not
-- match a task of that job is left out.
SELECT sqlc.embed(tasks), jobs.status AS job_status, jobs.steps_done AS job_steps_done,
       coalesce((
           SELECT later.status::text FROM tasks AS later
           WHERE later.job_id = tasks.job_id AND later.execution_order > tasks.execution_order
           ORDER BY later.execution_order
           LIMIT 1
       ), '')::text AS next_status
FROM tasks
JOIN (SELECT unnest(@task_ids::uuid[]) AS task_id, unnest(@job_ids::uuid[]) AS job_id) AS r
  ON tasks.id = r.task_id AND tasks.job_id = r.job_id
JOIN jobs ON jobs.id = tasks.job_id
ORDER BY jobs.id, tasks.execution_order
FOR UPDATE OF jobs;

-- name: TaskQueueNextBatch :many
-- TaskQueueNext for several jobs at once: pending -> queued for the step
-- after @after_orders in the job at the same index of @job_ids, with the
-- input at that index. Steps that are not pending are left out.
UPDATE tasks SET status = 'queued', input = r.input, queued_at = clock_timestamp()
FROM (SELECT unnest(@job_ids::uuid[]) AS job_id, unnest(@after_orders::integer[]) AS after_order,
             unnest(@inputs::jsonb[]) AS input) AS r
WHERE tasks.id = (
    SELECT next.id FROM tasks AS next
    WHERE next.job_id = r.job_id AND next.execution_order > r.after_order
    ORDER BY next.execution_order
    LIMIT 1
  )
  AND tasks.status = 'pending'
RETURNING tasks.id, tasks.job_id;

-- name: TaskStopByJobs :many
-- Stops every step of the given jobs that has not ended.
UPDATE tasks SET status = 'stopped', finished_at = clock_timestamp()
WHERE job_id = ANY(@job_ids::uuid[]) AND status IN ('pending', 'queued', 'processing')
RETURNING *;
