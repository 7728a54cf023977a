// Package batch reads and writes balances through pgx batches: each
// queued statement runs on the handle the batch is sent to, and its
// results are the send's n-th result read.
package batch

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ReadInBatch reads the balance as the second statement of a batch and
// writes it back with Exec.
func ReadInBatch(ctx context.Context, tx pgx.Tx, id, amount int64) error {
	b := &pgx.Batch{}
	b.Queue("UPDATE accounts SET owner = owner WHERE id = $1", id)
	b.Queue("SELECT balance FROM accounts WHERE id = $1", id)
	br := tx.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		return err
	}
	var balance int64
	if err := br.QueryRow().Scan(&balance); err != nil {
		return err
	}
	if err := br.Close(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // want `balance read by QueryRow at line 24 is written back by Exec`
	return err
}

// WriteInBatch reads with QueryRow and writes the balance back in a batch
// whose results are left to Close.
func WriteInBatch(ctx context.Context, tx pgx.Tx, id, amount int64) error {
	var balance int64
	if err := tx.QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1", id).Scan(&balance); err != nil {
		return err
	}
	var b pgx.Batch
	b.Queue("UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // want `balance read by QueryRow at line 38 is written back by Queue`
	b.Queue("INSERT INTO entries (account_id, key, amount) VALUES ($1, $2, $3)", id, "credit", amount)
	return tx.SendBatch(ctx, &b).Close()
}

// BatchToBatch reads in one batch and writes back in the next, through
// the pool: two transactions.
func BatchToBatch(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	read := &pgx.Batch{}
	read.Queue("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id)
	br := pool.SendBatch(ctx, read)
	var balance int64
	err := br.QueryRow().Scan(&balance)
	br.Close()
	if err != nil {
		return err
	}
	write := &pgx.Batch{}
	write.Queue("UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id)
	bw := pool.SendBatch(ctx, write)
	defer bw.Close()
	_, err = bw.Exec() // want `balance read by QueryRow at line 54 is written back by Exec`
	return err
}

// Locked reads the balance FOR UPDATE in the batch, in the transaction
// that writes it.
func Locked(ctx context.Context, tx pgx.Tx, id, amount int64) error {
	b := &pgx.Batch{}
	b.Queue("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id)
	br := tx.SendBatch(ctx, b)
	var balance int64
	err := br.QueryRow().Scan(&balance)
	br.Close()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // ok: read FOR UPDATE in this transaction
	return err
}

// LockFirst locks the row as the batch's first statement and reads the
// balance as its second: the read comes after the lock.
func LockFirst(ctx context.Context, tx pgx.Tx, id, amount int64) error {
	b := &pgx.Batch{}
	b.Queue("SELECT id FROM accounts WHERE id = $1 FOR UPDATE", id)
	b.Queue("SELECT balance FROM accounts WHERE id = $1", id)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var locked, balance int64
	if err := br.QueryRow().Scan(&locked); err != nil {
		return err
	}
	if err := br.QueryRow().Scan(&balance); err != nil {
		return err
	}
	if err := br.Close(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // ok: the batch locked the row before reading it
	return err
}

// Atomic lets SQL add to the balance in the batch and reads the result.
func Atomic(ctx context.Context, tx pgx.Tx, id, amount int64) (int64, error) {
	b := &pgx.Batch{}
	b.Queue("SELECT balance FROM accounts WHERE id = $1", id)
	b.Queue("UPDATE accounts SET balance = balance + $1 WHERE id = $2 RETURNING balance", amount, id) // ok: computed in SQL
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var before, after int64
	if err := br.QueryRow().Scan(&before); err != nil {
		return 0, err
	}
	err := br.QueryRow().Scan(&after)
	return after - before, err
}

// Serializable reads in a batch inside a serializable transaction.
func Serializable(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue("SELECT balance FROM accounts WHERE id = $1", id)
		br := tx.SendBatch(ctx, b)
		var balance int64
		err := br.QueryRow().Scan(&balance)
		br.Close()
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // ok: serializable
		return err
	})
}

// Looped queues in a loop: which result is which is not known.
func Looped(ctx context.Context, tx pgx.Tx, ids []int64, amount int64) error {
	b := &pgx.Batch{}
	for _, id := range ids {
		b.Queue("SELECT balance FROM accounts WHERE id = $1", id)
	}
	br := tx.SendBatch(ctx, b)
	var balance int64
	err := br.QueryRow().Scan(&balance)
	br.Close()
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, ids[0]) // ok: the read's pairing with its statement is not known (silent)
	return err
}

// Callback reads the balance in a callback run by Close and writes it
// back.
func Callback(ctx context.Context, tx pgx.Tx, id, amount int64) error {
	var balance int64
	b := &pgx.Batch{}
	b.Queue("SELECT balance FROM accounts WHERE id = $1", id).QueryRow(func(row pgx.Row) error {
		return row.Scan(&balance)
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // want `balance read by QueryRow at line 159 is written back by Exec`
	return err
}

// CallbackLocked is Callback with the read FOR UPDATE.
func CallbackLocked(ctx context.Context, tx pgx.Tx, id, amount int64) error {
	var balance int64
	b := &pgx.Batch{}
	b.Queue("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id).QueryRow(func(row pgx.Row) error {
		return row.Scan(&balance)
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // ok: read FOR UPDATE in this transaction
	return err
}
