-- +goose Up
-- The sweeper's indexes again, with a predicate the executor's own
-- statements do not imply. With "WHERE status = 'queued'" alone, a claim
-- (id = ANY(...) AND status = 'queued') could be planned as a scan of every
-- queued task whenever the statistics were stale, as after a burst of
-- submissions: with 20,000 tasks queued a claim of 30 read all 20,000
-- index entries (2.6ms instead of 0.2ms), and more as the queue grows. The column conditions below follow from the sweeper's range
-- conditions (a strict comparison is never true on NULL), not from the
-- claim's or the record's, so those keep using the primary key.
DROP INDEX tasks_queued;
DROP INDEX tasks_lease;
CREATE INDEX tasks_queued ON tasks (queued_at) WHERE status = 'queued' AND queued_at IS NOT NULL;
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE status = 'processing' AND lease_until IS NOT NULL;

-- +goose Down
DROP INDEX tasks_lease;
DROP INDEX tasks_queued;
CREATE INDEX tasks_lease ON tasks (lease_until) WHERE status = 'processing';
CREATE INDEX tasks_queued ON tasks (queued_at) WHERE status = 'queued';
