// Package repo holds a store's own transaction wrappers, used from another
// package.
package repo

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
	"sqlcstd"
)

// Repo wraps a pool.
type Repo struct{ Pool *pgxpool.Pool }

var q = sqlcpgx.New()

// InSerializableTx runs fn in a transaction whose first statement sets it
// to SERIALIZABLE.
func (r *Repo) InSerializableTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// InRepeatableReadTx runs fn at REPEATABLE READ, retrying failed attempts.
func (r *Repo) InRepeatableReadTx(ctx context.Context, fn func(pgx.Tx) error) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if err = pgx.BeginTxFunc(ctx, r.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, fn); err == nil {
			return nil
		}
	}
	return err
}

// WithRecordLocked runs fn in a transaction holding the record's row lock.
func (r *Repo) WithRecordLocked(ctx context.Context, id int64, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, r.Pool, func(tx pgx.Tx) error {
		if _, err := q.RecordGetForUpdate(ctx, tx, id); err != nil {
			return err
		}
		return fn(tx)
	})
}

// WithTaskLocked runs fn in a transaction holding a task's row lock.
func (r *Repo) WithTaskLocked(ctx context.Context, id int64, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, r.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT id FROM tasks WHERE id = $1 FOR UPDATE", id); err != nil {
			return err
		}
		return fn(tx)
	})
}

// InSerializableQueries runs fn with queries bound to a SERIALIZABLE
// transaction, as sqlc's execTx pattern does.
func (r *Repo) InSerializableQueries(ctx context.Context, db *sql.DB, fn func(*sqlcstd.Queries) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	if err := fn(sqlcstd.New(tx)); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// InQueries does the same at the default level.
func (r *Repo) InQueries(ctx context.Context, db *sql.DB, fn func(*sqlcstd.Queries) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(sqlcstd.New(tx)); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
