package dbtest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
)

// q is stateless: every call names the connection or transaction it runs on.
var q = db.New()

func requireNoRows(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("err = %v, want pgx.ErrNoRows", err)
	}
}

func requirePgCode(t *testing.T, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != code {
		t.Fatalf("err = %v, want SQLSTATE %s", err, code)
	}
}

func requireJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("unmarshal %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("unmarshal %q: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("json = %s, want %s", got, want)
	}
}

// newJob creates a pending job without an idempotency key.
func newJob(t *testing.T, pool *pgxpool.Pool, steps int32) db.Job {
	t.Helper()
	row, err := q.JobCreate(t.Context(), pool, db.JobCreateParams{Input: []byte(`{}`), StepsTotal: steps})
	if err != nil {
		t.Fatalf("JobCreate: %v", err)
	}
	job, err := q.JobGet(t.Context(), pool, row.ID)
	if err != nil {
		t.Fatalf("JobGet: %v", err)
	}
	return job
}

// newTasks creates a job with the given status and n pending tasks with
// execution orders 0..n-1.
func newTasks(t *testing.T, pool *pgxpool.Pool, jobStatus db.JobStatus, n int) (db.Job, []db.Task) {
	t.Helper()
	job := newJob(t, pool, int32(n))
	setJobStatus(t, pool, job.ID, jobStatus)
	arg := db.TaskCreateBatchParams{JobID: job.ID}
	for i := range n {
		arg.ExecutionOrders = append(arg.ExecutionOrders, int32(i))
		arg.Handlers = append(arg.Handlers, "echo")
		arg.Params = append(arg.Params, []byte(`{}`))
	}
	tasks, err := q.TaskCreateBatch(t.Context(), pool, arg)
	if err != nil {
		t.Fatalf("TaskCreateBatch: %v", err)
	}
	return job, tasks
}

// setJobStatus and setTaskStatus put a row in a state directly, so that a
// transition can be tested from every state independently of the others.
func setJobStatus(t *testing.T, pool *pgxpool.Pool, id uuid.UUID, status db.JobStatus) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), "UPDATE jobs SET status = $2 WHERE id = $1", id, status); err != nil {
		t.Fatalf("set job status: %v", err)
	}
}

func setTaskStatus(t *testing.T, pool *pgxpool.Pool, id uuid.UUID, status db.TaskStatus) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), "UPDATE tasks SET status = $2 WHERE id = $1", id, status); err != nil {
		t.Fatalf("set task status: %v", err)
	}
}

// race runs op(ctx, worker, i) for i in [0, ops) on each of workers
// goroutines. The goroutines start together, released by one barrier once all
// of them are running, so their operations overlap. Failed operations fail
// the test once all goroutines have finished; the caller's checks still run.
func race(t *testing.T, workers, ops int, op func(ctx context.Context, worker, i int) error) {
	t.Helper()
	var (
		ready, done sync.WaitGroup
		mu          sync.Mutex
		errs        []error
	)
	barrier := make(chan struct{})
	ready.Add(workers)
	for w := range workers {
		done.Go(func() {
			ready.Done()
			<-barrier
			for i := range ops {
				if err := op(t.Context(), w, i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	ready.Wait()
	close(barrier)
	done.Wait()
	if len(errs) > 0 {
		t.Errorf("%d of %d operations failed, first: %v", len(errs), workers*ops, errs[0])
	}
}
