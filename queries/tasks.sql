-- name: TaskCreateBatch :many
-- Inserts a job's steps from parallel arrays, one per execution order.
INSERT INTO tasks (job_id, execution_order, handler, params)
SELECT @job_id, unnest(@execution_orders::integer[]), unnest(@handlers::text[]), unnest(@params::jsonb[])
RETURNING *;

-- name: TaskGet :one
SELECT * FROM tasks WHERE id = @id;

-- name: TaskListByJob :many
SELECT * FROM tasks WHERE job_id = @job_id ORDER BY execution_order;

-- name: TaskGetNext :one
-- The step after the given one in the same job, if any.
SELECT * FROM tasks
WHERE job_id = @job_id AND execution_order > @execution_order
ORDER BY execution_order
LIMIT 1;

-- name: TaskQueue :one
-- pending -> queued with the step's input; no row when it is not pending.
UPDATE tasks SET status = 'queued', input = @input, queued_at = now()
WHERE id = @id AND status = 'pending'
RETURNING *;

-- name: TaskStart :one
-- queued -> processing, counting the attempt; no row when the task is not
-- queued (already taken, finished or stopped) or its job is not running.
UPDATE tasks SET status = 'processing', attempts = attempts + 1, started_at = now()
WHERE tasks.id = @id AND tasks.status = 'queued'
  AND EXISTS (SELECT 1 FROM jobs WHERE jobs.id = tasks.job_id AND jobs.status = 'running')
RETURNING *;

-- name: TaskRequeue :one
-- processing -> queued after a handler error, while attempts remain.
UPDATE tasks SET status = 'queued', error = @error
WHERE id = @id AND status = 'processing' AND attempts < @max_attempts::integer
RETURNING *;

-- name: TaskFinish :one
-- processing -> done or failed, exactly once.
UPDATE tasks
SET status = @status, result = @result, error = sqlc.narg(error), finished_at = now()
WHERE id = @id AND status = 'processing' AND @status::task_status IN ('done', 'failed')
RETURNING *;

-- name: TaskStopByJob :many
-- Stops every step of a job that has not ended.
UPDATE tasks SET status = 'stopped', finished_at = now()
WHERE job_id = @job_id AND status IN ('pending', 'queued', 'processing')
RETURNING *;

-- name: TaskGetWithJobForUpdate :one
-- A finished task and its job for the result handler, in one round trip;
-- locks the job while the decision about it (next step, finish) is taken.
-- No row when the task does not exist or belongs to another job.
SELECT sqlc.embed(tasks), jobs.status AS job_status
FROM tasks JOIN jobs ON jobs.id = tasks.job_id
WHERE tasks.id = @task_id AND jobs.id = @job_id
FOR UPDATE OF jobs;

-- name: TaskQueueNext :one
-- pending -> queued for the step after the given one, with its input; no
-- row when there is no later step or it is not pending (TaskGetNext tells
-- which).
UPDATE tasks SET status = 'queued', input = @input, queued_at = now()
WHERE tasks.id = (
    SELECT next.id FROM tasks AS next
    WHERE next.job_id = @job_id AND next.execution_order > @execution_order
    ORDER BY next.execution_order
    LIMIT 1
  )
  AND tasks.status = 'pending'
RETURNING *;
