-- name: SessionGetOrCreate :one
-- Get-or-create in one statement: the row, and whether this call created it.
INSERT INTO sessions (token, user_name)
VALUES (@token, @user_name)
ON CONFLICT (token) DO UPDATE SET token = EXCLUDED.token
RETURNING sessions.*, (xmax = 0)::boolean AS created;

-- name: SessionCount :one
SELECT count(*) FROM sessions WHERE token = @token;

-- name: OwnerStateUpsert :one
-- Update-or-create in one statement; the last writer's state wins and every
-- write is counted in version.
INSERT INTO owner_states (owner, thing, state)
VALUES (@owner, @thing, @state)
ON CONFLICT (owner, thing) DO UPDATE
SET state = EXCLUDED.state, version = owner_states.version + 1, updated_at = now()
RETURNING owner_states.*, (xmax = 0)::boolean AS created;

-- name: OwnerStateGet :one
SELECT * FROM owner_states WHERE owner = @owner AND thing = @thing;

-- name: PostCreate :one
INSERT INTO posts (title) VALUES (@title) RETURNING *;

-- name: PostGet :one
SELECT * FROM posts WHERE id = @id;

-- name: PostAddLikes :one
-- The database computes the new count, so no increment is lost.
UPDATE posts SET likes = likes + @delta WHERE id = @id RETURNING likes;

-- name: DomainsInsert :many
-- Inserts the names not yet present and returns those. Sorted and distinct
-- so concurrent overlapping batches take row locks in one order.
INSERT INTO domains (name)
SELECT DISTINCT n FROM unnest(@names::text[]) AS n ORDER BY n
ON CONFLICT (name) DO NOTHING
RETURNING name;

-- name: DomainCount :one
SELECT count(*) FROM domains;

-- name: TransferCreate :one
-- No row when a live transfer already holds the token (partial unique index).
INSERT INTO transfers (token, amount) VALUES (@token, @amount)
ON CONFLICT (token) WHERE execution_time = 0 DO NOTHING
RETURNING *;

-- name: TransferExecute :one
-- Executes a live transfer once; its token becomes free again.
UPDATE transfers SET execution_time = @execution_time
WHERE id = @id AND execution_time = 0 AND @execution_time::bigint > 0
RETURNING *;

-- name: TransferCountLive :one
SELECT count(*) FROM transfers WHERE token = @token AND execution_time = 0;
