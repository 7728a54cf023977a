// Package safe holds the fixed versions of the race scenarios' naive ports
// (package naive), built on the reviewed statements of db/ and the pipeline's
// patterns: one statement per decision (ON CONFLICT, SQL-side counters,
// partial unique indexes), compare-and-set transitions, and messages that
// leave through the transactional outbox.
package safe

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
)

// Store runs the safe ports on a pool.
type Store struct {
	pool    *pgxpool.Pool
	queries *db.Queries
}

// New returns a Store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, queries: db.New()}
}
