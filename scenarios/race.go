package scenarios

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// race runs op rounds times on each of the trial's workers at once. Before
// each round the workers wait for each other, so that a round's operations
// meet on the same key at the same time: contention is what the scenarios
// are about. An operation that fails with a race symptom (see symptom) is
// counted and the workers go on; any other error stops the race.
func (t *trial) race(ctx context.Context, op func(ctx context.Context, worker, round int) error) (failed int, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	b := newBarrier(t.workers)
	var failures atomic.Int64
	var wg sync.WaitGroup
	for w := range t.workers {
		wg.Go(func() {
			for r := range t.rounds {
				if !b.wait(ctx) {
					return
				}
				err := op(ctx, w, r)
				t.done.Add(1)
				switch {
				case err == nil:
				case symptom(err):
					failures.Add(1)
					t.noteError(err)
				default:
					cancel(fmt.Errorf("worker %d round %d: %w", w, r, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return int(failures.Load()), nil
}

// symptom reports whether err is what a race does to a request: a missing
// row, a constraint violation, an aborted transaction, a serialization
// failure or a deadlock. Anything else (a lost connection, a bad query) is a
// failure of the run itself.
func symptom(err error) bool {
	if errors.Is(err, pgx.ErrNoRows) {
		return true
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "25P02", "40001", "40P01": // in_failed_sql_transaction, serialization_failure, deadlock_detected
		return true
	}
	return pgErr.Code[:2] == "23" // integrity_constraint_violation
}

// barrier lets n goroutines wait for each other, round after round.
type barrier struct {
	mu      sync.Mutex
	n       int
	waiting int
	release chan struct{}
}

func newBarrier(n int) *barrier {
	return &barrier{n: n, release: make(chan struct{})}
}

// wait blocks until all n goroutines called it, or ctx ends (false).
func (b *barrier) wait(ctx context.Context) bool {
	b.mu.Lock()
	release := b.release
	b.waiting++
	if b.waiting == b.n {
		b.waiting = 0
		b.release = make(chan struct{})
		close(release)
	}
	b.mu.Unlock()
	select {
	case <-release:
		return true
	case <-ctx.Done():
		return false
	}
}
