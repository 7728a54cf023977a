// Package session uses the real pgx/v5, so the getorcreate analyzer is
// checked against the real API and not only the test fakes.
package session

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Session gets or creates a session row.
func Session(ctx context.Context, pool *pgxpool.Pool, token string) (int64, error) {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = pool.QueryRow(ctx, "INSERT INTO sessions (token) VALUES ($1) RETURNING id", token).Scan(&id) // want `QueryRow inserts into sessions after QueryRow at line 16 found no row`
	}
	return id, err
}
