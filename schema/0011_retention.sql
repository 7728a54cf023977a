-- +goose Up
-- The maintenance role prunes published outbox rows and old inbox rows in
-- bounded batches, oldest first; these indexes find them without a scan.
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX inbox_processed ON inbox (processed_at);

-- +goose Down
DROP INDEX inbox_processed;
DROP INDEX outbox_published;
