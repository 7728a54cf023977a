// Package sqliteopen names the SQLite driver in sql.Open; main imports it.
package sqliteopen

import (
	"context"
	"database/sql"
)

func afterFailedInsert(ctx context.Context, path, token string) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		// ok: the database is SQLite, opened by name
		_, err = tx.ExecContext(ctx, "INSERT INTO audits (token) VALUES ($1)", token)
		return err
	}
	return tx.Commit()
}
