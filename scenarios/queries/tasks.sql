-- name: TaskInsert :one
INSERT INTO tasks (job_id, execution_order, handler, status)
VALUES (@job_id, @execution_order, @handler, @status)
RETURNING *;

-- name: TaskFind :one
SELECT * FROM tasks WHERE id = @id;

-- name: TaskFindNext :one
-- The step after the given one in the same job.
SELECT * FROM tasks
WHERE job_id = @job_id AND execution_order > @execution_order
ORDER BY execution_order
LIMIT 1;

-- name: TaskSave :exec
-- Writes back every column, as a model's save() does.
UPDATE tasks
SET status = @status, attempts = @attempts, result = @result, error = @error,
    queued_at = @queued_at, started_at = @started_at, finished_at = @finished_at
WHERE id = @id;
