// Package literalhelper reads and writes a row through a repository's
// methods that each run one statement of literal SQL: each call stands for
// its statement, on the handle it is given.
package literalhelper

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/flowmod/links"
)

// CountTx reads and writes in one transaction without a lock.
func CountTx(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	l, err := s.ByCode(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, l.Clicks+1); err != nil { // want `Clicks read by ByCode at line \d+ is written back by SetClicks \(lost update: read it FOR UPDATE in this transaction, or let SQL compute it\)`
		return err
	}
	return tx.Commit(ctx)
}

// Count reads and writes on the pool.
func Count(ctx context.Context, s *links.Store, code string) error {
	l, err := s.ByCode(ctx, nil, code)
	if err != nil {
		return err
	}
	return s.SetClicks(ctx, nil, code, l.Clicks+1) // want `Clicks read by ByCode at line \d+ is written back by SetClicks \(lost update: read it FOR UPDATE and write it in one transaction`
}

// CountLockedOnPool locks the row outside any transaction.
func CountLockedOnPool(ctx context.Context, s *links.Store, code string) error {
	l, err := s.ByCodeForUpdate(ctx, nil, code)
	if err != nil {
		return err
	}
	return s.SetClicks(ctx, nil, code, l.Clicks+1) // want `Clicks read by ByCodeForUpdate at line \d+ is written back by SetClicks \(lost update: ByCodeForUpdate FOR UPDATE outside a transaction locks nothing`
}

// CountPoolRead reads on the pool while the write runs in tx.
func CountPoolRead(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	n, err := s.PoolClicks(ctx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, n+1); err != nil { // want `clicks read by PoolClicks at line \d+ is written back by SetClicks \(lost update: read it FOR UPDATE in the writing transaction`
		return err
	}
	return tx.Commit(ctx)
}

// CountForUpdate reads the row FOR UPDATE in the writing transaction.
func CountForUpdate(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	l, err := s.ByCodeForUpdate(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, l.Clicks+1); err != nil { // ok: ByCodeForUpdate locked the row in tx
		return err
	}
	return tx.Commit(ctx)
}

// CountLocked locks the row through the lock helper before the read.
func CountLocked(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := links.Lock(ctx, tx, code); err != nil {
		return err
	}
	l, err := s.ByCode(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, l.Clicks+1); err != nil { // ok: links.Lock locked the row in tx before the read
		return err
	}
	return tx.Commit(ctx)
}

// CountAt writes only if the version is still the one read.
func CountAt(ctx context.Context, s *links.Store, code string) error {
	l, err := s.ByCode(ctx, nil, code)
	if err != nil {
		return err
	}
	return s.SetClicksAt(ctx, nil, code, l.Clicks+1, l.Version) // ok: compare-and-set on the version read with the value
}

// CountInSQL lets SQL add.
func CountInSQL(ctx context.Context, s *links.Store, code string) error {
	if _, err := s.ByCode(ctx, nil, code); err != nil {
		return err
	}
	return s.AddClicks(ctx, nil, code, 1) // ok: the database computes the count
}

// CountSerializable runs at SERIALIZABLE.
func CountSerializable(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	l, err := s.ByCode(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, l.Clicks+1); err != nil { // ok: SERIALIZABLE fails one of two interleaved transactions
		return err
	}
	return tx.Commit(ctx)
}

// store is this package's own repository of one-statement methods.
type store struct {
	db *pgxpool.Pool
}

func (s *store) clicks(ctx context.Context, code string) (int64, error) {
	var n int64
	err := s.db.QueryRow(ctx, "SELECT clicks FROM links WHERE code = $1", code).Scan(&n)
	return n, err
}

func (s *store) setClicks(ctx context.Context, code string, n int64) error {
	_, err := s.db.Exec(ctx, "UPDATE links SET clicks = $1 WHERE code = $2", n, code)
	return err
}

// CountLocal uses the package's own helpers.
func CountLocal(ctx context.Context, s *store, code string) error {
	n, err := s.clicks(ctx, code)
	if err != nil {
		return err
	}
	return s.setClicks(ctx, code, n+1) // want `clicks read by clicks at line \d+ is written back by setClicks`
}

// bump reads and writes inside one helper: reported in it, once.
func (s *store) bump(ctx context.Context, code string) error {
	n, err := s.clicks(ctx, code)
	if err != nil {
		return err
	}
	return s.setClicks(ctx, code, n+1) // want `clicks read by clicks at line \d+ is written back by setClicks`
}

// BumpTwice calls the read-modify-write helper.
func BumpTwice(ctx context.Context, s *store, code string) error {
	if err := s.bump(ctx, code); err != nil {
		return err
	}
	return s.bump(ctx, code) // ok: bump runs two statements, it stands for neither; its race is reported in it
}

// loadAudited reads the row and logs the read: two statements.
func (s *store) loadAudited(ctx context.Context, code string) (int64, error) {
	if _, err := s.db.Exec(ctx, "INSERT INTO audit (what) VALUES ($1)", code); err != nil {
		return 0, err
	}
	return s.clicks(ctx, code)
}

// CountAudited reads through a helper running two statements.
func CountAudited(ctx context.Context, s *store, code string) error {
	n, err := s.loadAudited(ctx, code)
	if err != nil {
		return err
	}
	return s.setClicks(ctx, code, n+1) // ok: the read runs inside loadAudited, which runs two statements, on its own parameter: txvet cannot tell it reads the row written
}

// CountStats writes back the count read beside one kept in memory.
func CountStats(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	st, err := s.StatsOf(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, st.Clicks+1); err != nil { // want `Clicks read by StatsOf at line \d+ is written back by SetClicks`
		return err
	}
	return tx.Commit(ctx)
}

// ShownStats writes the count kept in memory.
func ShownStats(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	st, err := s.StatsOf(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, st.Shown); err != nil { // ok: StatsOf sets Shown beside the row, it reads only Clicks
		return err
	}
	return tx.Commit(ctx)
}

// CountDecoded writes back a count decoded from a column.
func CountDecoded(ctx context.Context, pool *pgxpool.Pool, s *links.Store, code string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	l, err := s.Decoded(ctx, tx, code)
	if err != nil {
		return err
	}
	if err := s.SetClicks(ctx, tx, code, l.Clicks+1); err != nil { // ok: the count comes out of json.Unmarshal of a column, which txvet does not follow
		return err
	}
	return tx.Commit(ctx)
}
