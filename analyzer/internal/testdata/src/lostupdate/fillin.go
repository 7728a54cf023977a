package lostupdate

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A column found empty over literal SQL and filled in with a fresh value:
// two callers can both find it empty, and the later write replaces the
// value the first one set (and maybe handed out).

// randomCode returns a fresh code each call.
func randomCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// miniflux's EntryShareCode: the write runs only where the code was found
// empty.
func shareCode(db *sql.DB, id int64) (code string, err error) {
	err = db.QueryRow("SELECT name FROM records WHERE id = $1", id).Scan(&code)
	if err != nil {
		return
	}
	if code == "" {
		code = randomCode()
		_, err = db.Exec("UPDATE records SET name = $1 WHERE id = $2", code, id) // want `name read by QueryRow at line 27 is replaced by a fresh value when empty and written by Exec \(lost update: two callers can both find it empty, and the later write replaces the value the first one set; set it only where it is still empty, in the UPDATE's WHERE\)`
	}
	return
}

// The value found non-empty is written too, the fresh one where it was
// empty.
func shareCodeFilled(ctx context.Context, pool *pgxpool.Pool, id int64) (string, error) {
	var code string
	if err := pool.QueryRow(ctx, "SELECT name FROM records WHERE id = $1", id).Scan(&code); err != nil {
		return "", err
	}
	if code == "" {
		code = randomCode()
	}
	_, err := pool.Exec(ctx, "UPDATE records SET name = $1 WHERE id = $2", code, id) // want `name read by QueryRow at line 42 is replaced by a fresh value when empty and written by Exec`
	return code, err
}

// Found non-empty by its length, returned early; the rest fills it in.
func shareCodeByLen(ctx context.Context, tx pgx.Tx, id int64) (string, error) {
	var code string
	if err := tx.QueryRow(ctx, "SELECT name FROM records WHERE id = $1", id).Scan(&code); err != nil {
		return "", err
	}
	if len(code) != 0 {
		return code, nil
	}
	code = randomCode()
	_, err := tx.Exec(ctx, "UPDATE records SET name = $1 WHERE id = $2", code, id) // want `name read by QueryRow at line 55 is replaced by a fresh value when empty and written by Exec`
	return code, err
}

// ok: the UPDATE fills the code in only where it is still empty.
func shareCodeCompareAndSet(db *sql.DB, id int64) (string, error) {
	var code string
	if err := db.QueryRow("SELECT name FROM records WHERE id = $1", id).Scan(&code); err != nil {
		return "", err
	}
	if code == "" {
		code = randomCode()
		if _, err := db.Exec("UPDATE records SET name = $1 WHERE id = $2 AND name = ''", code, id); err != nil { // ok: a compare-and-set on the empty value
			return "", err
		}
	}
	return code, nil
}

// ok: the row is locked FOR UPDATE in the writing transaction; no other
// caller finds it empty meanwhile.
func shareCodeLocked(ctx context.Context, tx pgx.Tx, id int64) (string, error) {
	var code string
	if err := tx.QueryRow(ctx, "SELECT name FROM records WHERE id = $1 FOR UPDATE", id).Scan(&code); err != nil {
		return "", err
	}
	if code == "" {
		code = randomCode()
		if _, err := tx.Exec(ctx, "UPDATE records SET name = $1 WHERE id = $2", code, id); err != nil { // ok: the row is locked
			return "", err
		}
	}
	return code, nil
}

// ok: every caller that finds the name empty writes and returns the same
// constant.
func nameDefault(ctx context.Context, pool *pgxpool.Pool, id int64) (string, error) {
	var name string
	if err := pool.QueryRow(ctx, "SELECT name FROM records WHERE id = $1", id).Scan(&name); err != nil {
		return "", err
	}
	if name == "" {
		_, err := pool.Exec(ctx, "UPDATE records SET name = $1 WHERE id = $2", "unnamed", id) // ok: no caller's value differs
		return "unnamed", err
	}
	return name, nil
}

// ok: the column found empty is not the one written.
func counterWhenUnnamed(ctx context.Context, pool *pgxpool.Pool, id, n int64) error {
	var name string
	if err := pool.QueryRow(ctx, "SELECT name FROM records WHERE id = $1", id).Scan(&name); err != nil {
		return err
	}
	if name == "" {
		_, err := pool.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n, id) // ok: counter was not read
		return err
	}
	return nil
}

// ok: the row written is not the row read.
func shareCodeOtherRow(db *sql.DB, id, other int64) error {
	var code string
	if err := db.QueryRow("SELECT name FROM records WHERE id = $1", id).Scan(&code); err != nil {
		return err
	}
	if code == "" {
		_, err := db.Exec("UPDATE records SET name = $1 WHERE id = $2", randomCode(), other) // ok: another row
		return err
	}
	return nil
}

// ok: two callers can both find the name empty and both write a code, but
// neither hands its code out.
func nameStamped(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	var name string
	if err := pool.QueryRow(ctx, "SELECT name FROM records WHERE id = $1", id).Scan(&name); err != nil {
		return err
	}
	if name == "" {
		_, err := pool.Exec(ctx, "UPDATE records SET name = $1 WHERE id = $2", randomCode(), id) // ok: the code written is not returned
		return err
	}
	return nil
}
