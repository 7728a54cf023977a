-- name: GetAccount :one
SELECT id, owner, balance FROM accounts WHERE id = $1;

-- name: GetAccountForUpdate :one
SELECT id, owner, balance FROM accounts WHERE id = $1 FOR UPDATE;

-- name: GetAccountByOwner :one
SELECT id, owner, balance FROM accounts WHERE owner = $1;

-- name: SetBalance :exec
UPDATE accounts SET balance = $2 WHERE id = $1;

-- name: AddBalance :exec
UPDATE accounts SET balance = balance + $2 WHERE id = $1;

-- name: CreateAccount :one
INSERT INTO accounts (owner) VALUES ($1) RETURNING id;

-- name: EnsureAccount :exec
INSERT INTO accounts (owner) VALUES ($1) ON CONFLICT (owner) DO NOTHING;

-- name: GetEntry :one
SELECT id, account_id, key, amount FROM entries WHERE key = $1;

-- name: CreateEntry :exec
INSERT INTO entries (account_id, key, amount) VALUES ($1, $2, $3);

-- name: CopyEntries :copyfrom
INSERT INTO entries (account_id, key, amount) VALUES ($1, $2, $3);

-- name: CountAccountsByOwner :one
SELECT count(*) FROM accounts WHERE owner = $1;

-- name: AccountExists :one
SELECT EXISTS (SELECT 1 FROM accounts WHERE owner = $1);
