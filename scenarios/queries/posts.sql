-- name: PostInsert :one
INSERT INTO posts (title) VALUES (@title) RETURNING *;

-- name: PostFind :one
SELECT * FROM posts WHERE id = @id;

-- name: PostSave :exec
-- Writes back every column, as a model's save() does.
UPDATE posts SET title = @title, likes = @likes WHERE id = @id;
