package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

// PackageGet reads and writes with the package-level functions, the
// transaction first.
func PackageGet(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := sqlx.Get(tx, &n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	sqlx.MustExec(tx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // want `counter read by Get at line 16 is written back by MustExec`
	return tx.Commit()
}

// PackageGetContext writes a field of the row back with NamedExecContext.
func PackageGetContext(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var r record
	if err := sqlx.GetContext(ctx, tx, &r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	r.Counter++
	if _, err := sqlx.NamedExecContext(ctx, tx, "UPDATE records SET counter = :counter WHERE id = :id", r); err != nil { // want `Counter read by GetContext at line 31 is written back by NamedExecContext`
		return err
	}
	return tx.Commit()
}

// PackagePool reads and writes through the pool, each statement in its
// own transaction.
func PackagePool(db *sqlx.DB, id int64) error {
	var n int64
	if err := sqlx.Get(db, &n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	_, err := sqlx.NamedExec(db, "UPDATE records SET counter = :counter WHERE id = :id", map[string]any{"counter": n * 2, "id": id}) // want `counter read by Get at line 45 is written back by NamedExec`
	return err
}

// PackageLocked reads FOR UPDATE in the transaction.
func PackageLocked(ctx context.Context, db *sqlx.DB, id int64) error {
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var n int64
	if err := sqlx.GetContext(ctx, tx, &n, "SELECT counter FROM records WHERE id = $1 FOR UPDATE", id); err != nil {
		return err
	}
	// ok: locked FOR UPDATE in the same transaction
	sqlx.MustExecContext(ctx, tx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
	return tx.Commit()
}

// PackageSerializable runs at SERIALIZABLE.
func PackageSerializable(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := sqlx.Get(tx, &n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: serializable isolation
	sqlx.MustExec(tx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
	return tx.Commit()
}

// PackageCompareAndSet writes only if the counter is still the one read.
func PackageCompareAndSet(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := sqlx.Get(tx, &n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: compare-and-set on the value read
	sqlx.MustExec(tx, "UPDATE records SET counter = $1 WHERE id = $2 AND counter = $3", n+1, id, n)
	return tx.Commit()
}
