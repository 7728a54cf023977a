-- +goose Up
-- Webhook delivery as rows (docs/architecture.md, "Webhook delivery"): one
-- per event and subscription whose event types match it, pending until an
-- attempt succeeds (delivered) or the retry schedule runs out (failed). A
-- sender claims a due row by raising attempt and leasing it: leased_until
-- and next_attempt_at both move to the lease's end, so the row of a sender
-- that crashed falls due again then, and another sender takes it over.
CREATE TYPE webhook_delivery_state AS ENUM ('pending', 'delivered', 'failed');
CREATE TABLE webhook_queue (
    id              bigserial PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    state           webhook_delivery_state NOT NULL DEFAULT 'pending',
    -- Claims over the row's life: an outcome is recorded only by the claim
    -- that still holds the row, and numbers its attempt in webhook_deliveries.
    attempt         integer NOT NULL DEFAULT 0,
    -- Failed attempts since the row was made or replayed: the position in
    -- the retry schedule.
    retries         integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (subscription_id, event_id)
);
-- Due rows per subscription, for the claim and its in-flight count.
CREATE INDEX webhook_queue_due ON webhook_queue (subscription_id, next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_queue_event ON webhook_queue (event_id);
CREATE INDEX webhook_queue_failed ON webhook_queue (created_at) WHERE state = 'failed';

-- The circuit breaker of a subscription's endpoint: after enough
-- consecutive failed attempts its deliveries are not claimed before
-- open_until; then one probe at a time decides.
ALTER TABLE webhook_subscriptions
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN open_until           timestamptz;

-- The row, not the attempt log, says whether an event reached a
-- subscriber; the log keeps every attempt, the duplicate success of a
-- sender whose lease was taken over included.
DROP INDEX webhook_deliveries_success;

-- Attempts made before: a pair with a success was delivered, one without
-- was given up.
INSERT INTO webhook_queue (subscription_id, event_id, state, attempt, retries, next_attempt_at, created_at, updated_at)
SELECT subscription_id, event_id,
       CASE WHEN bool_or(succeeded) THEN 'delivered' ELSE 'failed' END::webhook_delivery_state,
       max(attempt), max(attempt), max(created_at), min(created_at), max(created_at)
FROM webhook_deliveries
GROUP BY subscription_id, event_id;

-- +goose Down
DELETE FROM webhook_deliveries AS d
USING webhook_deliveries AS earlier
WHERE d.succeeded AND earlier.succeeded AND earlier.subscription_id = d.subscription_id
  AND earlier.event_id = d.event_id AND earlier.attempt < d.attempt;
CREATE UNIQUE INDEX webhook_deliveries_success ON webhook_deliveries (subscription_id, event_id) WHERE succeeded;
ALTER TABLE webhook_subscriptions
    DROP COLUMN open_until,
    DROP COLUMN consecutive_failures;
DROP TABLE webhook_queue;
DROP TYPE webhook_delivery_state;
