-- +goose Up
-- A pending delivery fails at expires_at even when it never spent its
-- attempts (its subscription's breaker kept it from being claimed): the
-- deliverer sets it to the end of the retry schedule when the delivery is
-- recorded or replayed. Rows pending now get 20 hours, the default
-- schedule's span.
ALTER TABLE webhook_queue ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '20 hours';
ALTER TABLE webhook_queue ALTER COLUMN expires_at DROP DEFAULT;
CREATE INDEX webhook_queue_expiry ON webhook_queue (expires_at) WHERE state = 'pending';

-- +goose Down
DROP INDEX webhook_queue_expiry;
ALTER TABLE webhook_queue DROP COLUMN expires_at;
