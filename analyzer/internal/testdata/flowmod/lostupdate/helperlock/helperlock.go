// Package helperlock locks rows and sets the isolation level through
// helpers of another package that take the transaction: as a parameter,
// held by a repository, or carried in the context.
package helperlock

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/ledger"
	"example.com/flowmod/locks"
	"example.com/flowmod/store"
	"example.com/flowmod/txctx"
)

// Locked locks the row through the helper before the read.
func Locked(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.Account(ctx, tx, id); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: locks.Account locked the row in tx before the read
		return err
	}
	return tx.Commit(ctx)
}

// LockedByKey locks the row by the id it reads it with and writes it by
// the id it read.
func LockedByKey(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.Account(ctx, tx, id); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: a.ID, Balance: a.Balance + amount}); err != nil { // ok: the locked id is the one the row was read by
		return err
	}
	return tx.Commit(ctx)
}

// LockedQuery locks through sqlc's query with the db argument, inside the
// helper.
func LockedQuery(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.AccountQuery(ctx, tx, id); err != nil {
		return err
	}
	a, err := ledger.New().AccountGet(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := ledger.New().AccountSetBalance(ctx, tx, ledger.AccountSetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: the helper's AccountLock locked the row in tx
		return err
	}
	return tx.Commit(ctx)
}

// LockedQueries locks through sqlc's Queries the helper binds to tx.
func LockedQueries(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.AccountQueries(ctx, tx, id); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: the helper's GetAccountForUpdate locked the row in tx
		return err
	}
	return tx.Commit(ctx)
}

// LockedRepo locks through a repository holding the transaction.
func LockedRepo(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.NewRepo(tx).LockAccount(ctx, id); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: the repository holds tx and locked the row in it
		return err
	}
	return tx.Commit(ctx)
}

// LockedInContext locks in the transaction the context carries.
func LockedInContext(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		if err := locks.AccountInContext(ctx, id); err != nil {
			return err
		}
		a, err := r.Get(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // ok: the helper locked the row in the context's transaction
	})
}

// Serializable sets the level through the helper as the first statement.
func Serializable(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.Serializable(ctx, tx); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: the helper's first statement made tx serializable
		return err
	}
	return tx.Commit(ctx)
}

// RepeatableRead sets the level through the helper as the first
// statement.
func RepeatableRead(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.RepeatableRead(ctx, tx); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: the helper's first statement made tx repeatable read
		return err
	}
	return tx.Commit(ctx)
}

// LockedEntry locks a row of another table.
func LockedEntry(ctx context.Context, pool *pgxpool.Pool, key string, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.Entry(ctx, tx, key); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// LockedOther locks another account's row.
func LockedOther(ctx context.Context, pool *pgxpool.Pool, from, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.Account(ctx, tx, from); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// LockedOnPool locks on the pool, not in the transaction that writes.
func LockedOnPool(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := (&locks.Pool{Pool: pool}).LockAccount(ctx, id); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// LockedLate locks the row after reading it.
func LockedLate(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := locks.Account(ctx, tx, id); err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: it was read before Account locked the row at line \d+`
		return err
	}
	return tx.Commit(ctx)
}

// LockedSometimes locks the row on one path only.
func LockedSometimes(ctx context.Context, pool *pgxpool.Pool, id, amount int64, strict bool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if strict {
		if err := locks.Account(ctx, tx, id); err != nil {
			return err
		}
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// ReadCommitted sets the default level through the helper.
func ReadCommitted(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := locks.ReadCommitted(ctx, tx); err != nil {
		return err
	}
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// SerializableLate sets the level after a read: PostgreSQL refuses it,
// and the level stays the default.
func SerializableLate(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	a, err := store.New(tx).GetAccount(ctx, id)
	if err != nil {
		return err
	}
	if err := locks.Serializable(ctx, tx); err != nil {
		return err
	}
	if err := store.New(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// LockedOuterContext locks in what the caller's context carries, not in
// the transaction the callback's context carries.
func LockedOuterContext(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	outer := ctx
	return m.Within(ctx, func(ctx context.Context) error {
		if err := locks.AccountInContext(outer, id); err != nil {
			return err
		}
		a, err := r.Get(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // want `Balance read by Get at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
	})
}
