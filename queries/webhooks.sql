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

-- name: WebhookEnqueue :many
-- Records one pending delivery per announced event and subscription whose
-- event types match it, in one short statement; a pair already recorded
-- stays as it is, so an announcement delivered twice changes nothing.
-- Pairs are inserted in one order, so concurrent calls never deadlock.
-- Each delivery expires @expire_seconds from now. Returns the announced
-- events that exist, with how many deliveries each got now (an
-- announcement of an event that does not exist is dead-lettered).
WITH found AS (
    SELECT id, type FROM events WHERE id = ANY(@event_ids::uuid[])
), enqueued AS (
    INSERT INTO webhook_queue (subscription_id, event_id, expires_at)
    SELECT s.id, found.id, statement_timestamp() + make_interval(secs => @expire_seconds::float8)
    FROM found JOIN webhook_subscriptions AS s
      ON cardinality(s.event_types) = 0 OR found.type = ANY(s.event_types)
    ORDER BY s.id, found.id
    ON CONFLICT (subscription_id, event_id) DO NOTHING
    RETURNING event_id
)
SELECT found.id, (SELECT count(*) FROM enqueued WHERE enqueued.event_id = found.id)::int AS enqueued
FROM found;

-- name: WebhookClaimSubscriptions :many
-- The first statement of a claim (WebhookClaim is the second, in the same
-- transaction): locks the subscriptions that have due deliveries and whose
-- breaker is not open, skipping those a concurrent claim or outcome holds.
-- WebhookClaim then counts their deliveries in flight with a snapshot
-- taken after these locks, so two claims never both hand out one
-- subscription's last free slot; a single statement would count with a
-- snapshot older than its lock.
SELECT s.id FROM webhook_subscriptions AS s
WHERE (s.open_until IS NULL OR s.open_until <= statement_timestamp())
  AND EXISTS (
      SELECT 1 FROM webhook_queue AS q
      WHERE q.subscription_id = s.id AND q.state = 'pending' AND q.next_attempt_at <= statement_timestamp()
  )
ORDER BY s.id
FOR UPDATE OF s SKIP LOCKED;

-- name: WebhookClaim :many
-- Claims at most @batch_size due deliveries of the subscriptions locked by
-- WebhookClaimSubscriptions, oldest due first, leaving each subscription at
-- most @max_in_flight leased (one while its breaker is half-open: it has
-- @breaker_failures consecutive failures and its open_until passed). Each
-- claimed row's attempt is raised and it is leased for @lease_seconds.
-- Returns what a sender needs: the subscription's URL and secrets, and the
-- event.
WITH slots AS (
    SELECT s.id,
           CASE WHEN s.consecutive_failures >= @breaker_failures::int THEN 1 ELSE @max_in_flight::int END
           - (SELECT count(*) FROM webhook_queue AS f
              WHERE f.subscription_id = s.id AND f.state = 'pending'
                AND f.leased_until > statement_timestamp())::int AS free
    FROM webhook_subscriptions AS s
    WHERE s.id = ANY(@subscription_ids::uuid[])
), picked AS (
    SELECT due.id FROM slots CROSS JOIN LATERAL (
        SELECT q.id FROM webhook_queue AS q
        WHERE q.subscription_id = slots.id AND q.state = 'pending' AND q.next_attempt_at <= statement_timestamp()
        ORDER BY q.next_attempt_at, q.id
        LIMIT greatest(slots.free, 0)
        FOR UPDATE SKIP LOCKED
    ) AS due
    LIMIT @batch_size
)
UPDATE webhook_queue AS q
SET attempt = q.attempt + 1,
    leased_until = statement_timestamp() + make_interval(secs => @lease_seconds::float8),
    next_attempt_at = statement_timestamp() + make_interval(secs => @lease_seconds::float8),
    updated_at = statement_timestamp()
FROM picked, webhook_subscriptions AS s, events AS e
WHERE q.id = picked.id AND s.id = q.subscription_id AND e.id = q.event_id
RETURNING q.id, q.attempt, q.retries, q.subscription_id, s.url, s.secret, s.previous_secret, s.previous_until,
          q.event_id, e.job_id, e.type, e.payload, e.created_at;

-- name: WebhookRecordOutcome :one
-- Records attempt @attempt of delivery @id: logs it in webhook_deliveries,
-- feeds the subscription's breaker (a success closes it; the
-- @breaker_failures-th consecutive failure opens it for @open_seconds),
-- and, when the row is still this attempt's (no other sender took it over
-- after the lease ran out), moves the delivery on: delivered, failed when
-- @give_up, else pending again in @retry_seconds. current is false for an
-- attempt that no longer holds its row (taken over, or its outcome already
-- recorded): its log line is all it leaves, and a retried call changes
-- nothing.
WITH delivery AS (
    UPDATE webhook_queue AS q
    SET state = (CASE WHEN @succeeded::boolean THEN 'delivered'
                      WHEN @give_up::boolean THEN 'failed'
                      ELSE 'pending' END)::webhook_delivery_state,
        retries = q.retries + CASE WHEN @succeeded::boolean THEN 0 ELSE 1 END,
        next_attempt_at = statement_timestamp() + make_interval(secs => @retry_seconds::float8),
        leased_until = NULL,
        last_error = sqlc.narg(error),
        updated_at = statement_timestamp()
    WHERE q.id = @id AND q.attempt = @attempt AND q.state = 'pending' AND q.leased_until IS NOT NULL
    RETURNING q.id
), logged AS (
    -- Nothing is logged for a subscription deleted or an event pruned
    -- while the attempt was out.
    INSERT INTO webhook_deliveries (subscription_id, event_id, attempt, status_code, error, succeeded)
    SELECT s.id, e.id, @attempt, sqlc.narg(status_code), sqlc.narg(error), @succeeded::boolean
    FROM webhook_subscriptions AS s, events AS e
    WHERE s.id = @subscription_id AND e.id = @event_id
    ON CONFLICT (subscription_id, event_id, attempt) DO NOTHING
), breaker AS (
    UPDATE webhook_subscriptions AS s
    SET consecutive_failures = CASE WHEN @succeeded::boolean THEN 0 ELSE s.consecutive_failures + 1 END,
        open_until = CASE WHEN NOT @succeeded::boolean AND s.consecutive_failures + 1 >= @breaker_failures::int
                          THEN statement_timestamp() + make_interval(secs => @open_seconds::float8) END
    WHERE s.id = @subscription_id
      -- A success on a closed breaker writes nothing.
      AND (NOT @succeeded::boolean OR s.consecutive_failures > 0 OR s.open_until IS NOT NULL)
)
SELECT EXISTS (SELECT 1 FROM delivery) AS current;

-- name: WebhookFailedList :many
-- Failed deliveries, oldest first, at most @max_rows.
SELECT q.id, q.subscription_id, s.url, q.event_id, e.type AS event_type, q.attempt, q.last_error, q.created_at, q.updated_at
FROM webhook_queue AS q
JOIN webhook_subscriptions AS s ON s.id = q.subscription_id
JOIN events AS e ON e.id = q.event_id
WHERE q.state = 'failed'
ORDER BY q.created_at, q.id
LIMIT @max_rows;

-- name: WebhookReplay :execrows
-- Makes failed deliveries pending and due now, with the retry schedule
-- from its start (expiring @expire_seconds from now): those in @ids, or
-- every one when @every. A delivery that is not failed (pending again, or
-- delivered since) is left alone, so a replay repeated changes nothing.
UPDATE webhook_queue
SET state = 'pending', retries = 0, next_attempt_at = statement_timestamp(), leased_until = NULL,
    expires_at = statement_timestamp() + make_interval(secs => @expire_seconds::float8),
    updated_at = statement_timestamp()
WHERE state = 'failed' AND (@every::boolean OR id = ANY(@ids::bigint[]));

-- name: WebhookFailExpired :execrows
-- Fails at most @batch_size pending deliveries past their expires_at that
-- no sender holds (a held one is failed by its own record, or at the next
-- sweep): those whose breaker kept them from spending their attempts.
UPDATE webhook_queue
SET state = 'failed', leased_until = NULL, updated_at = statement_timestamp(),
    last_error = coalesce(last_error || '; ', '') || 'expired: not delivered within the retry schedule'
WHERE id IN (
    SELECT id FROM webhook_queue
    WHERE state = 'pending' AND expires_at < statement_timestamp()
      AND (leased_until IS NULL OR leased_until < statement_timestamp())
    ORDER BY expires_at
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
);

-- name: WebhookQueueStats :one
-- The delivery gauges: pending and failed deliveries, open breakers.
SELECT (SELECT count(*) FROM webhook_queue WHERE state = 'pending')::bigint AS pending,
       (SELECT count(*) FROM webhook_queue WHERE state = 'failed')::bigint AS failed,
       (SELECT count(*) FROM webhook_subscriptions WHERE open_until > statement_timestamp())::bigint AS open_breakers;

-- name: WebhookDeliveriesByEvent :many
-- The attempt log of an event.
SELECT * FROM webhook_deliveries WHERE event_id = @event_id ORDER BY subscription_id, attempt;

-- name: WebhookQueueByEvent :many
SELECT * FROM webhook_queue WHERE event_id = @event_id ORDER BY subscription_id;
