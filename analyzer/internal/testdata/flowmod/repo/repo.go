// Package repo hides the account queries behind interfaces, as services
// do for their tests.
package repo

import (
	"context"

	"example.com/flowmod/store"
)

// Accounts is the account repository.
type Accounts interface {
	Get(ctx context.Context, id int64) (store.Account, error)
	GetForUpdate(ctx context.Context, id int64) (store.Account, error)
	SetBalance(ctx context.Context, id, balance int64) error
}

// NewAccounts returns the PostgreSQL repository on db.
func NewAccounts(db store.DBTX) Accounts {
	return &pgAccounts{db: db}
}

type pgAccounts struct {
	db store.DBTX
}

func (r *pgAccounts) Get(ctx context.Context, id int64) (store.Account, error) {
	return store.New(r.db).GetAccount(ctx, id)
}

func (r *pgAccounts) GetForUpdate(ctx context.Context, id int64) (store.Account, error) {
	return store.New(r.db).GetAccountForUpdate(ctx, id)
}

func (r *pgAccounts) SetBalance(ctx context.Context, id, balance int64) error {
	return store.New(r.db).SetBalance(ctx, store.SetBalanceParams{ID: id, Balance: balance})
}

// Store hands out the repositories on one handle.
type Store struct {
	db store.DBTX
}

// NewStore returns a store on db.
func NewStore(db store.DBTX) *Store {
	return &Store{db: db}
}

// Accounts returns the account repository on the store's handle.
func (s *Store) Accounts() Accounts {
	return NewAccounts(s.db)
}

// Balances keeps balances; one implementation in SQL, one in memory.
type Balances interface {
	Balance(ctx context.Context, id int64) (int64, error)
	SetBalance(ctx context.Context, id, balance int64) error
}

// SQLBalances keeps balances in the accounts table.
type SQLBalances struct {
	DB store.DBTX
}

// Balance reads a balance.
func (b *SQLBalances) Balance(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := b.DB.QueryRow(ctx, "SELECT balance FROM accounts WHERE id = $1", id).Scan(&n)
	return n, err
}

// SetBalance writes a balance.
func (b *SQLBalances) SetBalance(ctx context.Context, id, balance int64) error {
	_, err := b.DB.Exec(ctx, "UPDATE accounts SET balance = $2 WHERE id = $1", id, balance)
	return err
}

// MemBalances keeps balances in memory, for tests.
type MemBalances map[int64]int64

// Balance reads a balance.
func (m MemBalances) Balance(ctx context.Context, id int64) (int64, error) { return m[id], nil }

// SetBalance writes a balance.
func (m MemBalances) SetBalance(ctx context.Context, id, balance int64) error {
	m[id] = balance
	return nil
}
