package lostupdate

import (
	"github.com/jmoiron/sqlx"
)

// NamedCompiled compiles the named SQL with sqlx.Named at run time: its
// statement is not known.
func NamedCompiled(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var r record
	if err := tx.Get(&r, "SELECT id, counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	r.Counter++
	q, args, err := sqlx.Named("UPDATE records SET counter = :counter WHERE id = :id", r)
	if err != nil {
		return err
	}
	// ok: sqlx.Named's result is SQL built at run time (silent rather than guessed)
	if _, err := tx.Exec(tx.Rebind(q), args...); err != nil {
		return err
	}
	return tx.Commit()
}

// BindNamed binds the named SQL on the transaction at run time.
func BindNamed(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	q, args, err := tx.BindNamed("UPDATE records SET counter = :counter WHERE id = :id", map[string]any{"counter": n + 1, "id": id})
	if err != nil {
		return err
	}
	// ok: BindNamed's result is SQL built at run time (silent rather than guessed)
	if _, err := tx.Exec(q, args...); err != nil {
		return err
	}
	return tx.Commit()
}

// PackagePreparex prepares with the package-level sqlx.Preparex.
func PackagePreparex(db *sqlx.DB, id int64) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	set, err := sqlx.Preparex(tx, "UPDATE records SET counter = $1 WHERE id = $2")
	if err != nil {
		return err
	}
	var n int64
	if err := tx.Get(&n, "SELECT counter FROM records WHERE id = $1", id); err != nil {
		return err
	}
	// ok: the package-level Preparex is not followed (silent rather than guessed)
	if _, err := set.Exec(n+1, id); err != nil {
		return err
	}
	return tx.Commit()
}
