// Package ctxtx reads and writes accounts through repositories that
// take the transaction from the context.
package ctxtx

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/store"
	"example.com/flowmod/txctx"
)

// Credit reads a balance and writes it back inside a transaction carried
// in the context, with no lock.
func Credit(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		a, err := r.Get(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // want `Balance read by Get at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
	})
}

// CreditLocked locks the row in the context's transaction first.
func CreditLocked(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		a, err := r.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // ok: read FOR UPDATE in the transaction the context carries
	})
}

// CreditSerializable runs in a serializable transaction carried in the
// context.
func CreditSerializable(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	return m.WithinSerializable(ctx, func(ctx context.Context) error {
		a, err := r.Get(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // ok: the context's transaction is serializable
	})
}

// CreditOutside locks the row, but the runner hands the callback the
// caller's context: what that carries is not known here.
func CreditOutside(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	return m.Outside(ctx, func(ctx context.Context) error {
		a, err := r.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // ok: the caller's context may carry a transaction holding the lock
	})
}

// CreditBackground locks the row on a context that carries no
// transaction: the lock ends with the statement.
func CreditBackground(r *txctx.Repo, id, amount int64) error {
	ctx := context.Background()
	a, err := r.GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	return r.SetBalance(ctx, id, a.Balance+amount) // want `Balance read by GetForUpdate at line \d+ is written back by SetBalance \(lost update: GetForUpdate FOR UPDATE outside a transaction locks nothing`
}

// CreditDerived derives the context (a timeout) inside the transaction;
// the derived context carries the same transaction.
func CreditDerived(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 0)
		defer cancel()
		a, err := r.GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		return r.SetBalance(ctx, id, a.Balance+amount) // ok: WithTimeout keeps the context's transaction and its lock
	})
}

// CreditOtherTx locks the row in the caller's context and writes it in
// a transaction of its own, carried in a new context.
func CreditOtherTx(ctx context.Context, pool *pgxpool.Pool, r *txctx.Repo, id, amount int64) error {
	a, err := r.GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := r.SetBalance(txctx.WithTx(ctx, tx), id, a.Balance+amount); err != nil { // want `Balance read by GetForUpdate at line \d+ is written back by SetBalance \(lost update: the FOR UPDATE lock is held by another transaction`
		return err
	}
	return tx.Commit(ctx)
}

// CreditQueries binds sqlc's Queries to the context's transaction in the
// service itself.
func CreditQueries(ctx context.Context, m *txctx.Manager, pool store.DBTX, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		q := store.New(txctx.From(ctx, pool))
		a, err := q.GetAccountForUpdate(ctx, id)
		if err != nil {
			return err
		}
		return store.New(txctx.From(ctx, pool)).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // ok: both Queries are bound to the context's transaction, which holds the lock
	})
}

// CreditQueriesNoLock is CreditQueries without the lock.
func CreditQueriesNoLock(ctx context.Context, m *txctx.Manager, pool store.DBTX, id, amount int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		a, err := store.New(txctx.From(ctx, pool)).GetAccount(ctx, id)
		if err != nil {
			return err
		}
		return store.New(txctx.From(ctx, pool)).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
	})
}

// depositRepo picks the transaction the context carries, or the pool, in
// a method.
type depositRepo struct {
	Pool *pgxpool.Pool
}

// db picks the context's transaction or the pool, as a method.
func (r *depositRepo) db(ctx context.Context) store.DBTX { // want db:"flow"
	if tx, ok := txctx.Lookup(ctx); ok {
		return tx
	}
	return r.Pool
}

// Deposit reads a balance and writes it back plus amount, in the
// context's transaction if there is one.
func (r *depositRepo) Deposit(ctx context.Context, id, amount int64) error {
	var balance int64
	if err := r.db(ctx).QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1", id).Scan(&balance); err != nil {
		return err
	}
	_, err := r.db(ctx).Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // want `balance read by QueryRow at line \d+ is written back by Exec \(lost update: read it FOR UPDATE in this transaction`
	return err
}

// DepositLocked is Deposit with the row locked, which protects it when the
// context carries a transaction.
func (r *depositRepo) DepositLocked(ctx context.Context, id, amount int64) error {
	var balance int64
	if err := r.db(ctx).QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id).Scan(&balance); err != nil {
		return err
	}
	_, err := r.db(ctx).Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // ok: locked in the same handle the context gives
	return err
}
