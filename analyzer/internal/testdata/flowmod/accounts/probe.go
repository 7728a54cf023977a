package accounts

import (
	"context"

	"example.com/flowmod/store"
)

// Taken reports whether the owner has an account, from a count.
func (r *Repo) Taken(ctx context.Context, owner string) (bool, error) {
	n, err := store.New(r.DB).CountAccountsByOwner(ctx, owner)
	return n > 0, err
}

// Registered reports whether the owner has an account, from EXISTS.
func (r *Repo) Registered(ctx context.Context, owner string) (bool, error) {
	return store.New(r.DB).AccountExists(ctx, owner)
}

// Free reports whether no account has the owner: true on a miss.
func (r *Repo) Free(ctx context.Context, owner string) (bool, error) {
	n, err := store.New(r.DB).CountAccountsByOwner(ctx, owner)
	if err != nil {
		return false, err
	}
	if n == 0 {
		return true, nil
	}
	return false, nil
}

// Several counts the owner's accounts: more than one is what it tells.
func (r *Repo) Several(ctx context.Context, owner string) (bool, error) {
	n, err := store.New(r.DB).CountAccountsByOwner(ctx, owner)
	return n > 1, err
}
