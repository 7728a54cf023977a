// Package bump uses the real pgx/v5, so the lostupdate analyzer is checked
// against the real API and not only the test fakes.
package bump

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Bump reads a counter and writes it back plus one.
func Bump(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // want `counter read by QueryRow at line 16 is written back by Exec`
		return err
	})
}

// BumpLocked is Bump with the row locked first.
func BumpLocked(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1 FOR UPDATE", id).Scan(&n); err != nil {
			return err
		}
		// ok: locked in the same transaction
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
		return err
	})
}
