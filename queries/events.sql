-- name: EventInsert :one
INSERT INTO events (job_id, type, payload)
VALUES (@job_id, @type, @payload)
RETURNING *;

-- name: EventGet :one
SELECT * FROM events WHERE id = @id;

-- name: EventListByJob :many
SELECT * FROM events WHERE job_id = @job_id ORDER BY created_at, id;
