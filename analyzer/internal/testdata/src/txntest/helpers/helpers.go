// Package helpers holds transaction wrappers used from another package.
package helpers

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Store wraps a pool.
type Store struct{ Pool *pgxpool.Pool }

// InTx runs fn in a serializable transaction through pgx.BeginTxFunc.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, s.Pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, fn)
}

// Run runs fn between Begin and Commit; fn does not see the transaction.
func (s *Store) Run(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(ctx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Begin returns a repeatable read transaction and the function that commits it.
func (s *Store) Begin(ctx context.Context) (pgx.Tx, func() error, error) {
	tx, err := s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, nil, err
	}
	return tx, func() error { return tx.Commit(ctx) }, nil
}

// Finish commits tx.
func Finish(ctx context.Context, tx pgx.Tx) error {
	return tx.Commit(ctx)
}

// Custom is a begin function named by the beginfuncs flag.
func Custom(ctx context.Context) (*Unit, error) { return &Unit{}, nil }

// Unit is a custom transaction handle.
type Unit struct{}

// Commit commits the unit.
func (u *Unit) Commit() error { return nil }

// Atomically is a callback runner named by the beginfuncs flag.
func (s *Store) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}

// Options are the caller's transaction options, as in a retrying runner.
type Options struct {
	Isolation pgx.TxIsoLevel
	Attempts  int
}

// Retry runs fn in a transaction at the caller's isolation level.
func (s *Store) Retry(ctx context.Context, opts Options, fn func(pgx.Tx) error) error {
	txOpts := pgx.TxOptions{IsoLevel: opts.Isolation}
	for i := 0; i < opts.Attempts; i++ {
		if err := pgx.BeginTxFunc(ctx, s.Pool, txOpts, fn); err == nil {
			return nil
		}
	}
	return nil
}

// AtLevel begins a transaction at iso and returns it.
func (s *Store) AtLevel(ctx context.Context, iso pgx.TxIsoLevel) (pgx.Tx, error) {
	return s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: iso})
}

// Serializable runs fn inside a pgx.BeginFunc callback of its own, whose
// first statement sets the transaction to SERIALIZABLE.
func (s *Store) Serializable(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"); err != nil {
			return err
		}
		return fn(tx)
	})
}
