-- name: JobInsert :one
INSERT INTO jobs (input, steps_total, status) VALUES (@input, @steps_total, @status)
RETURNING *;

-- name: JobFind :one
SELECT * FROM jobs WHERE id = @id;

-- name: JobSave :exec
-- Writes back every column, as a model's save() does.
UPDATE jobs
SET status = @status, output = @output, error = @error, steps_done = @steps_done,
    updated_at = @updated_at, finished_at = @finished_at
WHERE id = @id;
