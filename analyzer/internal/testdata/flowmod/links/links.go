// Package links is a hand-written pgx repository: each method runs one
// statement of literal SQL on the DBTX it is given, or on the pool when it
// is given nil, the way many services write their data layer.
package links

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when there is no such link.
var ErrNotFound = errors.New("links: not found")

// DBTX is a pool or a transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Link is a row of links.
type Link struct {
	ID        int64
	Code      string
	TargetURL string
	Clicks    int64
	Version   int64
}

// Store runs the statements on the DBTX given, the pool when it is nil.
type Store struct {
	pool *pgxpool.Pool
}

// ByTarget returns ErrNotFound when no link has the target.
func (s *Store) ByTarget(ctx context.Context, db DBTX, target string) (Link, error) {
	if db == nil {
		db = s.pool
	}
	var l Link
	err := db.QueryRow(ctx, "SELECT id, code, target_url, clicks, version FROM links WHERE target_url = $1", target).
		Scan(&l.ID, &l.Code, &l.TargetURL, &l.Clicks, &l.Version)
	if err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Link{}, ErrNotFound
		}
		return Link{}, fmt.Errorf("link of %s: %w", target, err)
	}
	return l, nil
}

// ByCode returns the read's error as it is.
func (s *Store) ByCode(ctx context.Context, db DBTX, code string) (Link, error) {
	if db == nil {
		db = s.pool
	}
	var l Link
	err := db.QueryRow(ctx, "SELECT id, code, target_url, clicks, version FROM links WHERE code = $1", code).
		Scan(&l.ID, &l.Code, &l.TargetURL, &l.Clicks, &l.Version)
	return l, err
}

// ByCodeForUpdate locks the row in the transaction db is.
func (s *Store) ByCodeForUpdate(ctx context.Context, db DBTX, code string) (Link, error) {
	if db == nil {
		db = s.pool
	}
	var l Link
	err := db.QueryRow(ctx, "SELECT id, code, target_url, clicks, version FROM links WHERE code = $1 FOR UPDATE", code).
		Scan(&l.ID, &l.Code, &l.TargetURL, &l.Clicks, &l.Version)
	return l, err
}

// Lock locks the row in tx.
func Lock(ctx context.Context, tx pgx.Tx, code string) error {
	_, err := tx.Exec(ctx, "SELECT 1 FROM links WHERE code = $1 FOR UPDATE", code)
	return err
}

// Create inserts a link.
func (s *Store) Create(ctx context.Context, db DBTX, code, target string) (Link, error) {
	if db == nil {
		db = s.pool
	}
	l := Link{Code: code, TargetURL: target}
	err := db.QueryRow(ctx, "INSERT INTO links (code, target_url) VALUES ($1, $2) RETURNING id", code, target).Scan(&l.ID)
	return l, err
}

// CreateIfAbsent inserts a link unless one has the target.
func (s *Store) CreateIfAbsent(ctx context.Context, db DBTX, code, target string) error {
	if db == nil {
		db = s.pool
	}
	_, err := db.Exec(ctx, "INSERT INTO links (code, target_url) VALUES ($1, $2) ON CONFLICT (target_url) DO NOTHING", code, target)
	return err
}

// CreateAudited inserts a link and an audit row: two statements, so no
// call of it stands for one.
func (s *Store) CreateAudited(ctx context.Context, db DBTX, code, target string) error {
	if db == nil {
		db = s.pool
	}
	if _, err := db.Exec(ctx, "INSERT INTO links (code, target_url) VALUES ($1, $2)", code, target); err != nil {
		return err
	}
	_, err := db.Exec(ctx, "INSERT INTO audit (what) VALUES ($1)", code)
	return err
}

// SetClicks overwrites the click count.
func (s *Store) SetClicks(ctx context.Context, db DBTX, code string, clicks int64) error {
	if db == nil {
		db = s.pool
	}
	_, err := db.Exec(ctx, "UPDATE links SET clicks = $2 WHERE code = $1", code, clicks)
	return err
}

// SetClicksAt overwrites the click count if the version is still the one
// read.
func (s *Store) SetClicksAt(ctx context.Context, db DBTX, code string, clicks, version int64) error {
	if db == nil {
		db = s.pool
	}
	_, err := db.Exec(ctx, "UPDATE links SET clicks = $2, version = version + 1 WHERE code = $1 AND version = $3", code, clicks, version)
	return err
}

// AddClicks adds to the click count in SQL.
func (s *Store) AddClicks(ctx context.Context, db DBTX, code string, n int64) error {
	if db == nil {
		db = s.pool
	}
	_, err := db.Exec(ctx, "UPDATE links SET clicks = clicks + $2 WHERE code = $1", code, n)
	return err
}

// PoolClicks reads the click count on the pool, whatever the caller's
// transaction.
func (s *Store) PoolClicks(ctx context.Context, code string) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT clicks FROM links WHERE code = $1", code).Scan(&n)
	return n, err
}

// Other is another handle: the helper below may run on it instead of the
// one given.
var Other DBTX

// SetClicksSomewhere runs on Other when it is set, whatever it is given.
func (s *Store) SetClicksSomewhere(ctx context.Context, db DBTX, code string, clicks int64) error {
	if Other != nil {
		db = Other
	}
	_, err := db.Exec(ctx, "UPDATE links SET clicks = $2 WHERE code = $1", code, clicks)
	return err
}

// Stats is a link's counts as a dashboard shows them.
type Stats struct {
	Clicks int64
	Shown  int64
}

var shown atomic.Int64

// StatsOf reads the click count; Shown is counted in memory.
func (s *Store) StatsOf(ctx context.Context, db DBTX, code string) (Stats, error) {
	if db == nil {
		db = s.pool
	}
	st := Stats{Shown: shown.Add(1)}
	err := db.QueryRow(ctx, "SELECT clicks FROM links WHERE code = $1", code).Scan(&st.Clicks)
	return st, err
}

// Decoded reads a link kept as JSON in a column.
func (s *Store) Decoded(ctx context.Context, db DBTX, code string) (*Link, error) {
	if db == nil {
		db = s.pool
	}
	var raw []byte
	if err := db.QueryRow(ctx, "SELECT body FROM links WHERE code = $1", code).Scan(&raw); err != nil {
		return nil, err
	}
	var l Link
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// Enqueue writes a message to the outbox.
func (s *Store) Enqueue(ctx context.Context, db DBTX, topic string, body []byte) error {
	if db == nil {
		db = s.pool
	}
	_, err := db.Exec(ctx, "INSERT INTO outbox (topic, body) VALUES ($1, $2)", topic, body)
	return err
}

// MarkSent marks an outbox message published.
func (s *Store) MarkSent(ctx context.Context, db DBTX, id int64) error {
	if db == nil {
		db = s.pool
	}
	_, err := db.Exec(ctx, "UPDATE outbox SET sent_at = now() WHERE id = $1", id)
	return err
}

// Remove deletes the link; ErrNotFound when there was none, told by the
// count of rows deleted, not by the server.
func (s *Store) Remove(ctx context.Context, db DBTX, code string) error {
	if db == nil {
		db = s.pool
	}
	tag, err := db.Exec(ctx, "DELETE FROM links WHERE code = $1", code)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
