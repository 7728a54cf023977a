-- name: OutboxInsert :one
INSERT INTO outbox (exchange, routing_key, body, headers)
VALUES (@exchange, @routing_key, @body, @headers)
RETURNING *;

-- name: OutboxClaim :many
-- Claims a batch of unpublished messages; concurrent relays skip each
-- other's rows instead of waiting or publishing them twice.
SELECT * FROM outbox
WHERE published_at IS NULL
ORDER BY id
LIMIT @batch_size
FOR UPDATE SKIP LOCKED;

-- name: OutboxMarkPublished :execrows
UPDATE outbox SET published_at = now()
WHERE id = ANY(@ids::bigint[]) AND published_at IS NULL;

-- name: OutboxLag :one
-- Unpublished messages and the age of the oldest, for metrics.
SELECT count(*) AS pending,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
FROM outbox WHERE published_at IS NULL;
