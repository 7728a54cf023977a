// Package notfound inserts after a repository said there is no such row:
// its own ErrNotFound, a nil result, a false "exists" or "found", or an
// ErrNoRows kept in a named result that a deferred call wraps.
package notfound

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"example.com/flowmod/accounts"
	"example.com/flowmod/store"
)

// OpenSentinel inserts after ErrNotFound.
func OpenSentinel(ctx context.Context, r *accounts.Repo, owner string) error {
	_, err := r.ByOwner(ctx, owner)
	if errors.Is(err, accounts.ErrNotFound) {
		_, err = r.Create(ctx, owner) // want `Create inserts into accounts after ByOwner at line \d+ found no row`
	}
	return err
}

// OpenNil inserts after a nil result.
func OpenNil(ctx context.Context, r *accounts.Repo, owner string) error {
	a, err := r.FindByOwner(ctx, owner)
	if err != nil {
		return err
	}
	if a == nil {
		_, err = r.Create(ctx, owner) // want `Create inserts into accounts after FindByOwner at line \d+ found no row`
	}
	return err
}

// OpenExists inserts when the existence helper says no.
func OpenExists(ctx context.Context, r *accounts.Repo, owner string) error {
	exists, err := r.OwnerExists(ctx, owner)
	if err != nil {
		return err
	}
	if !exists {
		_, err = r.Create(ctx, owner) // want `Create inserts into accounts after OwnerExists at line \d+ found no row`
	}
	return err
}

// OpenFound inserts unless found.
func OpenFound(ctx context.Context, r *accounts.Repo, owner string) (int64, error) {
	a, found, err := r.Lookup(ctx, owner)
	if err != nil {
		return 0, err
	}
	if found {
		return a.ID, nil
	}
	return r.Create(ctx, owner) // want `Create inserts into accounts after Lookup at line \d+ found no row`
}

func wrap(err *error, what string) {
	if *err != nil {
		*err = fmt.Errorf("%s: %w", what, *err)
	}
}

// OpenWrapped keeps err in a named result that a deferred call wraps.
func OpenWrapped(ctx context.Context, q *store.Queries, owner string) (id int64, err error) {
	defer wrap(&err, "open")
	a, err := q.GetAccountByOwner(ctx, owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return q.CreateAccount(ctx, owner) // want `CreateAccount inserts into accounts after GetAccountByOwner at line \d+ found no row`
	}
	return a.ID, err
}

// EnsureSentinel inserts with ON CONFLICT after ErrNotFound.
func EnsureSentinel(ctx context.Context, r *accounts.Repo, owner string) error {
	_, err := r.ByOwner(ctx, owner)
	if errors.Is(err, accounts.ErrNotFound) {
		return r.Ensure(ctx, owner) // ok: ON CONFLICT DO NOTHING decides in one statement
	}
	return err
}

// CreditExists inserts into another table when the account exists.
func CreditExists(ctx context.Context, r *accounts.Repo, owner string, id int64) error {
	exists, err := r.OwnerExists(ctx, owner)
	if err != nil {
		return err
	}
	if !exists {
		return errors.New("no account")
	}
	return r.AddEntry(ctx, id, owner, 1) // ok: the insert is into entries, not the table checked, and only where the row was found
}

// OpenCached inserts when the cache gives no answer.
func OpenCached(ctx context.Context, r *accounts.Repo, owner string) error {
	a, err := r.Cached(ctx, owner)
	if err != nil {
		return err
	}
	if a == nil {
		_, err = r.Create(ctx, owner) // ok: Cached's nil means the cache is off, not that the read found no row
	}
	return err
}

func validate(a store.Account) error {
	if a.Balance < 0 {
		return pgx.ErrNoRows
	}
	return nil
}

// OpenValidated tests an err that no longer holds the read's error.
func OpenValidated(ctx context.Context, q *store.Queries, owner string) (id int64, err error) {
	defer wrap(&err, "open")
	a, err := q.GetAccountByOwner(ctx, owner)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, err
	}
	err = validate(a)
	if errors.Is(err, pgx.ErrNoRows) {
		return q.CreateAccount(ctx, owner) // ok: err comes from validate here, not from the read
	}
	return a.ID, err
}
