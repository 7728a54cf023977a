-- name: EventInsert :one
INSERT INTO events (job_id, type, payload) VALUES (@job_id, @type, @payload)
RETURNING *;
