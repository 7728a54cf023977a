// Package accounts is a repository that tells its callers "no such
// account" in its own ways.
package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"example.com/flowmod/store"
)

// ErrNotFound is returned when there is no such account.
var ErrNotFound = errors.New("accounts: not found")

// Repo runs the account queries on DB.
type Repo struct {
	DB    store.DBTX
	Cache bool
}

// ByOwner maps ErrNoRows to ErrNotFound.
func (r *Repo) ByOwner(ctx context.Context, owner string) (*store.Account, error) {
	a, err := store.New(r.DB).GetAccountByOwner(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("account of %s: %w", owner, err)
	}
	return &a, nil
}

// FindByOwner returns nil and no error when there is no such account.
func (r *Repo) FindByOwner(ctx context.Context, owner string) (*store.Account, error) {
	a, err := store.New(r.DB).GetAccountByOwner(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// OwnerExists reports whether the owner has an account.
func (r *Repo) OwnerExists(ctx context.Context, owner string) (bool, error) {
	_, err := store.New(r.DB).GetAccountByOwner(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// Lookup returns the account and whether there is one.
func (r *Repo) Lookup(ctx context.Context, owner string) (a store.Account, found bool, err error) {
	a, err = store.New(r.DB).GetAccountByOwner(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, false, nil
	}
	return a, err == nil, err
}

// Cached returns nil and no error when the cache is off: nil is no
// answer, not "no such account".
func (r *Repo) Cached(ctx context.Context, owner string) (*store.Account, error) {
	if !r.Cache {
		return nil, nil
	}
	a, err := store.New(r.DB).GetAccountByOwner(ctx, owner)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Create inserts an account.
func (r *Repo) Create(ctx context.Context, owner string) (int64, error) {
	return store.New(r.DB).CreateAccount(ctx, owner)
}

// Ensure inserts an account unless the owner has one.
func (r *Repo) Ensure(ctx context.Context, owner string) error {
	return store.New(r.DB).EnsureAccount(ctx, owner)
}

// AddEntry inserts a ledger entry.
func (r *Repo) AddEntry(ctx context.Context, accountID int64, key string, amount int64) error {
	return store.New(r.DB).CreateEntry(ctx, store.CreateEntryParams{AccountID: accountID, Key: key, Amount: amount})
}
