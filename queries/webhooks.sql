-- name: WebhookSubscribe :one
-- Subscribes a URL for a token, or updates the event types of the token's
-- existing subscription of it. No row when another token owns the URL.
INSERT INTO webhook_subscriptions (url, secret, event_types, token_id)
VALUES (@url, @secret, @event_types, sqlc.narg(token_id))
ON CONFLICT (url) DO UPDATE SET event_types = EXCLUDED.event_types
WHERE webhook_subscriptions.token_id IS NOT DISTINCT FROM EXCLUDED.token_id
RETURNING webhook_subscriptions.*, (xmax = 0)::boolean AS created;

-- name: WebhookListByToken :many
SELECT * FROM webhook_subscriptions WHERE token_id = @token_id ORDER BY created_at, id;

-- name: WebhookDelete :execrows
-- Deletes a token's subscription; 0 when the token owns none with this id.
DELETE FROM webhook_subscriptions WHERE id = @id AND token_id = @token_id;

-- name: WebhookRotateSecret :one
-- Replaces a token's subscription's secret; the old one keeps signing
-- beside it for @overlap_seconds. No row when the token owns none.
UPDATE webhook_subscriptions
SET previous_secret = secret, secret = @secret,
    previous_until = statement_timestamp() + make_interval(secs => @overlap_seconds::float8)
WHERE id = @id AND token_id = @token_id
RETURNING *;

-- name: WebhookSubscriptionsForEvent :many
SELECT * FROM webhook_subscriptions
WHERE cardinality(event_types) = 0 OR @event_type::text = ANY(event_types)
ORDER BY created_at;

-- name: WebhookDeliveryRecord :one
-- Logs one attempt, numbered after the attempts already committed. Two
-- concurrent calls for one pair may pick the same number: the unique key
-- rejects the second (23505), so one attempt is logged per number.
INSERT INTO webhook_deliveries (subscription_id, event_id, attempt, status_code, error, succeeded)
SELECT @subscription_id, @event_id, coalesce(max(attempt), 0) + 1, sqlc.narg(status_code), sqlc.narg(error), @succeeded
FROM webhook_deliveries
WHERE subscription_id = @subscription_id AND event_id = @event_id
RETURNING *;

-- name: WebhookDelivered :one
-- Whether the event already reached the subscriber.
SELECT EXISTS (
    SELECT 1 FROM webhook_deliveries
    WHERE subscription_id = @subscription_id AND event_id = @event_id AND succeeded
) AS delivered;

-- name: WebhookDeliveriesByEvent :many
SELECT * FROM webhook_deliveries WHERE event_id = @event_id ORDER BY subscription_id, attempt;
