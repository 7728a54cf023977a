-- name: TokenCreate :one
-- Stores a new token by its hash; the name is unique among all tokens,
-- revoked ones included, so a name always means one token.
INSERT INTO api_tokens (name, hash) VALUES (@name, @hash)
RETURNING id, name, created_at;

-- name: TokenAuthenticate :one
-- The live token with this hash; no row when it is unknown or revoked.
SELECT id, name FROM api_tokens WHERE hash = @hash AND revoked_at IS NULL;

-- name: TokenList :many
SELECT id, name, created_at, revoked_at FROM api_tokens ORDER BY created_at, name;

-- name: TokenRevoke :one
-- Revokes a live token named @name; no row when there is none.
UPDATE api_tokens SET revoked_at = now()
WHERE name = @name AND revoked_at IS NULL
RETURNING id, name, created_at, revoked_at;
