// Package structtx holds transactions in struct fields: a unit of work
// with its transaction, repositories that WithTx binds to a transaction,
// and sqlc's generated Queries.WithTx.
package structtx

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/store"
)

// UnitOfWork runs its statements in its transaction.
type UnitOfWork struct {
	tx pgx.Tx
}

// Credit reads a balance and writes it back, unlocked.
func (u *UnitOfWork) Credit(ctx context.Context, id, amount int64) error {
	var balance int64
	if err := u.tx.QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1", id).Scan(&balance); err != nil {
		return err
	}
	_, err := u.tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // want `balance read by QueryRow at line \d+ is written back by Exec \(lost update: read it FOR UPDATE in this transaction`
	return err
}

// CreditLocked locks the row in the unit's transaction first.
func (u *UnitOfWork) CreditLocked(ctx context.Context, id, amount int64) error {
	var balance int64
	if err := u.tx.QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id).Scan(&balance); err != nil {
		return err
	}
	_, err := u.tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // ok: locked through the same field
	return err
}

// Accounts returns sqlc's queries on the unit's transaction.
func (u *UnitOfWork) Accounts() *store.Queries {
	return store.New(u.tx)
}

// CreditQueries locks and writes through queries built on the field.
func (u *UnitOfWork) CreditQueries(ctx context.Context, id, amount int64) error {
	a, err := u.Accounts().GetAccountForUpdate(ctx, id)
	if err != nil {
		return err
	}
	return u.Accounts().SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // ok: both queries are bound to u.tx, which holds the lock
}

// CreditQueriesNoLock is CreditQueries without the lock.
func (u *UnitOfWork) CreditQueriesNoLock(ctx context.Context, id, amount int64) error {
	a, err := u.Accounts().GetAccount(ctx, id)
	if err != nil {
		return err
	}
	return u.Accounts().SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}) // want `Balance read by GetAccount at line \d+ is written back by SetBalance \(lost update: read it FOR UPDATE in this transaction`
}

// Swap replaces the unit's transaction between the lock and the write:
// the two statements need not share one.
func (u *UnitOfWork) Swap(ctx context.Context, next pgx.Tx, id, amount int64) error {
	var balance int64
	if err := u.tx.QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id).Scan(&balance); err != nil {
		return err
	}
	u.tx = next
	_, err := u.tx.Exec(ctx, "UPDATE accounts SET balance = $1 WHERE id = $2", balance+amount, id) // want `balance read by QueryRow at line \d+ is written back by Exec`
	return err
}

// AccountRepo is a repository on a pool or, after WithTx, on a
// transaction.
type AccountRepo struct {
	db store.DBTX
}

// NewAccountRepo returns a repository on db.
func NewAccountRepo(db store.DBTX) *AccountRepo {
	return &AccountRepo{db: db}
}

// WithTx returns the repository bound to tx.
func (r *AccountRepo) WithTx(tx pgx.Tx) *AccountRepo {
	return &AccountRepo{db: tx}
}

// GetForUpdate reads and locks an account.
func (r *AccountRepo) GetForUpdate(ctx context.Context, id int64) (store.Account, error) {
	return store.New(r.db).GetAccountForUpdate(ctx, id)
}

// Get reads an account.
func (r *AccountRepo) Get(ctx context.Context, id int64) (store.Account, error) {
	return store.New(r.db).GetAccount(ctx, id)
}

// SetBalance writes an account's balance.
func (r *AccountRepo) SetBalance(ctx context.Context, id, balance int64) error {
	return store.New(r.db).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: balance})
}

// Service uses the repository in its own transactions.
type Service struct {
	Pool  *pgxpool.Pool
	Repo  *AccountRepo
	Query *store.Queries
}

// Credit locks and writes through the repository bound to one transaction.
func (s *Service) Credit(ctx context.Context, id, amount int64) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	repo := s.Repo.WithTx(tx)
	a, err := repo.GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if err := repo.SetBalance(ctx, id, a.Balance+amount); err != nil { // ok: the repository is bound to tx, which holds the lock
		return err
	}
	return tx.Commit(ctx)
}

// CreditPoolLock locks through the pool's repository and writes through
// the one bound to the transaction.
func (s *Service) CreditPoolLock(ctx context.Context, id, amount int64) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	a, err := NewAccountRepo(s.Pool).GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Repo.WithTx(tx).SetBalance(ctx, id, a.Balance+amount); err != nil { // want `Balance read by GetForUpdate at line \d+ is written back by SetBalance \(lost update: GetForUpdate FOR UPDATE outside a transaction locks nothing`
		return err
	}
	return tx.Commit(ctx)
}

// CreditSerializable reads through the bound repository at the
// serializable level.
func (s *Service) CreditSerializable(ctx context.Context, id, amount int64) error {
	tx, err := s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	repo := s.Repo.WithTx(tx)
	a, err := repo.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := repo.SetBalance(ctx, id, a.Balance+amount); err != nil { // ok: the bound transaction is serializable
		return err
	}
	return tx.Commit(ctx)
}

// CreditQueriesWithTx uses sqlc's generated WithTx.
func (s *Service) CreditQueriesWithTx(ctx context.Context, id, amount int64) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	qtx := s.Query.WithTx(tx)
	a, err := qtx.GetAccountForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if err := qtx.SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // ok: locked in the transaction WithTx bound
		return err
	}
	return tx.Commit(ctx)
}

// CreditQueriesPoolLock locks through the pool's Queries and writes
// through WithTx's.
func (s *Service) CreditQueriesPoolLock(ctx context.Context, id, amount int64) error {
	tx, err := s.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	a, err := store.New(s.Pool).GetAccountForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if err := s.Query.WithTx(tx).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: a.Balance + amount}); err != nil { // want `Balance read by GetAccountForUpdate at line \d+ is written back by SetBalance \(lost update: GetAccountForUpdate FOR UPDATE outside a transaction locks nothing`
		return err
	}
	return tx.Commit(ctx)
}

// CreditUnbound reads through the service's repository, whatever its
// handle is, and writes through the same one.
func (s *Service) CreditUnbound(ctx context.Context, id, amount int64) error {
	a, err := s.Repo.GetForUpdate(ctx, id)
	if err != nil {
		return err
	}
	return s.Repo.SetBalance(ctx, id, a.Balance+amount) // ok: both run on s.Repo's handle, which the caller may have bound to a transaction
}
