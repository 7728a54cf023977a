package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// tagRepo runs one statement per method on its pool; the functions below
// it run theirs on the handle they are given.
type tagRepo struct {
	db *sqlx.DB
}

func (r *tagRepo) byName(name string) (int64, error) {
	var id int64
	err := r.db.Get(&id, "SELECT id FROM tags WHERE name = $1", name)
	return id, err
}

func (r *tagRepo) insert(name string) error {
	_, err := r.db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
	return err
}

func (r *tagRepo) insertIfAbsent(name string) error {
	_, err := r.db.Exec("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", name)
	return err
}

func (r *tagRepo) userByEmail(email string) (int64, error) {
	var id int64
	err := r.db.Get(&id, "SELECT id FROM users WHERE email = $1", email)
	return id, err
}

func tagTx(tx *sqlx.Tx, name string) (int64, error) {
	var id int64
	err := tx.Get(&id, "SELECT id FROM tags WHERE name = $1", name)
	return id, err
}

func insertTagTx(tx *sqlx.Tx, name string) error {
	_, err := tx.Exec("INSERT INTO tags (name) VALUES ($1)", name)
	return err
}

func tagStd(ctx context.Context, db *sql.DB, name string) (int64, error) {
	var id int64
	err := db.QueryRowContext(ctx, "SELECT id FROM tags WHERE name = $1", name).Scan(&id)
	return id, err
}

func insertTagStd(ctx context.Context, db *sql.DB, name string) error {
	_, err := db.ExecContext(ctx, "INSERT INTO tags (name) VALUES ($1)", name)
	return err
}

// RepoTag inserts after the repository's lookup found no row.
func RepoTag(r *tagRepo, name string) error {
	_, err := r.byName(name)
	if errors.Is(err, sql.ErrNoRows) {
		return r.insert(name) // want `insert inserts into tags after byName at line \d+ found no row`
	}
	return err
}

// TxTag looks up and inserts in one transaction.
func TxTag(db *sqlx.DB, name string) error {
	tx := db.MustBegin()
	defer tx.Rollback()
	if _, err := tagTx(tx, name); err == sql.ErrNoRows {
		if err := insertTagTx(tx, name); err != nil { // want `insertTagTx inserts into tags after tagTx at line \d+ found no row`
			return err
		}
	}
	return tx.Commit()
}

// StdTag uses database/sql helpers.
func StdTag(ctx context.Context, db *sql.DB, name string) error {
	_, err := tagStd(ctx, db, name)
	if errors.Is(err, sql.ErrNoRows) {
		return insertTagStd(ctx, db, name) // want `insertTagStd inserts into tags after tagStd at line \d+ found no row`
	}
	return err
}

// RepoTagIfAbsent inserts with ON CONFLICT DO NOTHING.
func RepoTagIfAbsent(r *tagRepo, name string) error {
	_, err := r.byName(name)
	if errors.Is(err, sql.ErrNoRows) {
		return r.insertIfAbsent(name) // ok: the unique index decides in the one statement
	}
	return err
}

// RepoTagForUser inserts a tag after looking up a user.
func RepoTagForUser(r *tagRepo, email string) error {
	_, err := r.userByEmail(email)
	if errors.Is(err, sql.ErrNoRows) {
		return r.insert(email) // ok: the lookup is of users, the insert into tags
	}
	return err
}

// RepoTagFound inserts where the lookup found a row.
func RepoTagFound(r *tagRepo, name string) error {
	if _, err := r.byName(name); err != nil {
		return err
	}
	return r.insert(name + "-2") // ok: runs only where the row was found
}
