// Package getorcreate uses the real pgx v4, so the getorcreate analyzer is
// checked against its API.
package getorcreate

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v4"
	"github.com/jackc/pgx/v4/pgxpool"
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

// SessionTx is Session inside BeginFunc, with Exec as the insert.
func SessionTx(ctx context.Context, pool *pgxpool.Pool, token string) error {
	return pool.BeginFunc(ctx, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1 FOR UPDATE", token).Scan(&id)
		if err == pgx.ErrNoRows {
			_, err = tx.Exec(ctx, "INSERT INTO sessions (token) VALUES ($1)", token) // want `Exec inserts into sessions after QueryRow at line 27 found no row`
		}
		return err
	})
}

// InsertThenRead catches a failed insert and reads in the aborted
// transaction.
func InsertThenRead(ctx context.Context, conn *pgx.Conn, token string) (int64, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	var id int64
	if _, err := tx.Exec(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		if err := tx.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id); err != nil { // want `QueryRow runs in the transaction after Exec at line 44 failed`
			return 0, err
		}
	}
	return id, tx.Commit(ctx)
}

// Upsert gets or creates in one statement.
func Upsert(ctx context.Context, pool *pgxpool.Pool, token string) (int64, error) {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// ok: ON CONFLICT
		err = pool.QueryRow(ctx, "INSERT INTO sessions (token) VALUES ($1) ON CONFLICT (token) DO UPDATE SET token = EXCLUDED.token RETURNING id", token).Scan(&id)
	}
	return id, err
}

// Miss records the miss in another table.
func Miss(ctx context.Context, pool *pgxpool.Pool, token string) error {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// ok: another table
		_, err = pool.Exec(ctx, "INSERT INTO misses (token) VALUES ($1)", token)
	}
	return err
}

// Savepoint runs the insert that may fail in a savepoint and rolls back
// to it.
func Savepoint(ctx context.Context, pool *pgxpool.Pool, token string) (int64, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	var id int64
	sp, err := tx.Begin(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := sp.Exec(ctx, "INSERT INTO sessions (token) VALUES ($1)", token); err != nil {
		if err := sp.Rollback(ctx); err != nil {
			return 0, err
		}
	}
	// ok: the savepoint was rolled back
	if err := tx.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id); err != nil {
		return 0, err
	}
	return id, tx.Commit(ctx)
}

// Batch reads the session in a batch and inserts it when none was found.
func Batch(ctx context.Context, tx pgx.Tx, token string) error {
	b := &pgx.Batch{}
	b.Queue("SELECT id FROM sessions WHERE token = $1", token)
	br := tx.SendBatch(ctx, b)
	var id int64
	err := br.QueryRow().Scan(&id)
	br.Close()
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.Exec(ctx, "INSERT INTO sessions (token) VALUES ($1)", token) // want `Exec inserts into sessions after QueryRow at line 105 found no row`
	}
	return err
}

// BatchUpsert queues an insert that cannot fail on the token.
func BatchUpsert(ctx context.Context, tx pgx.Tx, token string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	b := &pgx.Batch{}
	b.Queue("INSERT INTO sessions (token) VALUES ($1) ON CONFLICT (token) DO NOTHING", token) // ok: ON CONFLICT
	return tx.SendBatch(ctx, b).Close()
}

// Copy copies the session in when its read found none.
func Copy(ctx context.Context, pool *pgxpool.Pool, token string) error {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = pool.CopyFrom(ctx, pgx.Identifier{"sessions"}, []string{"token"}, pgx.CopyFromRows([][]interface{}{{token}})) // want `CopyFrom inserts into sessions after QueryRow at line 128 found no row`
	}
	return err
}

// CopyOther copies the miss into another table.
func CopyOther(ctx context.Context, pool *pgxpool.Pool, token string) error {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM sessions WHERE token = $1", token).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = pool.CopyFrom(ctx, pgx.Identifier{"misses"}, []string{"token"}, pgx.CopyFromRows([][]interface{}{{token}})) // ok: another table
	}
	return err
}
