-- name: OutboxInsert :one
INSERT INTO outbox (exchange, routing_key, body, headers)
VALUES (@exchange, @routing_key, @body, @headers)
RETURNING *;

-- name: OutboxClaim :many
-- Claims a batch of unpublished messages whose retry time has come;
-- concurrent relays skip each other's rows instead of waiting or publishing
-- them twice. statement_timestamp(), not the transaction's now(), so a row
-- committed after the claim's transaction began is not passed over.
SELECT * FROM outbox
WHERE published_at IS NULL AND available_at <= statement_timestamp()
ORDER BY id
LIMIT @batch_size
FOR UPDATE SKIP LOCKED;

-- name: OutboxMarkPublished :execrows
UPDATE outbox SET published_at = now()
WHERE id = ANY(@ids::bigint[]) AND published_at IS NULL;

-- name: OutboxDefer :execrows
-- Records a failed publish of a claimed message and schedules its next
-- attempt; matches only while the message is unpublished and still at the
-- attempt count the caller read, so a stale caller changes nothing.
UPDATE outbox
SET attempts = attempts + 1,
    last_error = @last_error::text,
    available_at = statement_timestamp() + make_interval(secs => @retry_in_seconds::float8)
WHERE id = @id AND attempts = @attempts AND published_at IS NULL;

-- name: OutboxLag :one
-- Unpublished messages and the age of the oldest, for metrics.
SELECT count(*) AS pending,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest_seconds
FROM outbox WHERE published_at IS NULL;

-- name: OutboxInsertBatch :exec
-- Stores several messages to one exchange in one statement; each becomes
-- publishable @delays_seconds after now (0 for at once).
INSERT INTO outbox (exchange, routing_key, body, available_at)
SELECT @exchange::text, unnest(@routing_keys::text[]), unnest(@bodies::bytea[]),
       statement_timestamp() + make_interval(secs => unnest(@delays_seconds::float8[]));

-- name: OutboxPrune :execrows
-- Deletes at most @batch_size messages published more than
-- @retention_seconds ago, oldest first. Unpublished rows are never pruned.
DELETE FROM outbox
WHERE id IN (
    SELECT old.id FROM outbox AS old
    WHERE old.published_at < statement_timestamp() - make_interval(secs => @retention_seconds::float8)
    ORDER BY old.published_at
    LIMIT @batch_size
);
