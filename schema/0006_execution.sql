-- +goose Up
-- The executor claims a task in one short transaction, runs its handler
-- outside any transaction, and records the outcome in another, fenced by the
-- attempt number. The lease says how long the claim holds: a task still
-- processing after its lease ran out belongs to a crashed or hung worker and
-- is rescued by the sweeper. timeout_ms is the step's own handler timeout
-- (NULL: the executor's default).
ALTER TABLE tasks
    ADD COLUMN timeout_ms  integer CHECK (timeout_ms > 0),
    ADD COLUMN lease_until timestamptz;

-- The sweeper's two scans: expired leases, and queued tasks whose message
-- may have gone missing.
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE status = 'processing';
CREATE INDEX tasks_queued ON tasks (queued_at) WHERE status = 'queued';

-- +goose Down
DROP INDEX tasks_queued;
DROP INDEX tasks_lease;
ALTER TABLE tasks
    DROP COLUMN lease_until,
    DROP COLUMN timeout_ms;
