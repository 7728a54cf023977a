package dbtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

// The concurrency tests race workers goroutines, each on its own connection
// from the pool, through ops operations each, and then check an invariant
// that a read-then-write version of the same query breaks.
const (
	workers = 16
	ops     = 200
)

// TestConcurrentGetOrCreate races every worker through the same tokens in
// the same order: each token ends with one row, one caller told "created"
// and every caller given that row.
func TestConcurrentGetOrCreate(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	var (
		created [ops]atomic.Int32
		ids     [ops]sync.Map // worker -> session id it was given
	)
	race(t, workers, ops, func(ctx context.Context, w, i int) error {
		s, err := q.SessionGetOrCreate(ctx, pool, db.SessionGetOrCreateParams{Token: fmt.Sprint("token-", i), UserName: fmt.Sprint("worker-", w)})
		if err != nil {
			return err
		}
		if s.Created {
			created[i].Add(1)
		}
		ids[i].Store(w, s.ID)
		return nil
	})

	var duplicated, split int
	for i := range ops {
		n, err := q.SessionCount(t.Context(), pool, fmt.Sprint("token-", i))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			duplicated++
		}
		given := map[any]bool{}
		ids[i].Range(func(_, id any) bool { given[id] = true; return true })
		if len(given) != 1 {
			split++
		}
	}
	if duplicated > 0 || split > 0 {
		t.Errorf("of %d tokens, %d do not have exactly one row and %d gave their callers different rows", ops, duplicated, split)
	}
	if several, none := tally(created[:]); several+none > 0 {
		t.Errorf("of %d tokens, %d were reported created several times and %d never", ops, several, none)
	}
}

// TestConcurrentUpsert races every write to one (owner, thing): one row is
// left, each write got its own version, the version counts every write and
// the stored state is the one of the write that got the last version.
func TestConcurrentUpsert(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	key := db.OwnerStateGetParams{Owner: "ann", Thing: "lamp"}

	const total = workers * ops
	var (
		created  atomic.Int32
		versions [total + 1]atomic.Int32 // how many writes were given each version
		states   [total + 1]atomic.Value // the state written at each version
	)
	race(t, workers, ops, func(ctx context.Context, w, i int) error {
		state := fmt.Sprintf("w%d-%d", w, i)
		r, err := q.OwnerStateUpsert(ctx, pool, db.OwnerStateUpsertParams{Owner: key.Owner, Thing: key.Thing, State: state})
		if err != nil {
			return err
		}
		if r.Version < 1 || r.Version > total {
			return fmt.Errorf("version %d out of range", r.Version)
		}
		if r.Created {
			created.Add(1)
		}
		versions[r.Version].Add(1)
		states[r.Version].Store(state)
		return nil
	})

	if shared, skipped := tally(versions[1:]); shared+skipped > 0 {
		t.Errorf("%d versions were given to several writes and %d to none", shared, skipped)
	}
	if n := created.Load(); n != 1 {
		t.Errorf("created reported %d times, want 1", n)
	}
	row, err := q.OwnerStateGet(t.Context(), pool, key)
	if err != nil {
		t.Fatal(err)
	}
	if row.Version != total || row.State != states[total].Load() {
		t.Errorf("stored version %d, state %s; want %d writes and the last write's state %v", row.Version, row.State, total, states[total].Load())
	}
}

// TestConcurrentLikes races increments of one counter: none is lost and
// each caller sees a distinct new count.
func TestConcurrentLikes(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	post, err := q.PostCreate(t.Context(), pool, "hot")
	if err != nil {
		t.Fatal(err)
	}

	const total = workers * ops
	var seen [total + 1]atomic.Int32
	race(t, workers, ops, func(ctx context.Context, w, i int) error {
		likes, err := q.PostAddLikes(ctx, pool, db.PostAddLikesParams{ID: post.ID, Delta: 1})
		if err != nil {
			return err
		}
		if likes < 1 || likes > total {
			return fmt.Errorf("likes %d out of range", likes)
		}
		seen[likes].Add(1)
		return nil
	})

	got, err := q.PostGet(t.Context(), pool, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Likes != total {
		t.Errorf("likes = %d after %d increments", got.Likes, total)
	}
	if shared, skipped := tally(seen[1:]); shared+skipped > 0 {
		t.Errorf("%d counts were returned to several callers and %d to none", shared, skipped)
	}
}

// tally counts the entries of counts that are above one and those that are
// zero, for invariants where each value must be handed out exactly once.
func tally(counts []atomic.Int32) (several, none int) {
	for i := range counts {
		switch n := counts[i].Load(); {
		case n > 1:
			several++
		case n == 0:
			none++
		}
	}
	return several, none
}

// TestConcurrentTransitions races every worker through the same rows in the
// same order, each trying one compare-and-set transition per row: for every
// row exactly one racer succeeds and the others get pgx.ErrNoRows.
func TestConcurrentTransitions(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	for _, tc := range []struct {
		name string
		// setup returns the ids of ops rows ready for the transition.
		setup func(t *testing.T) []uuid.UUID
		// transition tries the transition for worker w; false when refused.
		transition func(ctx context.Context, id uuid.UUID, w int) (bool, error)
		// check looks at the row after the race.
		check func(ctx context.Context, id uuid.UUID) error
	}{
		{
			name: "TaskClaimBatch",
			setup: func(t *testing.T) []uuid.UUID {
				_, tasks := newTasks(t, pool, db.JobStatusRunning, ops)
				ids := make([]uuid.UUID, len(tasks))
				for i, task := range tasks {
					setTaskStatus(t, pool, task.ID, db.TaskStatusQueued)
					ids[i] = task.ID
				}
				return ids
			},
			transition: func(ctx context.Context, id uuid.UUID, _ int) (bool, error) {
				_, err := claimOne(ctx, pool, id)
				return cas(err)
			},
			check: func(ctx context.Context, id uuid.UUID) error {
				task, err := q.TaskGet(ctx, pool, id)
				if err == nil && (task.Status != db.TaskStatusProcessing || task.Attempts != 1) {
					err = fmt.Errorf("task %v %s after %d attempts, want processing after 1", id, task.Status, task.Attempts)
				}
				return err
			},
		},
		{
			name: "JobFinishBatch",
			setup: func(t *testing.T) []uuid.UUID {
				ids := make([]uuid.UUID, ops)
				for i := range ids {
					ids[i] = newJob(t, pool, 1).ID
					setJobStatus(t, pool, ids[i], db.JobStatusRunning)
				}
				return ids
			},
			transition: func(ctx context.Context, id uuid.UUID, w int) (bool, error) {
				_, err := finishJob(ctx, pool, id, db.JobStatusDone, fmt.Appendf(nil, `{"winner": %d}`, w), "")
				return cas(err)
			},
			check: func(ctx context.Context, id uuid.UUID) error {
				job, err := q.JobGet(ctx, pool, id)
				if err == nil && job.Status != db.JobStatusDone {
					err = fmt.Errorf("job %v %s, want done", id, job.Status)
				}
				return err
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := tc.setup(t)
			var wins [ops]atomic.Int32
			race(t, workers, ops, func(ctx context.Context, w, i int) error {
				ok, err := tc.transition(ctx, ids[i], w)
				if ok {
					wins[i].Add(1)
				}
				return err
			})
			if several, none := tally(wins[:]); several+none > 0 {
				t.Errorf("of %d rows, %d made the transition several times and %d never", ops, several, none)
			}
			for _, id := range ids {
				if err := tc.check(t.Context(), id); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// cas tells a refused compare-and-set transition (no row) from a failure.
func cas(err error) (bool, error) {
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// TestConcurrentDomainsInsert races batches of names that overlap: in
// round i every worker inserts names drawn at random, in random order and
// with repeats, from the same small set of names new to round i. No batch
// fails (no duplicate key, no deadlock), no name is stored twice, and every
// stored name was reported new to exactly one caller.
func TestConcurrentDomainsInsert(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	const (
		namesPerRound = 30
		batchSize     = 20
	)
	var (
		mu       sync.Mutex
		drawn    = map[string]bool{}
		reported = map[string]int{}
	)
	race(t, workers, ops, func(ctx context.Context, w, i int) error {
		rng := rand.New(rand.NewPCG(uint64(w), uint64(i)))
		batch := make([]string, batchSize)
		for j := range batch {
			batch[j] = fmt.Sprintf("r%d-%d.example", i, rng.IntN(namesPerRound))
		}
		added, err := q.DomainsInsert(ctx, pool, batch)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, name := range batch {
			drawn[name] = true
		}
		for _, name := range added {
			reported[name]++
		}
		return nil
	})

	rows, err := pool.Query(t.Context(), "SELECT name FROM domains")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var strays, misreported int
	for _, name := range stored {
		if !drawn[name] {
			strays++
		}
	}
	for name := range drawn {
		if reported[name] != 1 {
			misreported++
		}
	}
	if len(stored) != len(drawn) || strays > 0 || misreported > 0 {
		t.Errorf("%d rows stored for %d distinct names inserted (%d never inserted); %d names not reported new exactly once",
			len(stored), len(drawn), strays, misreported)
	}
}

// TestConcurrentOutboxClaim runs relays that each claim small batches in a
// transaction, mark them published and commit, until the outbox is empty:
// every message is claimed exactly once overall.
func TestConcurrentOutboxClaim(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	const (
		messages  = workers * ops * 2
		batchSize = 2
	)
	if _, err := pool.Exec(ctx, `INSERT INTO outbox (exchange, routing_key, body)
		SELECT 'lockstep', 'tasks', convert_to(n::text, 'UTF8') FROM generate_series(1, $1) AS n`, messages); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, "SELECT id FROM outbox")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		claimed = map[int64]int{}
		batches atomic.Int32
		// overlaps counts batches holding messages another relay had
		// already published: the relay would publish them a second time.
		overlaps atomic.Int32
	)
	// claim runs one relay transaction; it reports how many rows it claimed.
	claim := func(ctx context.Context) (int, error) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			return 0, err
		}
		defer tx.Rollback(ctx)
		batch, err := q.OutboxClaim(ctx, tx, batchSize)
		if err != nil || len(batch) == 0 {
			return 0, err
		}
		mu.Lock()
		for _, m := range batch {
			claimed[m.ID]++
		}
		mu.Unlock()
		n, err := q.OutboxMarkPublished(ctx, tx, outboxIDs(batch))
		if err != nil {
			return 0, err
		}
		if n != int64(len(batch)) {
			overlaps.Add(1)
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, err
		}
		batches.Add(1)
		return len(batch), nil
	}
	// Each worker is one relay that runs until it finds nothing to claim.
	race(t, workers, 1, func(ctx context.Context, _, _ int) error {
		for {
			n, err := claim(ctx)
			if err != nil || n == 0 {
				return err
			}
		}
	})

	var several, none int
	for _, id := range ids {
		switch n := claimed[id]; {
		case n > 1:
			several++
		case n == 0:
			none++
		}
	}
	if several+none > 0 || overlaps.Load() > 0 {
		t.Errorf("of %d messages, %d were claimed several times and %d never; %d batches held messages already published",
			len(ids), several, none, overlaps.Load())
	}
	lag, err := q.OutboxLag(ctx, pool)
	if err != nil || lag.Pending != 0 {
		t.Errorf("OutboxLag = %+v, %v; want nothing pending", lag, err)
	}
	t.Logf("%d messages claimed in %d batches", len(ids), batches.Load())
}

// TestConcurrentTransferCreate races every worker through the same tokens in
// the same order: the partial unique index lets exactly one live transfer
// per token through and the others get no row.
func TestConcurrentTransferCreate(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	var wins [ops]atomic.Int32
	race(t, workers, ops, func(ctx context.Context, w, i int) error {
		_, err := q.TransferCreate(ctx, pool, db.TransferCreateParams{Token: fmt.Sprint("token-", i), Amount: int64(w)})
		ok, err := cas(err)
		if ok {
			wins[i].Add(1)
		}
		return err
	})

	if several, none := tally(wins[:]); several+none > 0 {
		t.Errorf("of %d tokens, %d were created live several times and %d never", ops, several, none)
	}
	var notOne int
	for i := range ops {
		n, err := q.TransferCountLive(t.Context(), pool, fmt.Sprint("token-", i))
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			notOne++
		}
	}
	if notOne > 0 {
		t.Errorf("of %d tokens, %d do not have exactly one live transfer", ops, notOne)
	}
	var total int64
	if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM transfers").Scan(&total); err != nil || total != ops {
		t.Errorf("%d transfers stored (%v), want %d", total, err, ops)
	}
}
