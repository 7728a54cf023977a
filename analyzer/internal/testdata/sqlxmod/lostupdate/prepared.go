package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"
)

// PreparedTx reads and writes the counter with statements prepared on the
// transaction.
func PreparedTx(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	get, err := tx.PreparexContext(ctx, "SELECT counter FROM records WHERE id = $1")
	if err != nil {
		return err
	}
	set, err := tx.Preparex(tx.Rebind("UPDATE records SET counter = ? WHERE id = ?"))
	if err != nil {
		return err
	}
	var n int64
	if err := get.GetContext(ctx, &n, id); err != nil {
		return err
	}
	if _, err := set.ExecContext(ctx, n+1, id); err != nil { // want `counter read by GetContext at line 27 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// Rebound binds statements prepared on the pool to the transaction.
func Rebound(ctx context.Context, db *sqlx.DB, id int64) error {
	get, err := db.Preparex("SELECT id, counter FROM records WHERE id = $1")
	if err != nil {
		return err
	}
	set, err := db.Preparex("UPDATE records SET counter = $1 WHERE id = $2")
	if err != nil {
		return err
	}
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var r record
	if err := tx.Stmtx(get).Get(&r, id); err != nil {
		return err
	}
	tx.StmtxContext(ctx, set).MustExec(r.Counter+1, r.ID) // want `Counter read by Get at line 49 is written back by MustExec`
	return tx.Commit()
}

// NamedPrepared writes the struct read back through a prepared named
// statement.
func NamedPrepared(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	set, err := tx.PrepareNamed("UPDATE records SET counter = :counter WHERE id = :id")
	if err != nil {
		return err
	}
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	if _, err := set.Exec(map[string]any{"id": id, "counter": n + 1}); err != nil { // want `counter read by Get at line 66 is written back by Exec`
		return err
	}
	return tx.Commit()
}

// PreparedLocked reads FOR UPDATE through the prepared statement.
func PreparedLocked(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	get, err := tx.Preparex("SELECT counter FROM records WHERE id = $1 FOR UPDATE")
	if err != nil {
		return err
	}
	var n int64
	if err := get.Get(&n, id); err != nil {
		return err
	}
	// ok: locked FOR UPDATE in the same transaction
	tx.MustExec("UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
	return tx.Commit()
}

// PreparedSerializable runs its statements at SERIALIZABLE.
func PreparedSerializable(ctx context.Context, db *sqlx.DB, id int64) error {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	get, err := tx.Preparex("SELECT counter FROM records WHERE id = $1")
	if err != nil {
		return err
	}
	set, err := tx.Preparex("UPDATE records SET counter = $1 WHERE id = $2")
	if err != nil {
		return err
	}
	var n int64
	if err := get.Get(&n, id); err != nil {
		return err
	}
	// ok: serializable isolation
	if _, err := set.Exec(n+1, id); err != nil {
		return err
	}
	return tx.Commit()
}

// PreparedAtomic lets SQL add the delta through the prepared statement.
func PreparedAtomic(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	get, err := tx.Preparex("SELECT id, counter FROM records WHERE id = $1")
	if err != nil {
		return err
	}
	add, err := tx.PrepareNamed("UPDATE records SET counter = counter + :d WHERE id = :id")
	if err != nil {
		return err
	}
	var r record
	if err := get.Get(&r, id); err != nil {
		return err
	}
	// ok: atomic; only the id flows from the read
	add.MustExec(map[string]any{"d": 1, "id": r.ID})
	return tx.Commit()
}
