-- +goose Up
-- Events written in one transaction would share now(); the wall clock at
-- each insert keeps them in the order they happened.
ALTER TABLE events ALTER COLUMN created_at SET DEFAULT clock_timestamp();

-- +goose Down
ALTER TABLE events ALTER COLUMN created_at SET DEFAULT now();
