-- +goose Up
-- When an event was last announced. The webhook deliverer's sweeper
-- announces again an event that a subscriber has not heard of after a while
-- (its message was lost) and renews the time, so it does so once per
-- period. A constant default keeps the migration from rewriting the table.
ALTER TABLE events ADD COLUMN announced_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX events_announced ON events (announced_at);

-- +goose Down
DROP INDEX events_announced;
ALTER TABLE events DROP COLUMN announced_at;
