// Package getorcreate uses the real sqlx, so the getorcreate analyzer is
// checked against its API: Get's sql.ErrNoRows, QueryRowx, MustExec, and
// SQL written with ? placeholders, rebound for PostgreSQL at run time.
package getorcreate

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
)

// Session gets a session with Get and creates it when there is none.
func Session(db *sqlx.DB, token string) (int64, error) {
	var id int64
	err := db.Get(&id, db.Rebind("SELECT id FROM sessions WHERE token = ?"), token)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = db.Exec(db.Rebind("INSERT INTO sessions (token) VALUES (?)"), token) // want `Exec inserts into sessions after Get at line 18 found no row`
	}
	return id, err
}

// SessionTx is Session in a transaction, with GetContext and MustExec.
func SessionTx(ctx context.Context, db *sqlx.DB, token string) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var id int64
	if err := tx.GetContext(ctx, &id, "SELECT id FROM sessions WHERE token = $1", token); err == sql.ErrNoRows {
		tx.MustExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token) // want `MustExecContext inserts into sessions after GetContext at line 33 found no row`
	} else if err != nil {
		return err
	}
	return tx.Commit()
}

// SessionRowx reads with QueryRowx and inserts with ? SQL the driver takes.
func SessionRowx(db *sqlx.DB, token string) (int64, error) {
	var id int64
	err := db.QueryRowx("SELECT id FROM sessions WHERE token = ?", token).Scan(&id)
	if err == sql.ErrNoRows {
		err = db.QueryRowx("INSERT INTO sessions (token) VALUES (?) RETURNING id", token).Scan(&id) // want `QueryRowx inserts into sessions after QueryRowx at line 44 found no row`
	}
	return id, err
}

// InsertThenRead catches a failed insert and goes on in the transaction.
func InsertThenRead(ctx context.Context, db *sqlx.DB, token string) (int64, error) {
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowxContext(ctx, tx.Rebind("INSERT INTO sessions (token) VALUES (?) RETURNING id"), token).Scan(&id); err != nil {
		if err := tx.GetContext(ctx, &id, tx.Rebind("SELECT id FROM sessions WHERE token = ?"), token); err != nil { // want `GetContext runs in the transaction after QueryRowxContext at line 56 failed`
			return 0, err
		}
	}
	return id, tx.Commit()
}

// SessionUpsert creates the session in one statement.
func SessionUpsert(db *sqlx.DB, token string) (int64, error) {
	var id int64
	err := db.Get(&id, "SELECT id FROM sessions WHERE token = ?", token)
	if errors.Is(err, sql.ErrNoRows) {
		// ok: ON CONFLICT DO NOTHING
		_, err = db.Exec(db.Rebind("INSERT INTO sessions (token) VALUES (?) ON CONFLICT (token) DO NOTHING"), token)
	}
	return id, err
}

// Audit records a miss in another table.
func Audit(db *sqlx.DB, token string) (int64, error) {
	var id int64
	err := db.Get(&id, db.Rebind("SELECT id FROM sessions WHERE token = ?"), token)
	if errors.Is(err, sql.ErrNoRows) {
		// ok: another table
		_, err = db.Exec(db.Rebind("INSERT INTO misses (token) VALUES (?)"), token)
	}
	return id, err
}

// Found inserts only where the read found the row.
func Found(db *sqlx.DB, token string) error {
	var id int64
	if err := db.Get(&id, "SELECT id FROM sessions WHERE token = ?", token); err != nil {
		return err
	}
	// ok: runs only when the read found a row
	_, err := db.Exec("INSERT INTO sessions_seen (session_id) VALUES (?)", id)
	return err
}

// InsertThenReadUnbound is InsertThenRead with ? SQL that no rebind in
// sight gives to PostgreSQL: MySQL and SQLite undo only the failed
// statement, so txvet cannot tell.
func InsertThenReadUnbound(ctx context.Context, db *sqlx.DB, token string) (int64, error) {
	tx := db.MustBeginTx(ctx, nil)
	defer tx.Rollback()
	var id int64
	if err := tx.QueryRowxContext(ctx, "INSERT INTO sessions (token) VALUES (?) RETURNING id", token).Scan(&id); err != nil {
		// ok: not known to be PostgreSQL
		if err := tx.GetContext(ctx, &id, "SELECT id FROM sessions WHERE token = ?", token); err != nil {
			return 0, err
		}
	}
	return id, tx.Commit()
}

type session struct {
	Token string `db:"token"`
}

// NamedInsert creates the missing session with a named statement.
func NamedInsert(db *sqlx.DB, token string) error {
	var id int64
	err := db.Get(&id, "SELECT id FROM sessions WHERE token = $1", token)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = db.NamedExec("INSERT INTO sessions (token) VALUES (:token)", session{Token: token}) // want `NamedExec inserts into sessions after Get at line 120 found no row`
	}
	return err
}

// NamedUpsert creates it with ON CONFLICT in a named statement.
func NamedUpsert(db *sqlx.DB, token string) error {
	var id int64
	err := db.Get(&id, "SELECT id FROM sessions WHERE token = $1", token)
	if errors.Is(err, sql.ErrNoRows) {
		// ok: ON CONFLICT DO NOTHING
		_, err = db.NamedExec("INSERT INTO sessions (token) VALUES (:token) ON CONFLICT (token) DO NOTHING", session{Token: token})
	}
	return err
}

// Tags inserts the tag when Select found none.
func Tags(ctx context.Context, db *sqlx.DB, name string) error {
	var ids []int64
	if err := db.SelectContext(ctx, &ids, db.Rebind("SELECT id FROM tags WHERE name = ?"), name); err != nil {
		return err
	}
	if len(ids) == 0 {
		_, err := db.ExecContext(ctx, db.Rebind("INSERT INTO tags (name) VALUES (?)"), name) // want `ExecContext inserts into tags after SelectContext at line 141 returned no rows`
		return err
	}
	return nil
}

// TagsUpsert inserts with ON CONFLICT when Select found none.
func TagsUpsert(db *sqlx.DB, name string) error {
	var ids []int64
	if err := db.Select(&ids, "SELECT id FROM tags WHERE name = $1", name); err != nil {
		return err
	}
	if len(ids) == 0 {
		// ok: ON CONFLICT DO NOTHING
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", name)
		return err
	}
	return nil
}

// TagsFound inserts a link only when Select found the tag.
func TagsFound(db *sqlx.DB, name string, bookmark int64) error {
	var ids []int64
	if err := db.Select(&ids, "SELECT id FROM tags WHERE name = $1", name); err != nil {
		return err
	}
	if len(ids) > 0 {
		// ok: runs only where the read found rows
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name)
		return err
	}
	return nil
}

// TagsNext inserts when Queryx's rows are empty (Next is the embedded
// *sql.Rows').
func TagsNext(db *sqlx.DB, name string) error {
	rows, err := db.Queryx("SELECT id FROM tags WHERE name = $1", name)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		_, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name) // want `Exec inserts into tags after Queryx at line 182 found no row`
		return err
	}
	return rows.Err()
}

// TagsEach links every tag the rows hold: Next in a loop is no test of
// emptiness.
func TagsEach(db *sqlx.DB, name string) error {
	rows, err := db.Queryx("SELECT id FROM tags WHERE name = $1", name)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		// ok: runs for each row found
		if _, err := db.Exec("INSERT INTO tags (name) VALUES ($1)", name); err != nil {
			return err
		}
	}
	return rows.Err()
}
