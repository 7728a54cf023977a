-- +goose Up
-- Each outbox row gets its own retry schedule: a row the broker refuses
-- (say, addressed to an exchange that does not exist) is deferred with its
-- error instead of being claimed again at once, so it never holds up the
-- rows behind it. The relay claims only rows whose available_at has come;
-- deferred rows are rare, so the partial index on unpublished ids still
-- serves the claim.
ALTER TABLE outbox
    ADD COLUMN attempts     integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error   text,
    ADD COLUMN available_at timestamptz NOT NULL DEFAULT now();

-- +goose Down
ALTER TABLE outbox
    DROP COLUMN available_at,
    DROP COLUMN last_error,
    DROP COLUMN attempts;
