-- +goose Up
-- Relays poll instead of listening. PostgreSQL serialises the commits of
-- transactions that sent a NOTIFY (they take one lock on the database's
-- notification queue until their commit record is flushed), so a
-- notifying outbox trigger capped every writer at one commit per WAL flush
-- in total: about 450 submissions a second on a 2-core machine, whatever
-- the clients. A poll every few milliseconds on the partial index of
-- unpublished rows costs far less.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lockstep_outbox', '');
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
