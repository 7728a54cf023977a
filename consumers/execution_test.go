package consumers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/jobs"
)

// Handlers run outside database transactions and concurrently: 24 handlers
// that each wait until all 24 are running at once complete, on a pool of
// 4 connections. Run inside transactions (or one after another) at most 4
// (or 1) could be in flight and the barrier would never open.
func TestHandlersRunConcurrentlyOutsideTransactions(t *testing.T) {
	t.Parallel()
	const n = 24
	b := newBroker(t)
	p := &pipeline{t: t, b: b, cfg: testConfig(t, smallPool(t, 4), b.topo)}
	var gauge concurrency
	all := make(chan struct{})
	var once sync.Once
	handlers := testHandlers()
	handlers["barrier"] = HandlerFunc(func(ctx context.Context, _, input json.RawMessage) (json.RawMessage, error) {
		now := gauge.enter()
		defer gauge.leave()
		if now == n {
			once.Do(func() { close(all) })
		}
		select {
		case <-all:
			return input, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{Handlers: handlers, HandlerSlots: n, StepTimeout: time.Minute}))
	start(t, p.results())
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = p.submit(fmt.Sprintf(`"%d"`, i), step("barrier", `{}`))
	}
	for i, id := range ids {
		p.assertCompleted(id, fmt.Sprintf(`"%d"`, i))
		if task := p.tasks(id)[0]; task.Attempts != 1 {
			t.Errorf("job %d: %d attempts, want 1", i, task.Attempts)
		}
	}
	if got := gauge.peak.Load(); got != n {
		t.Errorf("at most %d handlers ran at once, want %d", got, n)
	}
}

// HandlerSlots bounds the handlers running at once in one executor.
func TestHandlerSlotsBoundConcurrency(t *testing.T) {
	t.Parallel()
	const slots, jobCount = 3, 15
	p := newPipeline(t)
	var gauge concurrency
	handlers := testHandlers()
	handlers["count"] = HandlerFunc(func(ctx context.Context, _, input json.RawMessage) (json.RawMessage, error) {
		gauge.enter()
		defer gauge.leave()
		time.Sleep(20 * time.Millisecond) // long enough for others to pile up
		return input, nil
	})
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{Handlers: handlers, HandlerSlots: slots}))
	start(t, p.results())
	var ids []uuid.UUID
	for range jobCount {
		ids = append(ids, p.submit(`"x"`, step("count", `{}`)))
	}
	for _, id := range ids {
		p.assertCompleted(id, `"x"`)
	}
	if got := gauge.peak.Load(); got > slots || got < 2 {
		t.Errorf("peak of %d handlers at once, want 2 to %d", got, slots)
	}
}

// A step's timeout ends its handler's context; the attempt fails with the
// timeout and is retried, and the step's own timeout_ms wins over the
// default.
func TestStepTimeoutCancelsHandler(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	handlers := testHandlers()
	var sawDeadline atomic.Int32
	handlers["hang"] = HandlerFunc(func(ctx context.Context, _, _ json.RawMessage) (json.RawMessage, error) {
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < time.Second {
			sawDeadline.Add(1)
		}
		<-ctx.Done()
		return nil, ctx.Err()
	})
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{Handlers: handlers, MaxAttempts: 2, StepTimeout: time.Hour}))
	start(t, p.results())
	id := p.submit(`"x"`, jobs.Step{Handler: "hang", TimeoutMS: 50})
	job := p.waitJob(id, db.JobStatusFailed)
	if job.Error == nil || !strings.Contains(*job.Error, "timed out") {
		t.Errorf("job error %v, want the timeout", job.Error)
	}
	task := p.tasks(id)[0]
	if task.Attempts != 2 || task.Error == nil || !strings.Contains(*task.Error, "step timed out after 50ms") {
		t.Errorf("task: %d attempts, error %v; want 2 attempts that timed out", task.Attempts, task.Error)
	}
	if sawDeadline.Load() != 2 {
		t.Errorf("%d attempts saw the step's 50ms deadline, want 2", sawDeadline.Load())
	}
}

// Stopping a job cancels its running handler, and nothing is recorded for
// the cancelled attempt.
func TestStopCancelsRunningHandler(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	handlers := testHandlers()
	running := make(chan struct{}, 1)
	cancelled := make(chan error, 1)
	handlers["wait"] = HandlerFunc(func(ctx context.Context, _, _ json.RawMessage) (json.RawMessage, error) {
		running <- struct{}{}
		<-ctx.Done()
		cancelled <- context.Cause(ctx)
		return nil, ctx.Err()
	})
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{Handlers: handlers, WatchInterval: 20 * time.Millisecond}))
	start(t, p.results())
	id := p.submit(`"x"`, step("wait", `{}`))
	<-running
	if _, err := jobs.Stop(context.Background(), p.cfg.Pool, p.cfg.Topology, id); err != nil {
		t.Fatal(err)
	}
	select {
	case cause := <-cancelled:
		if !errors.Is(cause, errTaskMoved) {
			t.Errorf("handler cancelled by %v, want the stop", cause)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the stopped job's handler was not cancelled")
	}
	task := p.tasks(id)[0]
	if task.Status != db.TaskStatusStopped || task.Attempts != 1 {
		t.Errorf("task %s after %d attempts, want stopped after 1", task.Status, task.Attempts)
	}
}

// A handler that runs longer than the lease keeps its task: the executor
// renews the lease while it runs, and the sweeper leaves it alone.
func TestLeaseIsRenewedWhileHandlerRuns(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{
		StepTimeout: time.Minute, Lease: 1500 * time.Millisecond, WatchInterval: 50 * time.Millisecond, SweepInterval: 50 * time.Millisecond,
	}))
	start(t, p.results())
	// Over three leases long: without renewals the sweeper would take it back.
	id := p.submit(`"x"`, step("sleep", `{"ms":5000}`))
	p.assertCompleted(id, `"x"`) // after one attempt: never rescued
}

// A worker whose lease expired loses its task: the sweeper queues it again,
// a new attempt completes it, and the old worker's late outcome changes
// nothing. The handler's idempotency key names each attempt.
func TestExpiredLeaseIsRescuedAndFenced(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	handlers := testHandlers()
	release := make(chan struct{})
	keys := make(chan string, 4)
	handlers["stuck-once"] = HandlerFunc(func(ctx context.Context, _, _ json.RawMessage) (json.RawMessage, error) {
		a, _ := AttemptFrom(ctx)
		keys <- a.IdempotencyKey()
		if a.Number == 1 {
			<-release // a hung worker: ignores its context
			return json.Marshal("stale")
		}
		return json.Marshal(fmt.Sprintf("attempt %d", a.Number))
	})
	start(t, p.relay(RelayOptions{}))
	e := p.executorWith(ExecutorOptions{
		Handlers: handlers, StepTimeout: 50 * time.Millisecond, Lease: 50 * time.Millisecond,
		SweepInterval: 20 * time.Millisecond, WatchInterval: 10 * time.Millisecond,
	})
	// changedByFirst reports, once the late first attempt's outcome was
	// recorded, how many tasks that record changed.
	changedByFirst := make(chan int, 1)
	e.x.recorded = func(batch []outcome, changed []db.Task) {
		for _, o := range batch {
			if o.task.Attempts == 1 && o.task.Handler == "stuck-once" {
				changedByFirst <- len(changed)
			}
		}
	}
	start(t, e)
	start(t, p.results())
	id := p.submit(`"x"`, step("stuck-once", `{}`))
	p.assertCompletedAfter(id, `"attempt 2"`, 2)
	close(release)
	select {
	case n := <-changedByFirst:
		if n != 0 {
			t.Errorf("the lost attempt's record changed %d tasks, want 0", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the hung attempt's outcome never reached the recorder")
	}
	task := p.tasks(id)[0]
	if task.Status != db.TaskStatusDone || task.Attempts != 2 || string(task.Result) != `"attempt 2"` {
		t.Errorf("task %s after %d attempts with %s, want done after 2 with attempt 2's result", task.Status, task.Attempts, task.Result)
	}
	if got := p.eventCounts(id); got["job.done"] != 1 || got["job.step_done"] != 1 {
		t.Errorf("events %v, want one step and one job done", got)
	}
	first, second := <-keys, <-keys
	if first != id2key(task.ID, 1) || second != id2key(task.ID, 2) {
		t.Errorf("idempotency keys %q, %q", first, second)
	}
}

func id2key(id uuid.UUID, n int) string { return Attempt{TaskID: id, Number: n}.IdempotencyKey() }

// Shutdown is bounded: at ShutdownTimeout running handlers are cancelled
// and their tasks left leased; nothing is lost, as another executor
// rescues and completes them after the lease.
func TestShutdownTimeoutAbandonsToLeaseRescue(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	p.cfg.ShutdownTimeout = 200 * time.Millisecond
	handlers := testHandlers()
	var started atomic.Int32
	handlers["slow"] = HandlerFunc(func(ctx context.Context, _, input json.RawMessage) (json.RawMessage, error) {
		if a, _ := AttemptFrom(ctx); a.Number > 1 {
			return input, nil
		}
		started.Add(1)
		select {
		case <-time.After(time.Minute):
			return input, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	start(t, p.relay(RelayOptions{}))
	start(t, p.results())
	opts := ExecutorOptions{Handlers: handlers, StepTimeout: 2 * time.Minute, Lease: time.Minute, SweepInterval: 20 * time.Millisecond}
	first := p.executorWith(opts)
	done := make(chan error, 1)
	go func() { done <- first.Run(context.Background()) }()
	const n = 5
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = p.submit(`"x"`, step("slow", `{}`))
	}
	waitFor(t, "every handler to start", func() (bool, error) { return started.Load() == n, nil })
	began := time.Now()
	first.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("shutdown took %s with a 200ms timeout", took)
	}
	for _, id := range ids {
		if task := p.tasks(id)[0]; task.Status != db.TaskStatusProcessing || task.Attempts != 1 {
			t.Fatalf("abandoned task %s after %d attempts, want processing (leased) after 1", task.Status, task.Attempts)
		}
	}
	// The lease (a minute) is cut short so the test need not wait for it.
	if _, err := p.cfg.Pool.Exec(context.Background(), "UPDATE tasks SET lease_until = clock_timestamp() WHERE status = 'processing'"); err != nil {
		t.Fatal(err)
	}
	start(t, p.executorWith(opts))
	for _, id := range ids {
		p.assertCompletedAfter(id, `"x"`, 2)
	}
}

// smallPool is a test database pool of at most conns connections.
func smallPool(t *testing.T, conns int32) *pgxpool.Pool {
	pool := testdb.New(t)
	cfg := pool.Config()
	cfg.MaxConns = conns
	small, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(small.Close)
	return small
}

// The http handler's client refuses an inward address at the dial (here
// 127.0.0.2, outside the tests' allowed 127.0.0.1/32): the step fails for
// good after one attempt, and nothing was sent.
func TestHTTPHandlerRefusesInwardAddresses(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{Handlers: DemoHandlers(p.cfg.Outbound)}))
	start(t, p.results())
	id := p.submit(`{}`, step("http", `{"url": "http://127.0.0.2:1/"}`))
	p.waitJob(id, db.JobStatusFailed)
	task := p.tasks(id)[0]
	if task.Attempts != 1 || task.Error == nil || !strings.Contains(*task.Error, "127.0.0.2 is a loopback address") {
		t.Errorf("task after %d attempts with error %v, want one refused attempt", task.Attempts, task.Error)
	}
}

// concurrency counts handlers running at once and the most seen.
type concurrency struct {
	now, peak atomic.Int32
}

// enter counts one more running handler and returns how many run now.
func (c *concurrency) enter() int32 {
	now := c.now.Add(1)
	for {
		old := c.peak.Load()
		if now <= old || c.peak.CompareAndSwap(old, now) {
			return now
		}
	}
}

func (c *concurrency) leave() { c.now.Add(-1) }
