package lostupdate

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// NamedStmtBound prepares the named update on the pool and binds it to the
// transaction with NamedStmtContext; the struct read is written back.
func NamedStmtBound(ctx context.Context, db *sqlx.DB, id int64) error {
	set, err := db.PrepareNamedContext(ctx, "UPDATE records SET counter = :counter WHERE id = :id")
	if err != nil {
		return err
	}
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var r record
	if err := tx.GetContext(ctx, &r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	r.Counter++
	if _, err := tx.NamedStmtContext(ctx, set).ExecContext(ctx, r); err != nil { // want `Counter read by GetContext at line 19 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// NamedStmtRead reads through a named statement bound to the transaction
// and writes the counter back.
func NamedStmtRead(db *sqlx.DB, id int64) error {
	get, err := db.PrepareNamed("SELECT id, counter FROM records WHERE id = :id")
	if err != nil {
		return err
	}
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.NamedStmt(get).Get(&r, map[string]any{"id": id}); err != nil {
		return err
	}
	tx.MustExec("UPDATE records SET counter = $1 WHERE id = $2", r.Counter*2, r.ID) // want `Counter read by Get at line 39 is written back by MustExec`
	return tx.Commit()
}

// NamedStmtLocked reads FOR UPDATE through the bound named statement.
func NamedStmtLocked(ctx context.Context, db *sqlx.DB, id int64) error {
	get, err := db.PrepareNamed("SELECT id, counter FROM records WHERE id = :id FOR UPDATE")
	if err != nil {
		return err
	}
	set, err := db.PrepareNamed("UPDATE records SET counter = :counter WHERE id = :id")
	if err != nil {
		return err
	}
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var r record
	if err := tx.NamedStmtContext(ctx, get).GetContext(ctx, &r, map[string]any{"id": id}); err != nil {
		return err
	}
	r.Counter++
	// ok: locked FOR UPDATE in the same transaction
	tx.NamedStmt(set).MustExec(r)
	return tx.Commit()
}

// NamedStmtCompareAndSet writes only if the counter is still the one read.
func NamedStmtCompareAndSet(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	set, err := tx.PrepareNamed("UPDATE records SET counter = :next WHERE id = :id AND counter = :counter")
	if err != nil {
		return err
	}
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: compare-and-set on the value read
	if _, err := set.Exec(map[string]any{"next": r.Counter + 1, "id": r.ID, "counter": r.Counter}); err != nil {
		return err
	}
	return tx.Commit()
}
