// Package txctx carries a transaction in a context.Context, the way many
// services do: a manager begins it and hands the callback a context that
// carries it; repositories pick it from the context, or the pool when
// there is none.
package txctx

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/store"
)

type txKey struct{}

// Lookup returns the transaction ctx carries, if any.
func Lookup(ctx context.Context) (pgx.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	return tx, ok
}

// WithTx returns ctx carrying tx.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, txKey{}, tx)
}

// From returns the transaction ctx carries, or db.
func From(ctx context.Context, db store.DBTX) store.DBTX {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
	}
	return db
}

// Manager runs functions in transactions.
type Manager struct {
	Pool *pgxpool.Pool
}

// Within runs fn with a context carrying a new transaction.
func (m *Manager) Within(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := m.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(WithTx(ctx, tx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// WithinSerializable is Within at the serializable level.
func (m *Manager) WithinSerializable(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := m.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(WithTx(ctx, tx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Begin returns ctx carrying a new transaction, which Commit or Rollback
// of that context ends.
func (m *Manager) Begin(ctx context.Context) (context.Context, error) {
	tx, err := m.Pool.Begin(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, txKey{}, tx), nil
}

// BeginCtx is Begin that also returns the transaction.
func (m *Manager) BeginCtx(ctx context.Context) (context.Context, pgx.Tx, error) {
	tx, err := m.Pool.Begin(ctx)
	if err != nil {
		return ctx, nil, err
	}
	return WithTx(ctx, tx), tx, nil
}

var errNoTx = errors.New("txctx: no transaction in the context")

// Commit commits the transaction ctx carries.
func (m *Manager) Commit(ctx context.Context) error {
	tx, ok := Lookup(ctx)
	if !ok {
		return errNoTx
	}
	return tx.Commit(ctx)
}

// Rollback rolls back the transaction ctx carries.
func (m *Manager) Rollback(ctx context.Context) error {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	if !ok {
		return errNoTx
	}
	return tx.Rollback(ctx)
}

// Outside runs fn while a transaction is open, but hands it the caller's
// context: fn's statements do not run in the transaction.
func (m *Manager) Outside(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := m.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(ctx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Repo runs the account queries in the context's transaction, or on the
// pool.
type Repo struct {
	Pool *pgxpool.Pool
}

func (r *Repo) q(ctx context.Context) *store.Queries {
	return store.New(From(ctx, r.Pool))
}

// Get reads an account.
func (r *Repo) Get(ctx context.Context, id int64) (store.Account, error) {
	return r.q(ctx).GetAccount(ctx, id)
}

// GetForUpdate reads and locks an account.
func (r *Repo) GetForUpdate(ctx context.Context, id int64) (store.Account, error) {
	return r.q(ctx).GetAccountForUpdate(ctx, id)
}

// SetBalance writes an account's balance.
func (r *Repo) SetBalance(ctx context.Context, id, balance int64) error {
	return r.q(ctx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: balance})
}
