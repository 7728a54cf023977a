-- name: AccountLock :exec
SELECT id FROM accounts WHERE id = $1 FOR UPDATE;

-- name: AccountGet :one
SELECT id, owner, balance FROM accounts WHERE id = $1;

-- name: AccountSetBalance :exec
UPDATE accounts SET balance = $2 WHERE id = $1;

-- name: EntryLock :exec
SELECT id FROM entries WHERE key = $1 FOR UPDATE;
