-- Queries of the naive ports (scenarios/naive): the plain reads and writes
-- an ORM issues. They are deliberately unsafe when combined the way an ORM
-- user combines them; never use them outside the race scenarios.

-- name: SessionFindByToken :one
SELECT * FROM sessions WHERE token = @token;

-- name: SessionInsert :one
INSERT INTO sessions (token, user_name) VALUES (@token, @user_name)
RETURNING *;
