package consumers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
)

// ExecutorOptions tune the task executor; zero fields take the defaults.
type ExecutorOptions struct {
	// Handlers by name; nil means DemoHandlers with Config.Outbound.
	Handlers Handlers
	// MaxAttempts bounds how often a task runs before it fails for good.
	MaxAttempts int
	// HandlerSlots bounds how many handlers run at once in this process,
	// whatever the prefetch and the database pool size.
	HandlerSlots int
	// StepTimeout is a step's handler timeout when its job spec sets none.
	StepTimeout time.Duration
	// Lease is how long a claim holds without renewal. The executor renews
	// its running tasks' leases while their handlers run, so the sweeper
	// rescues a crashed worker's tasks about Lease after the crash, and a
	// hung handler's task Lease after the step's timeout.
	Lease time.Duration
	// RetryBackoff is the mean pause before a failed task's second attempt;
	// it doubles with each attempt up to MaxRetryBackoff, jittered.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// SweepInterval is how often the sweeper rescues expired leases and
	// re-sends queued tasks whose message may be lost.
	SweepInterval time.Duration
	// StaleAfter is how long a task may stay queued before the sweeper
	// sends its message again.
	StaleAfter time.Duration
	// WatchInterval is how often running handlers are checked against the
	// database: a handler whose job was stopped, or whose task was rescued
	// from it, is cancelled; leases close to expiring are renewed. It must be
	// well under Lease.
	WatchInterval time.Duration
}

// Executor defaults.
const (
	DefaultMaxAttempts     = 3
	DefaultHandlerSlots    = 100
	DefaultStepTimeout     = 30 * time.Second
	DefaultLease           = 30 * time.Second
	DefaultRetryBackoff    = time.Second
	DefaultMaxRetryBackoff = time.Minute
	DefaultSweepInterval   = 5 * time.Second
	DefaultStaleAfter      = 5 * time.Minute
	DefaultWatchInterval   = time.Second
)

func (o ExecutorOptions) withDefaults(cfg Config) ExecutorOptions {
	if o.Handlers == nil {
		o.Handlers = DemoHandlers(cfg.Outbound)
	}
	orDefault(&o.MaxAttempts, DefaultMaxAttempts)
	orDefault(&o.HandlerSlots, DefaultHandlerSlots)
	orDefault(&o.StepTimeout, DefaultStepTimeout)
	orDefault(&o.Lease, DefaultLease)
	orDefault(&o.RetryBackoff, DefaultRetryBackoff)
	orDefault(&o.MaxRetryBackoff, DefaultMaxRetryBackoff)
	orDefault(&o.SweepInterval, DefaultSweepInterval)
	orDefault(&o.StaleAfter, DefaultStaleAfter)
	orDefault(&o.WatchInterval, DefaultWatchInterval)
	return o
}

func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Executor consumes topo.Tasks (docs/architecture.md, "Execution"). A batch
// of task messages is claimed in one statement (queued -> processing, the
// attempt counted, a lease granted) and acked; each claimed task's handler
// then runs outside any transaction in one of HandlerSlots slots, with its
// step's timeout; outcomes are recorded in batches, each in one short
// transaction fenced by the attempt number, with the result (or retry)
// message in the outbox. A sweeper rescues tasks whose lease expired and
// re-sends queued tasks whose message may be lost. Handler side effects are
// at-least-once: a crash after a handler's effect and before its record
// runs it again, with a new attempt number.
type Executor struct {
	lifecycle
	*consumer
	x *executor
}

type executor struct {
	cfg   Config
	opts  ExecutorOptions
	slots chan struct{}
	// done carries finished attempts to the recorder.
	done chan outcome
	// handlers counts running handler goroutines.
	handlers sync.WaitGroup
	// base is the handlers' and the recorder's context: it ends at the
	// shutdown deadline, abandoning what is left to the lease rescue.
	base context.Context

	mu      sync.Mutex
	running map[uuid.UUID]*attemptRun

	// recorded, when set by a test, sees each committed record batch and
	// the tasks it changed.
	recorded func(batch []outcome, changed []db.Task)
}

// attemptRun is a handler in flight.
type attemptRun struct {
	attempt int32
	cancel  context.CancelCauseFunc
}

// outcome is a finished attempt on its way to the recorder.
type outcome struct {
	task   db.Task
	output json.RawMessage
	err    error
	ran    time.Duration
}

var (
	errStepTimeout = errors.New("step timed out")
	errTaskMoved   = errors.New("task stopped or rescued from this worker")
	errShutdown    = errors.New("executor shut down before the step finished")
)

// NewExecutor validates cfg and returns an executor ready to Run.
func NewExecutor(cfg Config, opts ExecutorOptions) (*Executor, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults(cfg)
	if opts.WatchInterval >= opts.Lease/2 {
		return nil, fmt.Errorf("consumers: WatchInterval %s must be under half the Lease %s, or leases expire before they are renewed", opts.WatchInterval, opts.Lease)
	}
	x := &executor{
		cfg:     cfg,
		opts:    opts,
		slots:   make(chan struct{}, opts.HandlerSlots),
		done:    make(chan outcome, opts.HandlerSlots),
		running: make(map[uuid.UUID]*attemptRun),
	}
	return &Executor{
		consumer: &consumer{cfg: cfg, name: "executor", queue: cfg.Topology.Tasks, maxBatch: cfg.MaxBatch, handle: x.claim},
		x:        x,
	}, nil
}

// Run consumes task messages until ctx ends or Close is called. It then
// stops consuming and gives running handlers until cfg.ShutdownTimeout to
// finish and be recorded; at that deadline their contexts are cancelled and
// their tasks left to the lease rescue.
func (e *Executor) Run(ctx context.Context) error {
	ctx, end, err := e.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	x := e.x
	base, abandon := context.WithCancelCause(context.WithoutCancel(ctx))
	defer abandon(errShutdown)
	x.base = base

	flushed := make(chan struct{})
	stopRecording := make(chan struct{})
	go func() {
		defer close(flushed)
		x.record(stopRecording)
	}()
	var background sync.WaitGroup
	background.Go(func() { repeat(ctx, x.opts.SweepInterval, x.sweep) })
	// The watch goes on through the shutdown grace: running handlers keep
	// their leases, and a stopped job still cancels its handler.
	background.Go(func() { repeat(base, x.opts.WatchInterval, x.watch) })

	err = e.consumer.consume(ctx)

	deadline := time.NewTimer(x.cfg.ShutdownTimeout)
	defer deadline.Stop()
	handlersDone := make(chan struct{})
	go func() {
		x.handlers.Wait()
		close(handlersDone)
	}()
	select {
	case <-handlersDone:
	case <-deadline.C:
		x.cfg.Logger.Warn("shutdown deadline: cancelling running handlers; the lease rescue takes their tasks", "handlers", x.runningCount())
		abandon(errShutdown)
	}
	close(stopRecording)
	select {
	case <-flushed:
	case <-deadline.C:
		abandon(errShutdown)
		<-flushed
	}
	abandon(errShutdown) // ends the watch
	background.Wait()
	return err
}

// claim is the executor's batch handler: it waits for handler slots,
// claims as many of the batch's tasks as there are free slots in one
// statement, starts their handlers, and goes on until the batch is
// claimed. The deliveries are acked once claim returns: from then on the
// task's row, not the message, carries the work.
func (x *executor) claim(ctx context.Context, batch []*inbound) error {
	ids := make([]uuid.UUID, 0, len(batch))
	byID := make(map[uuid.UUID][]*inbound, len(batch))
	for _, in := range batch {
		msg, err := decodeMessage(in.Body, validateTask)
		if err != nil {
			in.deadLetter = err.Error()
			continue
		}
		if byID[msg.TaskID] == nil {
			ids = append(ids, msg.TaskID)
		}
		byID[msg.TaskID] = append(byID[msg.TaskID], in)
	}
	for len(ids) > 0 {
		n, err := x.acquire(ctx, len(ids))
		if err != nil {
			return err
		}
		if err := x.claimSome(ctx, ids[:n], byID); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// claimSome claims ids, holding a slot for each, and starts the claimed
// tasks' handlers.
func (x *executor) claimSome(ctx context.Context, ids []uuid.UUID, byID map[uuid.UUID][]*inbound) error {
	// The claim commits or fails as a whole; shutdown does not cut it off.
	tasks, err := queries.TaskClaimBatch(context.WithoutCancel(ctx), x.cfg.Pool, db.TaskClaimBatchParams{
		Ids:          ids,
		LeaseSeconds: x.opts.Lease.Seconds(),
	})
	if err != nil {
		x.release(len(ids))
		return fmt.Errorf("claim %d tasks: %w", len(ids), err)
	}
	x.release(len(ids) - len(tasks))
	for _, task := range tasks {
		x.start(task)
	}
	if len(tasks) < len(ids) {
		x.explainUnclaimed(ctx, ids, tasks, byID)
	}
	return nil
}

// explainUnclaimed dead-letters messages naming tasks that do not exist;
// the others (taken by another delivery, ended, stopped) are acked quietly.
func (x *executor) explainUnclaimed(ctx context.Context, ids []uuid.UUID, claimed []db.Task, byID map[uuid.UUID][]*inbound) {
	started := make(map[uuid.UUID]bool, len(claimed))
	for _, task := range claimed {
		started[task.ID] = true
	}
	existing, err := queries.TaskIDsAmong(context.WithoutCancel(ctx), x.cfg.Pool, ids)
	if err != nil {
		// Requeue the unclaimed ones and decide on their redelivery: acked
		// now, a message for an unknown task would vanish instead of
		// reaching the dead-letter queue. (A redelivered message for a task
		// that exists is refused by the claim again, harmlessly.)
		x.cfg.Logger.Warn("could not tell unknown tasks from taken ones; requeueing their messages", "err", err)
		for _, id := range ids {
			if !started[id] {
				for _, in := range byID[id] {
					in.requeue = true
				}
			}
		}
		return
	}
	known := make(map[uuid.UUID]bool, len(existing))
	for _, id := range existing {
		known[id] = true
	}
	for _, id := range ids {
		switch {
		case started[id]:
		case !known[id]:
			for _, in := range byID[id] {
				in.deadLetter = fmt.Sprintf("unknown task %s", id)
			}
		default:
			x.cfg.Logger.Debug("task not claimed: taken, ended or stopped", "task_id", id)
		}
	}
}

// acquire waits for one free handler slot, then takes as many more as are
// free, up to n, and returns how many it holds. Holding slots only while
// claiming right away, never while waiting, keeps consumers that share the
// slots from starving each other.
func (x *executor) acquire(ctx context.Context, n int) (int, error) {
	select {
	case x.slots <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	held := 1
	for held < n {
		select {
		case x.slots <- struct{}{}:
			held++
		default:
			return held, nil
		}
	}
	return held, nil
}

func (x *executor) release(n int) {
	for range n {
		<-x.slots
	}
}

// start runs task's handler in the slot claim acquired for it.
func (x *executor) start(task db.Task) {
	timeout := x.opts.StepTimeout
	if task.TimeoutMs != nil {
		timeout = time.Duration(*task.TimeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithCancelCause(x.base)
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, timeout, errStepTimeout)
	ctx = context.WithValue(ctx, attemptKey{}, Attempt{TaskID: task.ID, JobID: task.JobID, Number: int(task.Attempts)})
	x.mu.Lock()
	x.running[task.ID] = &attemptRun{attempt: task.Attempts, cancel: cancel}
	x.mu.Unlock()
	x.handlers.Go(func() {
		defer x.release(1)
		defer cancel(nil)
		defer cancelTimeout()
		began := time.Now()
		output, err := x.run(ctx, task)
		x.mu.Lock()
		delete(x.running, task.ID)
		x.mu.Unlock()
		if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, errStepTimeout) {
			// Stopped, rescued or shut down: nothing to record.
			x.cfg.Logger.Info("handler cancelled", "task_id", task.ID, "attempt", task.Attempts, "cause", cause)
			return
		}
		if errors.Is(context.Cause(ctx), errStepTimeout) {
			err = fmt.Errorf("%w after %s", errStepTimeout, timeout)
		}
		select {
		case x.done <- outcome{task: task, output: output, err: err, ran: time.Since(began)}:
		case <-x.base.Done():
		}
	})
}

func (x *executor) runningCount() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.running)
}

// run calls the task's handler and checks its output.
func (x *executor) run(ctx context.Context, task db.Task) (json.RawMessage, error) {
	h, ok := x.opts.Handlers[task.Handler]
	if !ok {
		return nil, Permanent(fmt.Errorf("unknown handler %q", task.Handler))
	}
	input := json.RawMessage(task.Input)
	if len(input) == 0 {
		input = json.RawMessage("null")
	}
	output, err := h.Handle(ctx, task.Params, input)
	if err != nil {
		return nil, err
	}
	if len(output) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(output) {
		return nil, Permanent(fmt.Errorf("handler %q returned invalid JSON", task.Handler))
	}
	return output, nil
}

// recordBatch bounds how many outcomes share one record transaction.
const recordBatch = 256

// record writes finished attempts in batches until stop is closed and
// everything sent before has been written, or the base context ends.
func (x *executor) record(stop <-chan struct{}) {
	for {
		var first outcome
		select {
		case first = <-x.done:
		case <-stop:
			// Handlers have finished or been abandoned: write what is left.
			for {
				select {
				case first = <-x.done:
					x.recordWithRetry(collect(first, x.done, recordBatch, 0))
				default:
					return
				}
			}
		case <-x.base.Done():
			return
		}
		x.recordWithRetry(collect(first, x.done, recordBatch, x.cfg.BatchLinger))
	}
}

// recordWithRetry retries a batch whose transaction failed transiently (a
// lost connection, a database restart) with capped backoff until it
// commits or the base context ends; the leases cover the wait.
func (x *executor) recordWithRetry(batch []outcome) {
	err := whileTransient(x.base, x.cfg, "recording outcomes failed, retrying", []any{"tasks", len(batch)},
		func() error { return x.recordOnce(x.base, batch) })
	if err != nil && x.base.Err() == nil {
		x.cfg.Logger.Error("recording outcomes failed; the lease rescue will retry these tasks", "tasks", len(batch), "err", err)
	}
}

// recordOnce ends the batch's attempts in one transaction of two
// statements: the fenced status change and the messages it sends (a result
// for an ended task, a delayed task message for a retry).
func (x *executor) recordOnce(ctx context.Context, batch []outcome) error {
	arg := db.TaskRecordBatchParams{
		Ids:      make([]uuid.UUID, len(batch)),
		Attempts: make([]int32, len(batch)),
		Statuses: make([]string, len(batch)),
		Results:  make([][]byte, len(batch)),
		Errors:   make([]string, len(batch)),
	}
	delays := make(map[uuid.UUID]time.Duration)
	for i, o := range batch {
		status, delay := x.decide(o)
		arg.Ids[i], arg.Attempts[i], arg.Statuses[i] = o.task.ID, o.task.Attempts, string(status)
		if o.err != nil {
			arg.Errors[i] = o.err.Error()
		} else {
			arg.Results[i] = o.output
		}
		if status == db.TaskStatusQueued {
			delays[o.task.ID] = delay
		}
	}
	var recorded []db.Task
	err := transact.Run(ctx, x.cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
		var err error
		recorded, err = queries.TaskRecordBatch(ctx, tx, arg)
		if err != nil {
			return fmt.Errorf("record %d outcomes: %w", len(batch), err)
		}
		return outbox.PutBatch(ctx, tx, x.cfg.Topology.Exchange, x.announce(recorded, delays))
	})
	if err != nil {
		return err
	}
	if x.recorded != nil {
		x.recorded(batch, recorded)
	}
	if len(recorded) < len(batch) {
		x.cfg.Logger.Info("outcomes not recorded: their tasks were stopped or rescued meanwhile", "count", len(batch)-len(recorded))
	}
	for _, o := range batch {
		x.cfg.Metrics.StepRun.WithLabelValues(o.task.Handler).Observe(o.ran.Seconds())
	}
	for _, task := range recorded {
		if task.QueuedAt != nil && task.FinishedAt != nil {
			x.cfg.Metrics.StepLatency.WithLabelValues(task.Handler).Observe(task.FinishedAt.Sub(*task.QueuedAt).Seconds())
		}
		if task.Status == db.TaskStatusFailed {
			x.cfg.Logger.Warn("task failed", "task_id", task.ID, "job_id", task.JobID, "handler", task.Handler, "attempts", task.Attempts, "error", *task.Error)
		}
	}
	return nil
}

// decide turns an outcome into the task's next status: done, queued again
// after a backoff while attempts remain and the error is not permanent, or
// failed.
func (x *executor) decide(o outcome) (db.TaskStatus, time.Duration) {
	switch {
	case o.err == nil:
		return db.TaskStatusDone, 0
	case IsPermanent(o.err) || int(o.task.Attempts) >= x.opts.MaxAttempts:
		return db.TaskStatusFailed, 0
	}
	return db.TaskStatusQueued, retryDelay(x.opts.RetryBackoff, x.opts.MaxRetryBackoff, int(o.task.Attempts))
}

// whileTransient runs fn until it succeeds, fails with an error that is not
// transient, or ctx ends, and returns its last error. A transient failure
// is logged with warn and attrs, and retried after retryDelay's backoff.
func whileTransient(ctx context.Context, cfg Config, warn string, attrs []any, fn func() error) error {
	for failures := 1; ; failures++ {
		err := fn()
		if err == nil || ctx.Err() != nil || !transact.Transient(err) {
			return err
		}
		pause := retryDelay(cfg.ReconnectBackoff, cfg.MaxReconnectBackoff, failures)
		cfg.Logger.Warn(warn, append(attrs, "err", err, "in", pause)...)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return err
		}
	}
}

// retryDelay is the pause before the attempt after attempt: base doubled
// per attempt, capped, with jitter in [d/2, d) so retries spread out.
func retryDelay(base, ceiling time.Duration, attempt int) time.Duration {
	d := base
	for range attempt - 1 {
		if d >= ceiling {
			break
		}
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// announce builds the messages recorded tasks send: a result for an ended
// task, a task message after its delay for a retry.
func (x *executor) announce(tasks []db.Task, delays map[uuid.UUID]time.Duration) []outbox.Message {
	msgs := make([]outbox.Message, 0, len(tasks))
	for _, task := range tasks {
		msgs = append(msgs, x.messageFor(task, delays[task.ID]))
	}
	return msgs
}

// messageFor is what a task that just changed status sends: a queued task
// asks for its next attempt, an ended one reports to the result handler.
func (x *executor) messageFor(task db.Task, delay time.Duration) outbox.Message {
	if task.Status == db.TaskStatusQueued {
		return outbox.Message{RoutingKey: x.cfg.Topology.Tasks, Body: message.Task{TaskID: task.ID, JobID: task.JobID}, Delay: delay}
	}
	return outbox.Message{RoutingKey: x.cfg.Topology.Results, Body: message.Result{TaskID: task.ID, JobID: task.JobID}}
}

// sweepBatch bounds the rows one sweep statement changes.
const sweepBatch = 500

// repeat calls fn every interval until ctx ends.
func repeat(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			fn(ctx)
		}
	}
}

// sweep rescues expired leases and re-sends stale queued tasks. Every
// executor sweeps; they skip each other's rows.
func (x *executor) sweep(ctx context.Context) {
	sweepInBatches(ctx, x.cfg, x.cfg.Topology.Exchange, "rescued tasks whose lease expired",
		func(ctx context.Context, tx pgx.Tx) ([]outbox.Message, error) {
			rescued, err := queries.TaskRescueExpired(ctx, tx, db.TaskRescueExpiredParams{MaxAttempts: int32(x.opts.MaxAttempts), BatchSize: sweepBatch})
			if err != nil {
				return nil, fmt.Errorf("rescue expired leases: %w", err)
			}
			msgs := make([]outbox.Message, len(rescued))
			for i, task := range rescued {
				msgs[i] = x.messageFor(task, 0)
			}
			return msgs, nil
		})
	sweepInBatches(ctx, x.cfg, x.cfg.Topology.Exchange, "re-sent queued tasks that waited too long",
		func(ctx context.Context, tx pgx.Tx) ([]outbox.Message, error) {
			stale, err := queries.TaskTouchStale(ctx, tx, db.TaskTouchStaleParams{StaleSeconds: x.opts.StaleAfter.Seconds(), BatchSize: sweepBatch})
			if err != nil {
				return nil, fmt.Errorf("find stale queued tasks: %w", err)
			}
			msgs := make([]outbox.Message, len(stale))
			for i, task := range stale {
				msgs[i] = outbox.Message{RoutingKey: x.cfg.Topology.Tasks, Body: message.Task{TaskID: task.ID, JobID: task.JobID}}
			}
			return msgs, nil
		})
}

// sweepInBatches runs find, one transaction per batch of at most
// sweepBatch rows, until a batch comes back short. find changes the rows
// and returns the message each sends to exchange; they are written in the
// same transaction. done says what the rows were, for the log.
func sweepInBatches(ctx context.Context, cfg Config, exchange, done string, find func(context.Context, pgx.Tx) ([]outbox.Message, error)) {
	total := 0
	for ctx.Err() == nil {
		var msgs []outbox.Message
		err := transact.Run(ctx, cfg.Pool, transact.Options{}, func(tx pgx.Tx) error {
			var err error
			if msgs, err = find(ctx, tx); err != nil {
				return err
			}
			return outbox.PutBatch(ctx, tx, exchange, msgs)
		})
		if err != nil {
			if ctx.Err() == nil {
				cfg.Logger.Warn("sweep failed; retrying at the next interval", "err", err)
			}
			break
		}
		total += len(msgs)
		if len(msgs) < sweepBatch {
			break
		}
	}
	if total > 0 {
		cfg.Logger.Warn(done, "rows", total)
	}
}

// watch renews the leases of running handlers and cancels those whose task
// is no longer theirs: its job was stopped, or the sweeper rescued it after
// the lease ran out.
func (x *executor) watch(ctx context.Context) {
	x.mu.Lock()
	arg := db.TaskWatchParams{
		LeaseSeconds:     x.opts.Lease.Seconds(),
		DefaultTimeoutMs: int32(x.opts.StepTimeout.Milliseconds()),
		RenewSeconds:     x.opts.Lease.Seconds() / 2,
	}
	for id, r := range x.running {
		arg.Ids = append(arg.Ids, id)
		arg.Attempts = append(arg.Attempts, r.attempt)
	}
	x.mu.Unlock()
	if len(arg.Ids) == 0 {
		return
	}
	still, err := queries.TaskWatch(ctx, x.cfg.Pool, arg)
	if err != nil {
		if ctx.Err() == nil {
			x.cfg.Logger.Warn("checking running tasks failed", "err", err)
		}
		return
	}
	keep := make(map[uuid.UUID]bool, len(still))
	for _, id := range still {
		keep[id] = true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, id := range arg.Ids {
		if r := x.running[id]; r != nil && r.attempt == arg.Attempts[i] && !keep[id] {
			r.cancel(errTaskMoved)
		}
	}
}

func validateTask(m message.Task) error {
	if m.TaskID == uuid.Nil {
		return errors.New("task_id missing")
	}
	return nil
}

// Attempt identifies one run of a task's handler; the executor puts it in
// the handler's context.
type Attempt struct {
	TaskID uuid.UUID
	JobID  uuid.UUID
	// Number counts the task's attempts from 1.
	Number int
}

// IdempotencyKey names this attempt for the systems a handler calls: a
// retry of the same attempt (never made by the executor itself) would
// carry the same key, each new attempt a new one.
func (a Attempt) IdempotencyKey() string { return fmt.Sprintf("%s-%d", a.TaskID, a.Number) }

type attemptKey struct{}

// AttemptFrom returns the attempt a handler's ctx runs, if any.
func AttemptFrom(ctx context.Context) (Attempt, bool) {
	a, ok := ctx.Value(attemptKey{}).(Attempt)
	return a, ok
}
