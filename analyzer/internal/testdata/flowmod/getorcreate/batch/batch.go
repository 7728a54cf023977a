// Package batch gets or creates accounts through pgx batches: a read in a
// batch whose "no row" leads to an insert, an insert queued after a miss,
// and a statement read after a failed one of the same batch.
package batch

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ReadInBatch reads the account as the batch's second statement and
// inserts it when the read found none.
func ReadInBatch(ctx context.Context, tx pgx.Tx, owner string) (int64, error) {
	b := &pgx.Batch{}
	b.Queue("SELECT count(*) FROM accounts")
	b.Queue("SELECT id FROM accounts WHERE owner = $1", owner)
	br := tx.SendBatch(ctx, b)
	var n, id int64
	if err := br.QueryRow().Scan(&n); err != nil {
		return 0, err
	}
	err := br.QueryRow().Scan(&id)
	if cerr := br.Close(); cerr != nil {
		return 0, cerr
	}
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, "INSERT INTO accounts (owner) VALUES ($1) RETURNING id", owner).Scan(&id) // want `QueryRow inserts into accounts after QueryRow at line 25 found no row`
	}
	return id, err
}

// QueuedInsert queues the insert after the read found no row; its result
// is left to Close.
func QueuedInsert(ctx context.Context, pool *pgxpool.Pool, owner string) error {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	b := &pgx.Batch{}
	b.Queue("INSERT INTO accounts (owner) VALUES ($1)", owner) // want `Queue inserts into accounts after QueryRow at line 39 found no row`
	b.Queue("INSERT INTO entries (account_id, key, amount) SELECT id, 'open', 0 FROM accounts WHERE owner = $1", owner)
	return pool.SendBatch(ctx, b).Close()
}

// BatchToBatch reads in one batch and inserts in another, reading the
// insert's result.
func BatchToBatch(ctx context.Context, pool *pgxpool.Pool, owner string) error {
	read := &pgx.Batch{}
	read.Queue("SELECT id FROM accounts WHERE owner = $1", owner)
	br := pool.SendBatch(ctx, read)
	var id int64
	err := br.QueryRow().Scan(&id)
	br.Close()
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		write := &pgx.Batch{}
		write.Queue("INSERT INTO accounts (owner) VALUES ($1)", owner)
		bw := pool.SendBatch(ctx, write)
		defer bw.Close()
		_, err = bw.Exec() // want `Exec inserts into accounts after QueryRow at line 56 found no row`
		return err
	case err != nil:
		return err
	}
	return nil
}

// Upsert queues an insert that cannot fail on the owner.
func Upsert(ctx context.Context, tx pgx.Tx, owner string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	b := &pgx.Batch{}
	b.Queue("INSERT INTO accounts (owner) VALUES ($1) ON CONFLICT (owner) DO NOTHING", owner) // ok: ON CONFLICT
	return tx.SendBatch(ctx, b).Close()
}

// OtherRead inserts an account when the batch's first statement, a read
// of entries, found no row; the account's own read, the second, found its
// row.
func OtherRead(ctx context.Context, tx pgx.Tx, owner string) error {
	b := &pgx.Batch{}
	b.Queue("SELECT account_id FROM entries WHERE key = $1", owner)
	b.Queue("SELECT id FROM accounts WHERE owner = $1", owner)
	br := tx.SendBatch(ctx, b)
	var entry, id int64
	errEntry := br.QueryRow().Scan(&entry)
	errAccount := br.QueryRow().Scan(&id)
	if err := br.Close(); err != nil {
		return err
	}
	if errAccount != nil {
		return errAccount
	}
	if errors.Is(errEntry, pgx.ErrNoRows) {
		_, err := tx.Exec(ctx, "INSERT INTO accounts (owner) VALUES ($1)", owner+"-2") // ok: the read that found no row is of entries
		return err
	}
	return errEntry
}

// Found queues the insert of an entry only when the account was found.
func Found(ctx context.Context, tx pgx.Tx, owner string) error {
	b := &pgx.Batch{}
	b.Queue("SELECT id FROM accounts WHERE owner = $1", owner)
	br := tx.SendBatch(ctx, b)
	var id int64
	err := br.QueryRow().Scan(&id)
	br.Close()
	if err != nil {
		return err
	}
	nb := &pgx.Batch{}
	nb.Queue("INSERT INTO accounts (owner) VALUES ($1)", owner+"-copy") // ok: runs when the read found the row
	return tx.SendBatch(ctx, nb).Close()
}

// Aborted reads in the batch after the batch's insert failed: the
// transaction is aborted and the read fails too.
func Aborted(ctx context.Context, tx pgx.Tx, owner string) (int64, error) {
	b := &pgx.Batch{}
	b.Queue("INSERT INTO accounts (owner) VALUES ($1)", owner)
	b.Queue("SELECT id FROM accounts WHERE owner = $1", owner)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var id int64
	if _, err := br.Exec(); err != nil {
		if err := br.QueryRow().Scan(&id); err != nil { // want `QueryRow runs in the transaction after Exec at line 133 failed`
			return 0, err
		}
	}
	return id, nil
}

// ConditionalQueue queues the insert only after a miss, in a batch sent
// either way.
func ConditionalQueue(ctx context.Context, tx pgx.Tx, owner string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	b := &pgx.Batch{}
	if errors.Is(err, pgx.ErrNoRows) {
		b.Queue("INSERT INTO accounts (owner) VALUES ($1)", owner) // want `Queue inserts into accounts after QueryRow at line 145 found no row`
	}
	b.Queue("UPDATE accounts SET balance = 0 WHERE owner = $1", owner)
	return tx.SendBatch(ctx, b).Close()
}
