-- name: TransferFindLive :one
SELECT * FROM transfers WHERE token = @token AND execution_time = 0 LIMIT 1;

-- name: TransferInsert :one
INSERT INTO transfers (token, amount) VALUES (@token, @amount) RETURNING *;
