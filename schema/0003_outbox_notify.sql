-- +goose Up
-- Wakes the relays when a transaction that wrote to the outbox commits
-- (notifications are delivered at commit, and one per statement is enough:
-- the relay claims every unpublished row it finds). A trigger rather than a
-- call from each writer saves every writer a round trip.
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

-- +goose Down
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
