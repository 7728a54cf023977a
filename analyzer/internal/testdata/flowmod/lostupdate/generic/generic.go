// Package generic runs its SQL through generic helpers that take the
// statement and its arguments from the caller.
package generic

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/store"
	"example.com/flowmod/txctx"
)

func queryOne[T any](ctx context.Context, db store.DBTX, sql string, args ...any) (T, error) {
	var v T
	err := db.QueryRow(ctx, sql, args...).Scan(&v)
	return v, err
}

func exec(ctx context.Context, db store.DBTX, sql string, args ...any) error {
	_, err := db.Exec(ctx, sql, args...)
	return err
}

// Credit reads through one helper and writes through the other.
func Credit(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := queryOne[int64](ctx, tx, "SELECT balance FROM accounts WHERE id = $1", id)
		if err != nil {
			return err
		}
		return exec(ctx, tx, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // want `balance read by queryOne at line \d+ is written back by exec \(lost update: read it FOR UPDATE in this transaction`
	})
}

// CreditDirect writes with the library's own Exec.
func CreditDirect(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := queryOne[int64](ctx, tx, "SELECT balance FROM accounts WHERE id = $1", id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // want `balance read by queryOne at line \d+ is written back by Exec`
		return err
	})
}

// CreditPoolLock locks and writes through the pool: each statement is its
// own transaction.
func CreditPoolLock(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	n, err := queryOne[int64](ctx, pool, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id)
	if err != nil {
		return err
	}
	return exec(ctx, pool, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // want `balance read by queryOne at line \d+ is written back by exec \(lost update: queryOne FOR UPDATE outside a transaction locks nothing`
}

// CreditLocked locks the row through the helper first.
func CreditLocked(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := queryOne[int64](ctx, tx, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id)
		if err != nil {
			return err
		}
		return exec(ctx, tx, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // ok: read FOR UPDATE in the writing transaction
	})
}

// CreditSerializable runs at the serializable level.
func CreditSerializable(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		n, err := queryOne[int64](ctx, tx, "SELECT balance FROM accounts WHERE id = $1", id)
		if err != nil {
			return err
		}
		return exec(ctx, tx, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // ok: serializable
	})
}

// Withdraw checks the balance it read and lets SQL compute the new one.
func Withdraw(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		n, err := queryOne[int64](ctx, tx, "SELECT balance FROM accounts WHERE id = $1", id)
		if err != nil {
			return err
		}
		if n < amount {
			return errors.New("insufficient funds")
		}
		return exec(ctx, tx, "UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, id) // ok: the new balance is computed in SQL
	})
}

// repo forwards its SQL to the context's transaction or to the pool.
type repo struct {
	pool *pgxpool.Pool
}

func (r *repo) queryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if tx, ok := txctx.Lookup(ctx); ok {
		return tx.QueryRow(ctx, sql, args...)
	}
	return r.pool.QueryRow(ctx, sql, args...)
}

func (r *repo) exec(ctx context.Context, sql string, args ...any) error {
	if tx, ok := txctx.Lookup(ctx); ok {
		_, err := tx.Exec(ctx, sql, args...)
		return err
	}
	_, err := r.pool.Exec(ctx, sql, args...)
	return err
}

// Deposit reads and writes through the forwarding methods, in the
// context's transaction.
func (r *repo) Deposit(ctx context.Context, m *txctx.Manager, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		var n int64
		if err := r.queryRow(ctx, "SELECT balance FROM accounts WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		return r.exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // want `balance read by queryRow at line \d+ is written back by exec \(lost update: read it FOR UPDATE in this transaction`
	})
}

// DepositLocked locks the row through the forwarding method first.
func (r *repo) DepositLocked(ctx context.Context, m *txctx.Manager, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		var n int64
		if err := r.queryRow(ctx, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id).Scan(&n); err != nil {
			return err
		}
		return r.exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", n+amount, id) // ok: locked in the context's transaction
	})
}
