// Package lostupdate uses the real pgx v4, so the lostupdate analyzer is
// checked against its API: the callback begins are methods of the pool
// and the connection there.
package lostupdate

import (
	"context"

	"github.com/jackc/pgx/v4"
	"github.com/jackc/pgx/v4/pgxpool"
)

// BeginFunc reads a counter and writes it back plus one.
func BeginFunc(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pool.BeginFunc(ctx, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // want `counter read by QueryRow at line 17 is written back by Exec`
		return err
	})
}

// Begin is BeginFunc with Begin and Commit on a connection.
func Begin(ctx context.Context, conn *pgx.Conn, id int64) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n-1, id); err != nil { // want `counter read by QueryRow at line 33 is written back by Exec`
		return err
	}
	return tx.Commit(ctx)
}

// ReadCommitted asks for READ COMMITTED explicitly.
func ReadCommitted(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pool.BeginTxFunc(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // want `counter read by QueryRow at line 46 is written back by Exec`
		return err
	})
}

// Locked reads the row FOR UPDATE first.
func Locked(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pool.BeginFunc(ctx, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1 FOR UPDATE", id).Scan(&n); err != nil {
			return err
		}
		// ok: locked in the same transaction
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
		return err
	})
}

// Serializable runs at SERIALIZABLE.
func Serializable(ctx context.Context, conn *pgx.Conn, id int64) error {
	return conn.BeginTxFunc(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
			return err
		}
		// ok: serializable isolation
		_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
		return err
	})
}

// Atomic lets SQL compute the value.
func Atomic(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	// ok: atomic; the read decides only whether to write
	if n < 10 {
		if _, err := tx.Exec(ctx, "UPDATE records SET counter = counter + 1 WHERE id = $1", id); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// RepeatableRead begins at REPEATABLE READ with Begin's options.
func RepeatableRead(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	// ok: repeatable read fails the second writer
	if _, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Batch reads the counter in a batch and writes it back in the next.
func Batch(ctx context.Context, tx pgx.Tx, id int64) error {
	b := &pgx.Batch{}
	b.Queue("SELECT counter FROM records WHERE id = $1", id)
	br := tx.SendBatch(ctx, b)
	var n int64
	err := br.QueryRow().Scan(&n)
	br.Close()
	if err != nil {
		return err
	}
	w := &pgx.Batch{}
	w.Queue("UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // want `counter read by QueryRow at line 124 is written back by Queue`
	return tx.SendBatch(ctx, w).Close()
}

// BatchLocked reads the counter FOR UPDATE in the batch.
func BatchLocked(ctx context.Context, tx pgx.Tx, id int64) error {
	b := &pgx.Batch{}
	b.Queue("SELECT counter FROM records WHERE id = $1 FOR UPDATE", id)
	br := tx.SendBatch(ctx, b)
	var n int64
	err := br.QueryRow().Scan(&n)
	br.Close()
	if err != nil {
		return err
	}
	w := &pgx.Batch{}
	w.Queue("UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // ok: read FOR UPDATE in this transaction
	return tx.SendBatch(ctx, w).Close()
}
