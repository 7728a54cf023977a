-- name: WebhookSubscribe :one
-- Subscribes a URL, or updates the event types of an existing subscription.
INSERT INTO webhook_subscriptions (url, secret, event_types)
VALUES (@url, @secret, @event_types)
ON CONFLICT (url) DO UPDATE SET event_types = EXCLUDED.event_types
RETURNING webhook_subscriptions.*, (xmax = 0)::boolean AS created;

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
