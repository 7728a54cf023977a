-- name: InboxInsert :execrows
-- 1 when the message is new for this consumer, 0 when it was already applied.
INSERT INTO inbox (consumer, message_id)
VALUES (@consumer, @message_id)
ON CONFLICT DO NOTHING;

-- name: InboxInsertBatch :many
-- The ids of @message_ids new for this consumer, now recorded; ids already
-- applied are left out, and an id given twice is recorded once. Rows are
-- inserted in the array's order, so callers that sort the ids take the
-- inbox's locks in one order.
INSERT INTO inbox (consumer, message_id)
SELECT @consumer::text, m.id
FROM unnest(@message_ids::uuid[]) WITH ORDINALITY AS m(id, n)
ORDER BY m.n
ON CONFLICT DO NOTHING
RETURNING message_id;

-- name: InboxPrune :execrows
-- Deletes at most @batch_size inbox rows older than @retention_seconds,
-- oldest first: past that window a redelivery is applied again, which the
-- compare-and-set transitions make harmless.
DELETE FROM inbox
WHERE (consumer, message_id) IN (
    SELECT old.consumer, old.message_id FROM inbox AS old
    WHERE old.processed_at < statement_timestamp() - make_interval(secs => @retention_seconds::float8)
    ORDER BY old.processed_at
    LIMIT @batch_size
);
