package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// TagsNextTx inserts in the transaction when QueryxContext's rows are
// empty.
func TagsNextTx(ctx context.Context, db *sqlx.DB, name string) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryxContext(ctx, "SELECT id FROM tags WHERE name = $1", name)
	if err != nil {
		return err
	}
	found := rows.Next()
	rows.Close()
	if !found {
		tx.MustExecContext(ctx, "INSERT INTO tags (name) VALUES ($1)", name) // want `MustExecContext inserts into tags after QueryxContext at line 19 found no row`
	}
	return tx.Commit()
}

// SessionNamedNext looks the session up with NamedQuery and creates it
// when the rows are empty.
func SessionNamedNext(db *sqlx.DB, token string) error {
	rows, err := db.NamedQuery("SELECT id FROM sessions WHERE token = :token", session{Token: token})
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		_, err = db.NamedExec("INSERT INTO sessions (token) VALUES (:token)", session{Token: token}) // want `NamedExec inserts into sessions after NamedQuery at line 34 found no row`
	}
	return err
}

// TagStructScan reads the tag with QueryRowx's StructScan, whose error is
// sql.ErrNoRows when there is none.
func TagStructScan(db *sqlx.DB, name string) error {
	var t struct {
		ID   int64  `db:"id"`
		Name string `db:"name"`
	}
	err := db.QueryRowx("SELECT id, name FROM tags WHERE name = $1", name).StructScan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = db.Exec("INSERT INTO tags (name) VALUES ($1)", name) // want `Exec inserts into tags after QueryRowx at line 52 found no row`
	}
	return err
}

// TagsNextUpsert inserts with ON CONFLICT when the rows are empty.
func TagsNextUpsert(ctx context.Context, db *sqlx.DB, name string) error {
	rows, err := db.QueryxContext(ctx, "SELECT id FROM tags WHERE name = $1", name)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		// ok: ON CONFLICT DO NOTHING
		_, err = db.ExecContext(ctx, "INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", name)
	}
	return err
}

// TagsNextOtherTable records the miss in another table.
func TagsNextOtherTable(db *sqlx.DB, name string) error {
	rows, err := db.Queryx("SELECT id FROM tags WHERE name = $1", name)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		// ok: another table
		_, err = db.Exec("INSERT INTO tag_misses (name) VALUES ($1)", name)
	}
	return err
}

// TagsNextFound links the tag only when the rows hold it.
func TagsNextFound(db *sqlx.DB, name string) error {
	rows, err := db.Queryx("SELECT id FROM tags WHERE name = $1", name)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		// ok: runs only where the read found a row
		_, err = db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
	}
	return err
}

// TagStructScanFound inserts only after StructScan found the tag.
func TagStructScanFound(db *sqlx.DB, name string) error {
	var t tag
	if err := db.QueryRowx("SELECT name FROM tags WHERE name = $1", name).StructScan(&t); err != nil {
		return err
	}
	// ok: runs only when the read found a row
	_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", t.Name)
	return err
}
