// Package copyfrom inserts with CopyFrom, a plain INSERT into the table
// it names, after reads that found no row.
package copyfrom

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/store"
)

// Tx copies the account in when its read in the transaction found none.
func Tx(ctx context.Context, tx pgx.Tx, owner string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, []string{"owner"}, pgx.CopyFromRows([][]any{{owner}})) // want `CopyFrom inserts into accounts after QueryRow at line 18 found no row`
	}
	return err
}

// Pool names the table with its schema.
func Pool(ctx context.Context, pool *pgxpool.Pool, owner string) error {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if err == pgx.ErrNoRows {
		_, err = pool.CopyFrom(ctx, pgx.Identifier{"public", "accounts"}, []string{"owner"}, pgx.CopyFromSlice(1, func(int) ([]any, error) { // want `CopyFrom inserts into accounts after QueryRow at line 28 found no row`
			return []any{owner}, nil
		}))
	}
	return err
}

// Conn reads in a batch and copies on a connection.
func Conn(ctx context.Context, conn *pgx.Conn, owners []string) error {
	b := &pgx.Batch{}
	b.Queue("SELECT id FROM accounts WHERE owner = $1", owners[0])
	br := conn.SendBatch(ctx, b)
	var id int64
	err := br.QueryRow().Scan(&id)
	br.Close()
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	rows := make([][]any, len(owners))
	for i, o := range owners {
		rows[i] = []any{o}
	}
	_, err = conn.CopyFrom(ctx, []string{"accounts"}, []string{"owner"}, pgx.CopyFromRows(rows)) // want `CopyFrom inserts into accounts after QueryRow at line 43 found no row`
	return err
}

// OtherTable records the miss in another table.
func OtherTable(ctx context.Context, tx pgx.Tx, owner string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"misses"}, []string{"owner"}, pgx.CopyFromRows([][]any{{owner}})) // ok: another table
	}
	return err
}

// Quoted copies into "Accounts", which PostgreSQL keeps apart from
// accounts: CopyFrom quotes the name.
func Quoted(ctx context.Context, tx pgx.Tx, owner string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"Accounts"}, []string{"owner"}, pgx.CopyFromRows([][]any{{owner}})) // ok: another table, "Accounts"
	}
	return err
}

// Found copies entries in when the account was found.
func Found(ctx context.Context, tx pgx.Tx, owner string, amounts []int64) error {
	var id int64
	if err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id); err != nil {
		return err
	}
	rows := make([][]any, len(amounts))
	for i, a := range amounts {
		rows[i] = []any{id, a}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"accounts"}, []string{"id", "balance"}, pgx.CopyFromRows(rows)) // ok: runs when the read found the row
	return err
}

// Named copies into a table given by the caller: not known (silent).
func Named(ctx context.Context, tx pgx.Tx, table pgx.Identifier, owner string) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM accounts WHERE owner = $1", owner).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.CopyFrom(ctx, table, []string{"owner"}, pgx.CopyFromRows([][]any{{owner}})) // ok: the table is not known here
	}
	return err
}

// Sqlc copies the entry in with sqlc's :copyfrom query when its read
// found none.
func Sqlc(ctx context.Context, tx pgx.Tx, account int64, key string) error {
	q := store.New(tx)
	_, err := q.GetEntry(ctx, key)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = q.CopyEntries(ctx, []store.CopyEntriesParams{{AccountID: account, Key: key}}) // want `CopyEntries inserts into entries after GetEntry at line 105 found no row`
	}
	return err
}

// SqlcOther copies entries in when the account's read found none.
func SqlcOther(ctx context.Context, tx pgx.Tx, owner, key string) error {
	q := store.New(tx)
	_, err := q.GetAccountByOwner(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = q.CopyEntries(ctx, []store.CopyEntriesParams{{Key: key}}) // ok: another table
	}
	return err
}
