-- +goose Up
-- Bearer tokens for the HTTP API. Only a token's SHA-256 is stored: the
-- token itself is shown once, when it is created.
CREATE TABLE api_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL UNIQUE,
    hash       bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- +goose Down
DROP TABLE api_tokens;
