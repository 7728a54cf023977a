package getorcreate

import (
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// TagStmts keeps its statements in exported fields, which any package may
// replace.
type TagStmts struct {
	Get, Insert *sqlx.Stmt
}

// NewTagStmts prepares the statements once.
func NewTagStmts(db *sqlx.DB) (*TagStmts, error) {
	get, err := db.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return nil, err
	}
	insert, err := db.Preparex("INSERT INTO tags (name) VALUES ($1)")
	if err != nil {
		return nil, err
	}
	return &TagStmts{Get: get, Insert: insert}, nil
}

// Ensure inserts the tag through the exported statements when it is
// missing.
func (t *TagStmts) Ensure(name string) error {
	var id int64
	if err := t.Get.Get(&id, name); errors.Is(err, sql.ErrNoRows) {
		// ok: exported statement fields are not followed (silent rather than guessed)
		_, err = t.Insert.Exec(name)
		return err
	}
	return nil
}

// EnsureEach runs its statements from a closure that captured them.
func EnsureEach(db *sqlx.DB, names []string) error {
	get, err := db.Preparex("SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	insert, err := db.Preparex("INSERT INTO tags (name) VALUES ($1)")
	if err != nil {
		return err
	}
	ensure := func(name string) error {
		var id int64
		if err := get.Get(&id, name); errors.Is(err, sql.ErrNoRows) {
			// ok: statements captured by a closure are not followed (silent rather than guessed)
			_, err = insert.Exec(name)
			return err
		}
		return nil
	}
	for _, n := range names {
		if err := ensure(n); err != nil {
			return err
		}
	}
	return nil
}

// PackagePreparex prepares with the package-level sqlx.Preparex.
func PackagePreparex(db *sqlx.DB, name string) error {
	get, err := sqlx.Preparex(db, "SELECT id FROM tags WHERE name = $1")
	if err != nil {
		return err
	}
	var id int64
	if err := get.Get(&id, name); errors.Is(err, sql.ErrNoRows) {
		// ok: the package-level Preparex is not followed (silent rather than guessed)
		_, err = db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
		return err
	}
	return nil
}
