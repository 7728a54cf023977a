package lostupdate

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// RowsScan reads the counter from Queryx's rows.
func RowsScan(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryxContext(ctx, "SELECT counter FROM records WHERE id = $1", id)
	if err != nil {
		return err
	}
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return err
		}
	}
	rows.Close()
	if _, err := tx.ExecContext(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id); err != nil { // want `counter read by QueryxContext at line 16 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// RowStructScan reads the row with QueryRowx into a struct.
func RowStructScan(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.QueryRowx("SELECT id, counter FROM records WHERE id = $1", id).StructScan(&r); err != nil {
		return err
	}
	tx.MustExec("UPDATE records SET counter = $1 WHERE id = $2", r.Counter+1, r.ID) // want `Counter read by QueryRowx at line 38 is written back by MustExec`
	return tx.Commit()
}

// RowsStructScan reads the row with Queryx into a struct.
func RowsStructScan(db *sqlx.DB, id int64) error {
	tx, err := db.Beginx()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.Queryx("SELECT id, counter FROM records WHERE id = $1", id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r record
	for rows.Next() {
		if err := rows.StructScan(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.Counter++
	if _, err := tx.NamedExec("UPDATE records SET counter = :counter WHERE id = :id", r); err != nil { // want `Counter read by Queryx at line 52 is written back by NamedExec`
		return err
	}
	return tx.Commit()
}

// RowStructScanLocked locks the row it scans.
func RowStructScanLocked(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.QueryRowx("SELECT id, counter FROM records WHERE id = $1 FOR UPDATE", id).StructScan(&r); err != nil {
		return err
	}
	// ok: locked FOR UPDATE in the same transaction
	tx.MustExec("UPDATE records SET counter = $1 WHERE id = $2", r.Counter+1, r.ID)
	return tx.Commit()
}

// RowsStructScanAtomic lets SQL add to the counter; only the id is read.
func RowsStructScanAtomic(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	rows, err := tx.Queryx("SELECT id, counter FROM records WHERE id = $1", id)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r record
	for rows.Next() {
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		// ok: atomic; only the id flows from the read
		tx.MustExec("UPDATE records SET counter = counter + 1 WHERE id = $1", r.ID)
	}
	return tx.Commit()
}

// RowsScanCompareAndSet writes only if the counter is still the one read.
func RowsScanCompareAndSet(ctx context.Context, db *sqlx.DB, id int64) error {
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var r record
	if err := tx.QueryRowxContext(ctx, "SELECT id, counter FROM records WHERE id = $1", id).StructScan(&r); err != nil {
		return err
	}
	// ok: compare-and-set on the value read
	tx.MustExecContext(ctx, "UPDATE records SET counter = $1 WHERE id = $2 AND counter = $3", r.Counter+1, r.ID, r.Counter)
	return tx.Commit()
}
