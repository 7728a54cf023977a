-- name: TransferCountLiveWithToken :one
SELECT count(*) FROM transfers WHERE token = @token AND execution_time = 0;

-- name: TransferInsert :one
INSERT INTO transfers (token, amount) VALUES (@token, @amount) RETURNING *;
