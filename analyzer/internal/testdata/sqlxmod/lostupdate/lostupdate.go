// Package lostupdate uses the real sqlx, so the lostupdate analyzer is
// checked against its API: Get and Select scanning into their first
// argument, the x-suffixed begins, and SQL written with ? placeholders,
// rebound for PostgreSQL at run time.
package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
)

type record struct {
	ID      int64 `db:"id"`
	Counter int64 `db:"counter"`
}

// GetThenExec reads a counter with Get and writes it back plus one.
func GetThenExec(db *sqlx.DB, id int64) error {
	tx, err := db.Beginx()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	if _, err := tx.Exec("UPDATE records SET counter = $1 WHERE id = $2", n+1, id); err != nil { // want `counter read by Get at line 28 is written back by Exec`
		return err
	}
	return tx.Commit()
}

// GetStructRebound reads a row into a struct with GetContext and writes a
// field back, both statements written with ? and rebound.
func GetStructRebound(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var r record
	if err := tx.GetContext(ctx, &r, tx.Rebind("SELECT id, counter FROM records WHERE id = ?"), id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.Rebind("UPDATE records SET counter = ? WHERE id = ?"), r.Counter+1, id); err != nil { // want `Counter read by GetContext at line 46 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// QueryRowxThenMustExec scans a QueryRowx and writes back with MustExec,
// the SQL rebound by the package-level Rebind.
func QueryRowxThenMustExec(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.QueryRowx(sqlx.Rebind(sqlx.DOLLAR, "SELECT counter FROM records WHERE id = ?"), id).Scan(&n); err != nil {
		return err
	}
	tx.MustExec(sqlx.Rebind(sqlx.DOLLAR, "UPDATE records SET counter = ? WHERE id = ?"), n*2, id) // want `counter read by QueryRowx at line 61 is written back by MustExec`
	return tx.Commit()
}

// QuestionsUnbound writes ? SQL that the driver rebinds itself: it parses
// once the ? are numbered.
func QuestionsUnbound(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.GetContext(ctx, &n, "SELECT counter FROM records WHERE id = ?", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE records SET counter = ? WHERE id = ?", n+1, id); err != nil { // want `counter read by GetContext at line 77 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// GetForUpdate locks the row before reading it.
func GetForUpdate(db *sqlx.DB, id int64) error {
	tx, err := db.Beginx()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, tx.Rebind("SELECT counter FROM records WHERE id = ? FOR UPDATE"), id); err != nil {
		return err
	}
	// ok: locked FOR UPDATE in the same transaction
	if _, err := tx.Exec(tx.Rebind("UPDATE records SET counter = ? WHERE id = ?"), n+1, id); err != nil {
		return err
	}
	return tx.Commit()
}

// Increment lets SQL compute the value.
func Increment(db *sqlx.DB, id int64) error {
	tx, err := db.Beginx()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = ?", id); err != nil {
		return err
	}
	// ok: atomic, only the id flows from the read
	if _, err := tx.Exec(db.Rebind("UPDATE records SET counter = counter + ? WHERE id = ?"), 1, r.ID); err != nil {
		return err
	}
	return tx.Commit()
}

// Serializable runs at SERIALIZABLE, whose conflicts fail one writer.
func Serializable(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.GetContext(ctx, &n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: serializable isolation
	if _, err := tx.ExecContext(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id); err != nil {
		return err
	}
	return tx.Commit()
}

// CompareAndSet writes only if the counter is still the one read.
func CompareAndSet(db *sqlx.DB, id int64) error {
	tx := db.MustBeginTx(context.Background(), nil)
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = ?", id); err != nil {
		return err
	}
	// ok: compare-and-set on the value read
	if _, err := tx.Exec(tx.Rebind("UPDATE records SET counter = ? WHERE id = ? AND counter = ?"), n+1, id, n); err != nil {
		return err
	}
	return tx.Commit()
}

// OtherTable reads one table and writes another.
func OtherTable(db *sqlx.DB, id int64) error {
	tx, err := db.Beginx()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = ?", id); err != nil {
		return err
	}
	// ok: another table
	if _, err := tx.Exec(tx.Rebind("UPDATE totals SET last = ? WHERE id = ?"), n, id); err != nil {
		return err
	}
	return tx.Commit()
}
