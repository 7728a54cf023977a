// Package iface reads and writes accounts through interfaces: sqlc's
// Querier, a hand-written repository and a getter returning it.
package iface

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/repo"
	"example.com/flowmod/store"
)

// Credit reads and writes through the Querier it is given.
func Credit(ctx context.Context, q store.Querier, id, amount int64) error {
	a, err := q.GetAccount(ctx, id)
	if err != nil {
		return err
	}
	return q.SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update`
}

// CreditTx reads and writes through a Querier on a transaction, unlocked.
func CreditTx(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var q store.Querier = store.New(tx)
		a, err := q.GetAccount(ctx, id)
		if err != nil {
			return err
		}
		return q.SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
	})
}

// CreditTxLocked locks the row through the Querier first.
func CreditTxLocked(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var q store.Querier = store.New(tx)
		a, err := q.GetAccountForUpdate(ctx, id)
		if err != nil {
			return err
		}
		return q.SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // ok: GetAccountForUpdate locked the row in the Querier's transaction
	})
}

// CreditRepo reads and writes through the repository interface bound to
// a transaction, unlocked.
func CreditRepo(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		accounts := repo.NewAccounts(tx)
		a, err := accounts.Get(ctx, id)
		if err != nil {
			return err
		}
		return accounts.SetBalance(ctx, id, a.Balance+amount) // want `Balance read by Get at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
	})
}

// CreditRepoSerializable is CreditRepo at the serializable level.
func CreditRepoSerializable(ctx context.Context, pool *pgxpool.Pool, id, amount int64) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		accounts := repo.NewAccounts(tx)
		a, err := accounts.Get(ctx, id)
		if err != nil {
			return err
		}
		return accounts.SetBalance(ctx, id, a.Balance+amount) // ok: the repository's transaction is serializable
	})
}

// CreditStore goes through the store's getter each time.
func CreditStore(ctx context.Context, s *repo.Store, id, amount int64) error {
	a, err := s.Accounts().Get(ctx, id)
	if err != nil {
		return err
	}
	return s.Accounts().SetBalance(ctx, id, a.Balance+amount) // want `Balance read by Get at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
}

// CreditStoreLocked locks through the getter's repository first.
func CreditStoreLocked(ctx context.Context, s *repo.Store, id, amount int64) error {
	a, err := s.Accounts().GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	return s.Accounts().SetBalance(ctx, id, a.Balance+amount) // ok: both repositories are on the store's handle, which the caller may have bound to a transaction
}

// Bump reads and writes through an interface one of whose
// implementations is no database at all.
func Bump(ctx context.Context, b repo.Balances, id int64) error {
	n, err := b.Balance(ctx, id)
	if err != nil {
		return err
	}
	return b.SetBalance(ctx, id, n+1) // ok: the implementations disagree (MemBalances runs no SQL), so the statement is not known
}
