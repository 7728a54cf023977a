// Package locks takes row locks and sets the isolation level in the
// transaction its callers give it, the way repositories offer helpers
// that a service calls before its read-modify-write.
package locks

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/ledger"
	"example.com/flowmod/store"
	"example.com/flowmod/txctx"
)

// Account locks the account's row in tx until tx ends.
func Account(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", id)
	return err
}

// Entry locks a ledger entry's row in tx.
func Entry(ctx context.Context, tx pgx.Tx, key string) error {
	_, err := tx.Exec(ctx, "SELECT 1 FROM entries WHERE key = $1 FOR UPDATE", key)
	return err
}

// AccountQuery locks the account's row through sqlc's query with the
// db argument.
func AccountQuery(ctx context.Context, tx pgx.Tx, id int64) error {
	return ledger.New().AccountLock(ctx, tx, id)
}

// AccountQueries locks the account's row through sqlc's Queries bound to
// tx.
func AccountQueries(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := store.New(tx).GetAccountForUpdate(ctx, id)
	return err
}

// Serializable makes tx serializable; it must be tx's first statement.
func Serializable(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
	return err
}

// RepeatableRead makes tx repeatable read; it must be tx's first statement.
func RepeatableRead(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
	return err
}

// ReadCommitted sets tx to the default level, which prevents no lost
// update.
func ReadCommitted(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
	return err
}

// Repo locks rows in the transaction it holds.
type Repo struct {
	tx pgx.Tx
}

// NewRepo returns a repository on tx.
func NewRepo(tx pgx.Tx) *Repo {
	return &Repo{tx: tx}
}

// LockAccount locks the account's row in the repository's transaction.
func (r *Repo) LockAccount(ctx context.Context, id int64) error {
	_, err := r.tx.Exec(ctx, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", id)
	return err
}

// Pool locks rows on the pool: each lock ends with its statement.
type Pool struct {
	Pool *pgxpool.Pool
}

// LockAccount locks the account's row for the length of one statement.
func (p *Pool) LockAccount(ctx context.Context, id int64) error {
	_, err := p.Pool.Exec(ctx, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", id)
	return err
}

var errNoTx = errors.New("locks: no transaction in the context")

// AccountInContext locks the account's row in the transaction ctx
// carries.
func AccountInContext(ctx context.Context, id int64) error {
	tx, ok := txctx.Lookup(ctx)
	if !ok {
		return errNoTx
	}
	_, err := tx.Exec(ctx, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", id)
	return err
}
