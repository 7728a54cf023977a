// Package naive holds the naive Go ports of the race scenarios in
// docs/scenarios.md: the code an ORM user writes naturally (a plain read, a
// decision in Go, a full-row write; check-then-insert; publish inside the
// transaction or before the save). Every function here is wrong on purpose
// and in the way the incident it ports was wrong; `lockstep race` shows the
// damage and txvet must flag each one. Package safe holds the fixes.
//
// Never copy anything from this package.
package naive

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// Store is what an ORM gives its user: a query object bound to a pool,
// autocommit by default, and the pool for explicit transactions.
type Store struct {
	pool    *pgxpool.Pool
	queries *naivedb.Queries
	think   time.Duration
}

// New returns a Store on pool whose ports pause for think between their read
// and their write.
//
// The pause stands for the work a real request does there (validation,
// rendering, a call to another service). It is a stated part of each port:
// it widens the window the race needs so that a short run on a 2-core machine
// shows it reliably. It does not cause the race, which exists at any width.
func New(pool *pgxpool.Pool, think time.Duration) *Store {
	return &Store{pool: pool, queries: naivedb.New(pool), think: think}
}

// work stands for the request's work between its read and its write.
func (s *Store) work() { time.Sleep(s.think) }
