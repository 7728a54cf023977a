// Package ctxbegin reads and writes in transactions that a manager begins
// and hands out in a context.
package ctxbegin

import (
	"context"

	"example.com/flowmod/locks"
	"example.com/flowmod/txctx"
)

// Credit reads and writes back in the context's transaction, unlocked.
func Credit(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	ctx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	a, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := r.SetBalance(ctx, id, a.Balance+amount); err != nil { // want `Balance read by Get at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return m.Commit(ctx)
}

// CreditLocked reads FOR UPDATE in the context's transaction.
func CreditLocked(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	ctx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	a, err := r.GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if err := r.SetBalance(ctx, id, a.Balance+amount); err != nil { // ok: read FOR UPDATE in the transaction Begin put in the context
		return err
	}
	return m.Commit(ctx)
}

// CreditLockedHelper locks through a helper taking the transaction from
// the context.
func CreditLockedHelper(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	ctx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	if err := locks.AccountInContext(ctx, id); err != nil {
		return err
	}
	a, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := r.SetBalance(ctx, id, a.Balance+amount); err != nil { // ok: the helper locked the row in the context's transaction
		return err
	}
	return m.Commit(ctx)
}

// CreditLockedTx locks through the transaction BeginCtx also returns.
func CreditLockedTx(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	ctx, tx, err := m.BeginCtx(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	if err := locks.Account(ctx, tx, id); err != nil {
		return err
	}
	a, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := r.SetBalance(ctx, id, a.Balance+amount); err != nil { // ok: tx is the transaction the context carries
		return err
	}
	return m.Commit(ctx)
}

// CreditLockedOutside locks in the caller's context, before the
// transaction begins.
func CreditLockedOutside(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	a, err := r.GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	txCtx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(txCtx)
	if err := r.SetBalance(txCtx, id, a.Balance+amount); err != nil { // want `Balance read by GetForUpdate at line \d+ is written back by SetBalance \(lost update: the FOR UPDATE lock is held by another transaction`
		return err
	}
	return m.Commit(txCtx)
}

// CreditTx reads through the context and writes through the transaction
// BeginCtx returns: one transaction, unlocked.
func CreditTx(ctx context.Context, m *txctx.Manager, r *txctx.Repo, id, amount int64) error {
	ctx, tx, err := m.BeginCtx(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	a, err := r.Get(ctx, id)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = $2 WHERE id = $1", id, a.Balance+amount); err != nil { // want `Balance read by Get at line \d+ is written back by Exec \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return m.Commit(ctx)
}
