// Package ctxtx runs statements after a failure in transactions carried
// in a context.
package ctxtx

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/txctx"
)

// ResetInTx runs a statement in the context's transaction after one
// failed there.
func ResetInTx(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		if err := r.SetBalance(ctx, id, 0); err != nil {
			return r.SetBalance(ctx, id+1, 0) // want `SetBalance runs in the transaction after SetBalance at line \d+ failed`
		}
		return nil
	})
}

// ResetDerived is ResetInTx on a context derived from the callback's.
func ResetDerived(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id int64) error {
	return m.Within(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := r.SetBalance(ctx, id, 0); err != nil {
			return r.SetBalance(ctx, id+1, 0) // want `SetBalance runs in the transaction after SetBalance at line \d+ failed`
		}
		return nil
	})
}

// ResetBegun puts a transaction it begins into the context itself.
func ResetBegun(ctx context.Context, pool *pgxpool.Pool, r *txctx.Repo, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	ctx = txctx.WithTx(ctx, tx)
	if err := r.SetBalance(ctx, id, 0); err != nil {
		if err := r.SetBalance(ctx, id+1, 0); err != nil { // want `SetBalance runs in the transaction after SetBalance at line \d+ failed`
			return err
		}
	}
	return tx.Commit(ctx)
}

// ResetCaller runs on the caller's context, which may carry no
// transaction: then each statement is its own.
func ResetCaller(ctx context.Context, r *txctx.Repo, id int64) error {
	if err := r.SetBalance(ctx, id, 0); err != nil {
		return r.SetBalance(ctx, id+1, 0) // ok: the caller's context may hold the pool, where nothing is aborted
	}
	return nil
}

// ResetBackground runs each statement on its own.
func ResetBackground(r *txctx.Repo, id int64) error {
	ctx := context.Background()
	if err := r.SetBalance(ctx, id, 0); err != nil {
		return r.SetBalance(ctx, id+1, 0) // ok: no transaction in a background context
	}
	return nil
}

// ResetOutside runs while the runner's transaction is open, but on the
// caller's context.
func ResetOutside(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id int64) error {
	return m.Outside(ctx, func(ctx context.Context) error {
		if err := r.SetBalance(ctx, id, 0); err != nil {
			return r.SetBalance(ctx, id+1, 0) // ok: the statements do not run in the runner's transaction
		}
		return nil
	})
}
