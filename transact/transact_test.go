package transact_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/transact"
)

// raise makes the server abort the statement with the given SQLSTATE, so the
// error reaches Run exactly as a real one would.
func raise(ctx context.Context, tx pgx.Tx, code string) error {
	_, err := tx.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN RAISE EXCEPTION 'forced %[1]s' USING ERRCODE = '%[1]s'; END $$`, code))
	return err
}

func countSessions(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM sessions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func insertSession(ctx context.Context, tx pgx.Tx, token string) error {
	_, err := tx.Exec(ctx, "INSERT INTO sessions (token, user_name) VALUES ($1, 'ann')", token)
	return err
}

func TestRunCommits(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	err := transact.Run(ctx, pool, transact.Options{}, func(tx pgx.Tx) error {
		return insertSession(ctx, tx, "t1")
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := countSessions(t, pool); n != 1 {
		t.Fatalf("%d rows after a committed Run, want 1", n)
	}
}

func TestRunIsolation(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	for _, tc := range []struct {
		level pgx.TxIsoLevel
		want  string
	}{
		{"", "read committed"}, // the server's default
		{pgx.ReadCommitted, "read committed"},
		{pgx.RepeatableRead, "repeatable read"},
		{pgx.Serializable, "serializable"},
	} {
		var got string
		err := transact.Run(t.Context(), pool, transact.Options{Isolation: tc.level}, func(tx pgx.Tx) error {
			return tx.QueryRow(t.Context(), "SHOW transaction_isolation").Scan(&got)
		})
		if err != nil || got != tc.want {
			t.Fatalf("Isolation %q: transaction ran at %q (%v), want %q", tc.level, got, err, tc.want)
		}
	}
}

func TestRunRollsBackOnError(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	errRefused := errors.New("refused")
	calls := 0
	err := transact.Run(ctx, pool, transact.Options{}, func(tx pgx.Tx) error {
		calls++
		if err := insertSession(ctx, tx, "t1"); err != nil {
			return err
		}
		return errRefused
	})
	if !errors.Is(err, errRefused) || calls != 1 {
		t.Fatalf("Run = %v after %d calls, want errRefused after 1", err, calls)
	}
	if n := countSessions(t, pool); n != 0 {
		t.Fatalf("%d rows after fn failed, want 0", n)
	}
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still acquired", n)
	}
}

func TestRunRollsBackOnPanic(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	recovered := func() (v any) {
		defer func() { v = recover() }()
		transact.Run(ctx, pool, transact.Options{}, func(tx pgx.Tx) error {
			if err := insertSession(ctx, tx, "t1"); err != nil {
				return err
			}
			panic("handler bug")
		})
		return nil
	}()
	if recovered != "handler bug" {
		t.Fatalf("recovered %v, want the handler's panic to propagate", recovered)
	}
	if n := countSessions(t, pool); n != 0 {
		t.Fatalf("%d rows after fn panicked, want 0", n)
	}
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still acquired", n)
	}
}

// TestRunAttempts checks which server errors are retried and that Attempts
// bounds the runs of fn, the first one included.
func TestRunAttempts(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	for _, tc := range []struct {
		code      string
		attempts  int
		wantCalls int
	}{
		{"40001", 3, 3}, // serialization_failure
		{"40P01", 4, 4}, // deadlock_detected
		{"40001", 1, 1},
		{"40001", 0, transact.DefaultAttempts},
		{"23505", 3, 1}, // unique_violation: retrying cannot help
		{"P0001", 3, 1}, // raise_exception
	} {
		t.Run(fmt.Sprintf("%s/attempts_%d", tc.code, tc.attempts), func(t *testing.T) {
			ctx := t.Context()
			calls := 0
			err := transact.Run(ctx, pool, transact.Options{Attempts: tc.attempts, Backoff: time.Millisecond}, func(tx pgx.Tx) error {
				calls++
				return raise(ctx, tx, tc.code)
			})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != tc.code {
				t.Fatalf("Run = %v, want the server's %s error", err, tc.code)
			}
			if calls != tc.wantCalls {
				t.Fatalf("fn ran %d times, want %d", calls, tc.wantCalls)
			}
		})
	}
}

// TestRunRetriesInFreshTransactions fails twice, then succeeds: only the
// last attempt's writes are committed.
func TestRunRetriesInFreshTransactions(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	calls := 0
	err := transact.Run(ctx, pool, transact.Options{Attempts: 3, Backoff: time.Millisecond}, func(tx pgx.Tx) error {
		calls++
		if err := insertSession(ctx, tx, fmt.Sprint("attempt-", calls)); err != nil {
			return err
		}
		if calls < 3 {
			return raise(ctx, tx, "40001")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Run = %v after %d calls, want success on the third", err, calls)
	}
	var tokens []string
	rows, err := pool.Query(ctx, "SELECT token FROM sessions")
	if err == nil {
		tokens, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	if err != nil || len(tokens) != 1 || tokens[0] != "attempt-3" {
		t.Fatalf("committed rows %v (%v), want only attempt-3", tokens, err)
	}
}

func TestRunStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	calls := 0
	// The first attempt fails with a retryable error and ends the context,
	// so Run must give up during the pause instead of running fn again.
	err := transact.Run(ctx, pool, transact.Options{Attempts: 5, Backoff: time.Hour}, func(tx pgx.Tx) error {
		calls++
		err := raise(ctx, tx, "40001")
		cancel()
		return err
	})
	if !errors.Is(err, context.Canceled) || !transact.Retryable(err) || calls != 1 {
		t.Fatalf("Run = %v after %d calls, want context.Canceled joined with the 40001 after 1", err, calls)
	}
}

// TestRunSurvivesSerializationFailures races SERIALIZABLE transactions that
// read a counter and write it back incremented. Concurrent ones conflict and
// the server aborts all but one with 40001; Run retries them until every
// increment is committed exactly once.
func TestRunSurvivesSerializationFailures(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	const (
		workers    = 16
		increments = 25
	)
	var id int64
	if err := pool.QueryRow(ctx, "INSERT INTO posts (title) VALUES ('counter') RETURNING id").Scan(&id); err != nil {
		t.Fatal(err)
	}
	opts := transact.Options{Isolation: pgx.Serializable, Attempts: 100, Backoff: time.Millisecond}
	var (
		runs, commits atomic.Int64
		mu            sync.Mutex
		maxRuns       int // the most runs one increment needed
		errs          []error
		ready, done   sync.WaitGroup
	)
	barrier := make(chan struct{})
	ready.Add(workers)
	for range workers {
		done.Go(func() {
			ready.Done()
			<-barrier
			for range increments {
				var ran int
				err := transact.Run(ctx, pool, opts, func(tx pgx.Tx) error {
					ran++
					runs.Add(1)
					var n int64
					if err := tx.QueryRow(ctx, "SELECT likes FROM posts WHERE id = $1", id).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, "UPDATE posts SET likes = $2 WHERE id = $1", id, n+1)
					return err
				})
				mu.Lock()
				maxRuns = max(maxRuns, ran)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err == nil {
					commits.Add(1)
				}
			}
		})
	}
	ready.Wait()
	close(barrier)
	done.Wait()

	if len(errs) > 0 {
		t.Fatalf("%d transactions failed, first: %v", len(errs), errs[0])
	}
	var likes int64
	if err := pool.QueryRow(ctx, "SELECT likes FROM posts WHERE id = $1", id).Scan(&likes); err != nil {
		t.Fatal(err)
	}
	if likes != workers*increments || commits.Load() != workers*increments {
		t.Fatalf("counter = %d after %d commits, want %d", likes, commits.Load(), workers*increments)
	}
	// Without conflicts the test would prove nothing about retries.
	if runs.Load() == commits.Load() {
		t.Fatalf("no transaction was retried; the race did not happen")
	}
	t.Logf("%d increments committed in %d runs, at most %d for one", commits.Load(), runs.Load(), maxRuns)
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("plain"), false},
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{fmt.Errorf("commit: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "23505"}, false},
		{&pgconn.PgError{Code: "57014"}, false}, // query_canceled
	} {
		if got := transact.Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestTransient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("plain"), false},
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown: a terminated backend
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot_connect_now: starting up
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{&pgconn.PgError{Code: "53300"}, true}, // too_many_connections
		{fmt.Errorf("load: %w", pgconn.ErrConnClosed), true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation: the data, not the moment
		{&pgconn.PgError{Code: "22P02"}, false}, // invalid_text_representation
		{&pgconn.PgError{Code: "57014"}, false}, // query_canceled
	} {
		if got := transact.Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// What a real terminated backend returns, on the statement it was running
// and on the next use of its connection, is transient.
func TestTransientOnTerminatedBackend(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()
	victim, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	pid := victim.PgConn().PID()
	sleeping := make(chan error, 1)
	go func() {
		_, err := victim.Exec(ctx, "SELECT pg_sleep(30)")
		sleeping <- err
	}()
	var terminated bool
	for try := 0; !terminated; try++ {
		if try == 1000 {
			t.Fatal("the victim's statement never became active")
		}
		err := pool.QueryRow(ctx, "SELECT pg_terminate_backend($1) FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", pid).Scan(&terminated)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-sleeping; !transact.Transient(err) {
		t.Errorf("running statement: Transient(%v) = false", err)
	}
	if _, err := victim.Exec(ctx, "SELECT 1"); err == nil || !transact.Transient(err) {
		t.Errorf("next statement: Transient(%v) = false", err)
	}
}
