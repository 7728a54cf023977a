-- name: InboxInsert :execrows
-- 1 when the message is new for this consumer, 0 when it was already applied.
INSERT INTO inbox (consumer, message_id)
VALUES (@consumer, @message_id)
ON CONFLICT DO NOTHING;
