-- name: OwnerStateFind :one
SELECT * FROM owner_states WHERE owner = @owner AND thing = @thing;

-- name: OwnerStateInsert :exec
INSERT INTO owner_states (owner, thing, state) VALUES (@owner, @thing, @state);

-- name: OwnerStateSave :exec
-- Writes back every column, as a model's save() does.
UPDATE owner_states SET state = @state, version = @version, updated_at = @updated_at
WHERE owner = @owner AND thing = @thing;
