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
