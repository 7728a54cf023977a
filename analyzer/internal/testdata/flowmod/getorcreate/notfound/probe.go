package notfound

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"example.com/flowmod/accounts"
	"example.com/flowmod/store"
)

// OpenCounted inserts when sqlc's count query counts no account.
func OpenCounted(ctx context.Context, pool store.DBTX, owner string) (int64, error) {
	q := store.New(pool)
	n, err := q.CountAccountsByOwner(ctx, owner)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return q.CreateAccount(ctx, owner) // want `CreateAccount inserts into accounts after CountAccountsByOwner at line \d+ counted no rows`
	}
	return 0, errors.New("taken")
}

// OpenUnlessExists inserts when sqlc's EXISTS query says no, in a
// transaction: reading in it does not stop the other caller's insert.
func OpenUnlessExists(ctx context.Context, tx pgx.Tx, owner string) error {
	q := store.New(tx)
	exists, err := q.AccountExists(ctx, owner)
	if err != nil || exists {
		return err
	}
	_, err = q.CreateAccount(ctx, owner) // want `CreateAccount inserts into accounts after AccountExists at line \d+ found no row \(EXISTS false\)`
	return err
}

// OpenUntaken inserts when the repository's count helper says the owner
// is not taken.
func OpenUntaken(ctx context.Context, r *accounts.Repo, owner string) error {
	taken, err := r.Taken(ctx, owner)
	if err != nil {
		return err
	}
	if !taken {
		_, err = r.Create(ctx, owner) // want `Create inserts into accounts after Taken at line \d+ found no row`
	}
	return err
}

// OpenUnregistered inserts when the repository's EXISTS helper says no.
func OpenUnregistered(ctx context.Context, r *accounts.Repo, owner string) error {
	if ok, err := r.Registered(ctx, owner); err != nil || ok {
		return err
	}
	_, err := r.Create(ctx, owner) // want `Create inserts into accounts after Registered at line \d+ found no row`
	return err
}

// EnsureCounted upserts after the count.
func EnsureCounted(ctx context.Context, q *store.Queries, owner string) error {
	n, err := q.CountAccountsByOwner(ctx, owner)
	if err != nil {
		return err
	}
	if n == 0 {
		return q.EnsureAccount(ctx, owner) // ok: ON CONFLICT DO NOTHING decides in one statement
	}
	return nil
}

// OpenFree: Free's true is the miss, and nothing here is derived from a
// false; the helper's sign is not one txvet knows.
func OpenFree(ctx context.Context, r *accounts.Repo, owner string) error {
	free, err := r.Free(ctx, owner)
	if err != nil {
		return err
	}
	if !free {
		_, err = r.Create(ctx, owner) // ok: runs when the owner has an account (a second one for them), not on the miss
	}
	return err
}

// OpenSeveral: Several is false for one account as for none.
func OpenSeveral(ctx context.Context, r *accounts.Repo, owner string) error {
	several, err := r.Several(ctx, owner)
	if err != nil {
		return err
	}
	if !several {
		_, err = r.Create(ctx, owner) // ok: Several's false does not tell "no row" (one account gives it too)
	}
	return err
}

// CreditCounted inserts into another table when the count found the
// account.
func CreditCounted(ctx context.Context, r *accounts.Repo, q *store.Queries, owner string, id int64) error {
	n, err := q.CountAccountsByOwner(ctx, owner)
	if err != nil {
		return err
	}
	if n > 0 {
		return r.AddEntry(ctx, id, owner, 1) // ok: the insert is into entries, where the row was found
	}
	return nil
}
