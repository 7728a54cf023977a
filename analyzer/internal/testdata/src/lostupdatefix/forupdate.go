// Package lostupdatefix holds the lost updates that have a suggested fix,
// and look-alikes that have none; forupdate.go.golden is this file with the
// fixes applied.
package lostupdatefix

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
)

var q = sqlcpgx.New()

// A literal read in the writing transaction: FOR UPDATE is appended.
func visit(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int64
	if err := tx.QueryRow(ctx, "SELECT visits FROM items WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE items SET visits = $1 WHERE id = $2", n+1, id); err != nil { // want `visits read by QueryRow at line 26 is written back by Exec`
		return err
	}
	return tx.Commit(ctx)
}

// A raw string ending in a semicolon and a newline: the clause goes before
// the semicolon.
func visitRaw(ctx context.Context, tx pgx.Tx, id int64) error {
	var n int64
	if err := tx.QueryRow(ctx, `
		SELECT visits
		FROM items
		WHERE id = $1;
	`, id).Scan(&n); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE items SET visits = $1 WHERE id = $2", n+1, id) // want `visits read by QueryRow at line 39 is written back by Exec`
	return err
}

// database/sql, in a transaction.
func like(ctx context.Context, db *sql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var likes int64
	if err := tx.QueryRowContext(ctx, "SELECT likes FROM posts WHERE id = $1", id).Scan(&likes); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE posts SET likes = $1 WHERE id = $2", likes+1, id); err != nil { // want `likes read by QueryRowContext at line 58 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// No fix: read and write are not in one transaction, so a lock on the
// read would be released before the write.
func visitPool(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	var n int64
	if err := pool.QueryRow(ctx, "SELECT visits FROM items WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, "UPDATE items SET visits = $1 WHERE id = $2", n+1, id) // want `visits read by QueryRow at line 71 is written back by Exec`
	return err
}

// No fix: PostgreSQL refuses FOR UPDATE with a function in the select list
// that may be an aggregate.
func visitCoalesce(ctx context.Context, tx pgx.Tx, id int64) error {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT coalesce(visits, 0) FROM items WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE items SET visits = $1 WHERE id = $2", n+1, id) // want `read by QueryRow at line 82 is written back by Exec`
	return err
}

// No fix: the SQL is a constant declared elsewhere, maybe shared by other
// reads.
const visitsQuery = "SELECT visits FROM items WHERE id = $1"

func visitConst(ctx context.Context, tx pgx.Tx, id int64) error {
	var n int64
	if err := tx.QueryRow(ctx, visitsQuery, id).Scan(&n); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE items SET visits = $1 WHERE id = $2", n+1, id) // want `visits read by QueryRow at line 95 is written back by Exec`
	return err
}

// No fix: a sqlc query's SQL lives in its .sql file, shared by its callers.
func bumpSqlc(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter * 2}) // want `Counter read by RecordGet at line 104 is written back by RecordSetCounter`
}

// No fix: SQL with ? placeholders may be SQLite's, which has no FOR UPDATE.
func likeQuestion(ctx context.Context, tx *sql.Tx, id int64) error {
	var likes int64
	if err := tx.QueryRowContext(ctx, "SELECT likes FROM posts WHERE id = ?", id).Scan(&likes); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE posts SET likes = ? WHERE id = ?", likes+1, id) // want `likes read by QueryRowContext at line 114 is written back by ExecContext`
	return err
}
