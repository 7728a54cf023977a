// Package literalhelper looks a row up and inserts it through a
// repository's methods that each run one statement of literal SQL: each
// call stands for its statement, as a sqlc query's does.
package literalhelper

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/links"
)

// Shorten inserts after the lookup said ErrNotFound, on the pool.
func Shorten(ctx context.Context, s *links.Store, code, target string) (links.Link, error) {
	l, err := s.ByTarget(ctx, nil, target)
	if err == nil {
		return l, nil
	}
	if !errors.Is(err, links.ErrNotFound) {
		return links.Link{}, err
	}
	return s.Create(ctx, nil, code, target) // want `Create inserts into links after ByTarget at line \d+ found no row`
}

// ShortenTx looks up and inserts in one transaction, which does not help.
func ShortenTx(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code, target string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := s.ByTarget(ctx, tx, target); errors.Is(err, links.ErrNotFound) {
		if _, err := s.Create(ctx, tx, code, target); err != nil { // want `Create inserts into links after ByTarget at line \d+ found no row`
			return err
		}
	}
	return tx.Commit(ctx)
}

// Claim tests the read's own ErrNoRows, which ByCode lets through.
func Claim(ctx context.Context, s *links.Store, code, target string) error {
	_, err := s.ByCode(ctx, nil, code)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = s.Create(ctx, nil, code, target) // want `Create inserts into links after ByCode at line \d+ found no row`
	}
	return err
}

// store is this package's own repository of one-statement methods.
type store struct {
	db *pgxpool.Pool
}

func (s *store) byTarget(ctx context.Context, target string) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, "SELECT id FROM links WHERE target_url = $1", target).Scan(&id)
	return id, err
}

func (s *store) create(ctx context.Context, code, target string) error {
	_, err := s.db.Exec(ctx, "INSERT INTO links (code, target_url) VALUES ($1, $2)", code, target)
	return err
}

// ShortenLocal uses the package's own helpers on the receiver's pool.
func ShortenLocal(ctx context.Context, s *store, code, target string) error {
	_, err := s.byTarget(ctx, target)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.create(ctx, code, target) // want `create inserts into links after byTarget at line \d+ found no row`
	}
	return err
}

// ensure is a get-or-create of its own: reported once, in it, and its
// callers see a call that runs two statements.
func (s *store) ensure(ctx context.Context, code, target string) error {
	_, err := s.byTarget(ctx, target)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.create(ctx, code, target) // want `create inserts into links after byTarget at line \d+ found no row`
	}
	return err
}

// EnsureTwice calls the get-or-create helper after a lookup of its own.
func EnsureTwice(ctx context.Context, s *store, code, target string) error {
	_, err := s.byTarget(ctx, target)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.ensure(ctx, code, target) // ok: ensure runs two statements, it stands for neither; its own race is reported in it
	}
	return err
}

// ShortenIfAbsent inserts with ON CONFLICT DO NOTHING after the miss.
func ShortenIfAbsent(ctx context.Context, s *links.Store, code, target string) error {
	_, err := s.ByTarget(ctx, nil, target)
	if errors.Is(err, links.ErrNotFound) {
		return s.CreateIfAbsent(ctx, nil, code, target) // ok: the unique index decides in the one statement
	}
	return err
}

// ShortenAudited inserts through a helper running two statements.
func ShortenAudited(ctx context.Context, s *links.Store, code, target string) error {
	_, err := s.ByTarget(ctx, nil, target)
	if errors.Is(err, links.ErrNotFound) {
		return s.CreateAudited(ctx, nil, code, target) // ok: CreateAudited runs two statements, so the call stands for no one statement
	}
	return err
}

// ShortenFound inserts only where the lookup found the row.
func ShortenFound(ctx context.Context, s *links.Store, code, target string) error {
	l, err := s.ByTarget(ctx, nil, target)
	if err != nil {
		return err
	}
	_, err = s.Create(ctx, nil, l.Code+"-copy", target) // ok: runs only where the row was found
	return err
}

// ShortenInlineMaybe looks up only for permanent links, inline.
func ShortenInlineMaybe(ctx context.Context, pool *pgxpool.Pool, code, target string, permanent bool) error {
	if permanent {
		var id int64
		err := pool.QueryRow(ctx, "SELECT id FROM links WHERE target_url = $1", target).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	_, err := pool.Exec(ctx, "INSERT INTO links (code, target_url) VALUES ($1, $2)", code, target) // want `Exec inserts into links after QueryRow at line \d+ found no row`
	return err
}

// ShortenMaybe looks up only for permanent links.
func ShortenMaybe(ctx context.Context, s *links.Store, code, target string, permanent bool) error {
	if permanent {
		_, err := s.ByTarget(ctx, nil, target)
		if err == nil {
			return nil
		}
		if !errors.Is(err, links.ErrNotFound) {
			return err
		}
	}
	_, err := s.Create(ctx, nil, code, target) // want `Create inserts into links after ByTarget at line \d+ found no row`
	return err
}

// ShortenMaybeAnyway looks up only for permanent links and inserts
// whatever it found.
func ShortenMaybeAnyway(ctx context.Context, s *links.Store, code, target string, permanent bool) error {
	if permanent {
		_, err := s.ByTarget(ctx, nil, target)
		if err != nil && !errors.Is(err, links.ErrNotFound) {
			return err
		}
	}
	_, err := s.Create(ctx, nil, code, target) // ok: the insert runs also where the lookup found the row: no check decides it
	return err
}

// createCopied inserts the link and copies an audit row: a copy is a
// statement too, so no call of it stands for the insert alone.
func (s *store) createCopied(ctx context.Context, code, target string) error {
	if _, err := s.db.Exec(ctx, "INSERT INTO links (code, target_url) VALUES ($1, $2)", code, target); err != nil {
		return err
	}
	_, err := s.db.CopyFrom(ctx, pgx.Identifier{"audit"}, []string{"what"}, pgx.CopyFromRows([][]any{{code}}))
	return err
}

// ShortenCopied inserts through the helper that also copies.
func ShortenCopied(ctx context.Context, s *store, code, target string) error {
	_, err := s.byTarget(ctx, target)
	if errors.Is(err, pgx.ErrNoRows) {
		return s.createCopied(ctx, code, target) // ok: createCopied runs two statements, the call stands for neither
	}
	return err
}

// Replace deletes the link and inserts it anew in one transaction, going
// on when there was none to delete.
func Replace(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code, target string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := s.Remove(ctx, tx, code); err != nil && !errors.Is(err, links.ErrNotFound) {
		return err
	}
	if _, err := s.Create(ctx, tx, code, target); err != nil { // ok: Remove's ErrNotFound may be its own (no row deleted), not a failed statement
		return err
	}
	return tx.Commit(ctx)
}

// CreateBoth goes on in the transaction after the first insert failed.
func CreateBoth(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code, target string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := s.Create(ctx, tx, code, target); err != nil {
		code += "-2" // try another code
	}
	if err := s.SetClicks(ctx, tx, code, 0); err != nil { // want `SetClicks runs in the transaction after Create at line \d+ failed`
		return err
	}
	return tx.Commit(ctx)
}

// CreateTaken goes on after the server's unique violation.
func CreateTaken(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code, target string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	_, err = s.Create(ctx, tx, code, target)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		_, err = s.ByCode(ctx, tx, code) // want `ByCode runs in the transaction after Create at line \d+ failed`
	}
	if err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// CreateOrReturn returns the error of the failed insert.
func CreateOrReturn(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code, target string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := s.Create(ctx, tx, code, target); err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, 0); err != nil { // ok: runs only where the insert succeeded
		return err
	}
	return tx.Commit(ctx)
}
