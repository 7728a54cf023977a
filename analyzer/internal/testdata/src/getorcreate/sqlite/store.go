// Package sqlite runs on SQLite, whose transactions survive a failed
// statement.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3"

	"sqlcpgx"
)

func afterFailedInsert(ctx context.Context, db *sql.DB, token string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		log.Printf("insert: %v", err)
		// ok: SQLite undoes only the failed statement; the transaction goes on
		if _, err := tx.ExecContext(ctx, "UPDATE sessions SET user_id = 0 WHERE token = $1", token); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func getOrCreate(ctx context.Context, db *sql.DB, token string) error {
	var id int64
	err := db.QueryRowContext(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = db.ExecContext(ctx, "INSERT INTO sessions (token) VALUES ($1)", token) // want `ExecContext inserts into sessions after QueryRowContext at line 35 found no row`
	}
	return err
}

var q = sqlcpgx.New()

// A pgx transaction is PostgreSQL's, whatever else the package imports.
func pgxAfterFailure(ctx context.Context, tx pgx.Tx, token string) error {
	if err := q.AuditInsert(ctx, tx, token); err != nil {
		return q.AuditInsert(ctx, tx, token+"-retry") // want `AuditInsert runs in the transaction after AuditInsert at line 46 failed`
	}
	return nil
}
