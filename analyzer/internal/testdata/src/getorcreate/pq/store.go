// Package pq runs on PostgreSQL through database/sql and lib/pq.
package pq

import (
	"context"
	"database/sql"

	_ "github.com/lib/pq"
)

func afterFailedInsert(ctx context.Context, db *sql.DB, token string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		_, err = tx.ExecContext(ctx, "INSERT INTO audits (token) VALUES ($1)", token) // want `ExecContext runs in the transaction after ExecContext at line 17 failed`
		return err
	}
	return tx.Commit()
}
