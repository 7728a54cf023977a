package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/schema"
)

// PipelineOptions say what batch runs through which roles.
type PipelineOptions struct {
	DatabaseURL, AMQPURL string
	Jobs, Steps          int
	// Handler runs every step, with Params; it must be one of
	// consumers.DemoHandlers.
	Handler string
	Params  json.RawMessage
	// Submitters submit the jobs concurrently, each job in its own
	// transaction (jobs.Submit).
	Submitters int
	// Webhooks runs the webhook deliverer beside relay, executor and
	// results.
	Webhooks bool
	// Consumers tunes the roles (Prefetch, Workers, MaxBatch, BatchLinger);
	// its Pool, AMQPURL and Topology are set by the run.
	Consumers consumers.Config
	Relay     consumers.RelayOptions
	// Executor tunes the executor (HandlerSlots); its Handlers are
	// consumers.DemoHandlers.
	Executor consumers.ExecutorOptions
	// PoolSize bounds the roles' database connections.
	PoolSize int
	Timeout  time.Duration
}

// PipelineResult is what one batch measured.
type PipelineResult struct {
	// Steps counts the steps done over the measured time: from the first
	// submission (RunPipeline) or from the roles' start (RunBurndown) to
	// the moment every job was seen done.
	Steps Rate
	// Submitted is how long submitting the batch took.
	Submitted time.Duration
	// Statements are what the roles sent to the database during the
	// measured time (the submissions and the bench's polling excluded), by
	// kind.
	Statements []StatementStats
}

// RunPipeline runs opts.Jobs jobs of opts.Steps steps through the real
// roles, in this process, on a scratch database and a scratch topology.
// The roles start and connect first; the clock then runs from the first
// submission until every job is done.
func RunPipeline(ctx context.Context, opts PipelineOptions, logger *slog.Logger) (PipelineResult, error) {
	p, err := openPipeline(ctx, opts, logger)
	if err != nil {
		return PipelineResult{}, err
	}
	defer p.close()
	if err := p.startRoles(ctx); err != nil {
		return PipelineResult{}, err
	}
	p.counter.reset()
	start := time.Now()
	if err := submitJobs(ctx, p.pool, p.topo, opts, nil); err != nil {
		return PipelineResult{}, err
	}
	submitted := time.Since(start)
	if err := p.waitDone(ctx); err != nil {
		return PipelineResult{}, err
	}
	return p.result(time.Since(start), submitted), nil
}

// RunBurndown submits opts.Jobs jobs while no role runs, so the work is
// all waiting in the outbox, then starts the roles; the clock runs from
// their start until every job is done.
func RunBurndown(ctx context.Context, opts PipelineOptions, logger *slog.Logger) (PipelineResult, error) {
	p, err := openPipeline(ctx, opts, logger)
	if err != nil {
		return PipelineResult{}, err
	}
	defer p.close()
	start := time.Now()
	if err := submitJobs(ctx, p.pool, p.topo, opts, nil); err != nil {
		return PipelineResult{}, err
	}
	submitted := time.Since(start)
	p.counter.reset()
	start = time.Now()
	if err := p.startRoles(ctx); err != nil {
		return PipelineResult{}, err
	}
	if err := p.waitDone(ctx); err != nil {
		return PipelineResult{}, err
	}
	return p.result(time.Since(start), submitted), nil
}

// LatencyResult is how long the pipeline kept work waiting at a light,
// fixed submission rate: percentiles over every task of the batch.
type LatencyResult struct {
	Tasks int64
	// Started runs from a task's queued_at (its submission's or the
	// previous step's commit) to its started_at.
	StartedP50, StartedP99 time.Duration
	// Done runs from a job's created_at to its finished_at.
	DoneP50, DoneP99 time.Duration
}

// RunLatency submits opts.Jobs jobs at perSecond jobs a second into
// running roles, waits until every job is done, and reads the queued ->
// started and created -> done percentiles from the database's own
// timestamps, so both ends come from one clock.
func RunLatency(ctx context.Context, opts PipelineOptions, perSecond int, logger *slog.Logger) (LatencyResult, error) {
	p, err := openPipeline(ctx, opts, logger)
	if err != nil {
		return LatencyResult{}, err
	}
	defer p.close()
	if err := p.startRoles(ctx); err != nil {
		return LatencyResult{}, err
	}
	pace := time.NewTicker(time.Second / time.Duration(perSecond))
	defer pace.Stop()
	if err := submitJobs(ctx, p.pool, p.topo, opts, pace.C); err != nil {
		return LatencyResult{}, err
	}
	if err := p.waitDone(ctx); err != nil {
		return LatencyResult{}, err
	}
	var r LatencyResult
	var started, done []float64
	err = p.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM tasks),
		       (SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - queued_at)) FROM tasks),
		       (SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) FROM jobs)`,
	).Scan(&r.Tasks, &started, &done)
	if err == nil && (len(started) != 2 || len(done) != 2) {
		err = errors.New("no tasks")
	}
	if err != nil {
		return LatencyResult{}, fmt.Errorf("read latency percentiles: %w", err)
	}
	r.StartedP50, r.StartedP99, r.DoneP50, r.DoneP99 = seconds(started[0]), seconds(started[1]), seconds(done[0]), seconds(done[1])
	return r, nil
}

// pipeline is a scratch database with the schema and a scratch topology,
// ready for the roles; close stops the roles and drops both.
type pipeline struct {
	opts   PipelineOptions
	logger *slog.Logger
	// pool is the submitters' and the polling's, so the counts of
	// rolesPool are the roles' alone.
	pool, rolesPool *pgxpool.Pool
	counter         *statementCounter
	topo            message.Topology
	scratch         *Scratch
	broker          *scratchBroker
	// stopRoles, once startRoles ran, stops and closes the roles.
	stopRoles func()
	// failed receives the error of a role that stopped on its own.
	failed <-chan error
}

func openPipeline(ctx context.Context, opts PipelineOptions, logger *slog.Logger) (_ *pipeline, err error) {
	scratch, err := NewScratch(ctx, opts.DatabaseURL, "lockstep_bench")
	if err != nil {
		return nil, err
	}
	p := &pipeline{opts: opts, logger: logger, scratch: scratch, topo: message.NewTopology(scratch.Name),
		counter: &statementCounter{kinds: map[string]*StatementStats{}}}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if p.pool, err = scratch.Pool(ctx, opts.Submitters+1, nil); err != nil {
		return nil, err
	}
	if _, err := schema.Migrate(ctx, p.pool); err != nil {
		return nil, err
	}
	if p.rolesPool, err = scratch.Pool(ctx, opts.PoolSize, p.counter); err != nil {
		return nil, err
	}
	if p.broker, err = openTopology(opts.AMQPURL, p.topo); err != nil {
		return nil, err
	}
	return p, nil
}

// close stops the roles, deletes the topology, closes the pools and drops
// the database.
func (p *pipeline) close() {
	if p.stopRoles != nil {
		p.stopRoles()
	}
	if p.broker != nil {
		if err := p.broker.delete(); err != nil {
			p.logger.Error("delete scratch topology", "prefix", p.scratch.Name, "err", err)
		}
	}
	for _, pool := range []*pgxpool.Pool{p.rolesPool, p.pool} {
		if pool != nil {
			pool.Close()
		}
	}
	p.scratch.dropLogged(p.logger)
}

// startRoles starts the relay, executor and results (and webhooks) and
// waits until their consumers are on the queues.
func (p *pipeline) startRoles(ctx context.Context) error {
	cfg := p.opts.Consumers
	cfg.Pool, cfg.AMQPURL, cfg.Topology, cfg.Logger = p.rolesPool, p.opts.AMQPURL, p.topo, p.logger
	roles, err := newRoles(cfg, p.opts)
	if err != nil {
		return err
	}
	rolesCtx, cancel := context.WithCancel(ctx)
	var running sync.WaitGroup
	failed := make(chan error, len(roles))
	for _, r := range roles {
		running.Go(func() {
			if err := r.Run(rolesCtx); err != nil {
				failed <- err
			}
		})
	}
	p.failed = failed
	p.stopRoles = func() {
		cancel()
		running.Wait()
		for _, r := range roles {
			r.Close()
		}
	}
	// On an error, close stops the roles.
	workers := cmp.Or(cfg.Workers, consumers.DefaultWorkers)
	return p.broker.waitConsumers(ctx, workers, p.topo.Tasks, p.topo.Results)
}

// waitDone waits at most the run's timeout for every job to be done.
func (p *pipeline) waitDone(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.opts.Timeout)
	defer cancel()
	return waitDone(ctx, p.pool, p.opts.Jobs, p.failed)
}

func (p *pipeline) result(elapsed, submitted time.Duration) PipelineResult {
	return PipelineResult{
		Steps:      Rate{Count: int64(p.opts.Jobs * p.opts.Steps), Elapsed: elapsed},
		Submitted:  submitted,
		Statements: p.counter.load(),
	}
}

// runner is a pipeline role.
type runner interface {
	Run(ctx context.Context) error
	Close() error
}

func newRoles(cfg consumers.Config, opts PipelineOptions) ([]runner, error) {
	relay, err := consumers.NewRelay(cfg, opts.Relay)
	if err != nil {
		return nil, err
	}
	executor, err := consumers.NewExecutor(cfg, opts.Executor)
	if err != nil {
		return nil, err
	}
	results, err := consumers.NewResultHandler(cfg)
	if err != nil {
		return nil, err
	}
	roles := []runner{relay, executor, results}
	if opts.Webhooks {
		webhooks, err := consumers.NewWebhookDeliverer(cfg, consumers.WebhookOptions{})
		if err != nil {
			return nil, err
		}
		roles = append(roles, webhooks)
	}
	return roles, nil
}

// jobSpec is the job every submission of a batch sends: steps steps of
// handler with params.
func jobSpec(steps int, handler string, params json.RawMessage) jobs.Spec {
	spec := jobs.Spec{Input: json.RawMessage(`{"text": "hello from the bench"}`)}
	for range steps {
		spec.Steps = append(spec.Steps, jobs.Step{Handler: handler, Params: params})
	}
	return spec
}

// submitJobs submits the batch with opts.Submitters goroutines; when pace
// is not nil, each submission waits for its own tick of it.
func submitJobs(ctx context.Context, pool *pgxpool.Pool, topo message.Topology, opts PipelineOptions, pace <-chan time.Time) error {
	spec := jobSpec(opts.Steps, opts.Handler, opts.Params)
	return concurrently(ctx, opts.Submitters, opts.Jobs, func(int) error {
		if pace != nil {
			select {
			case <-pace:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		_, _, err := jobs.Submit(ctx, pool, topo, spec)
		return err
	})
}

// concurrently runs do(i) for every i below n from workers goroutines; the
// first error stops the goroutine that met it, and all errors are
// returned joined with the context's.
func concurrently(ctx context.Context, workers, n int, do func(i int) error) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				if err := do(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}

var queries = db.New()

// waitDone polls until every job is done; a job ending otherwise, or a
// role failing, is an error. The scratch database holds the batch's jobs
// only, so counting them all is counting the batch (and cheaper than
// passing thousands of ids at every poll).
func waitDone(ctx context.Context, pool *pgxpool.Pool, jobs int, failed <-chan error) error {
	began := time.Now()
	for {
		counts, err := queries.JobCountByStatus(ctx, pool)
		if err != nil {
			return fmt.Errorf("count job statuses: %w", err)
		}
		var parts []string
		done := 0
		for _, c := range counts {
			parts = append(parts, fmt.Sprintf("%s %d", c.Status, c.Jobs))
			switch c.Status {
			case db.JobStatusDone:
				done += int(c.Jobs)
			case db.JobStatusFailed, db.JobStatusStopped:
				return fmt.Errorf("jobs did not all succeed: %s", strings.Join(parts, ", "))
			}
		}
		if done == jobs {
			return nil
		}
		select {
		case err := <-failed:
			return fmt.Errorf("a role stopped: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("jobs still open (%s): %w", strings.Join(parts, ", "), ctx.Err())
		case <-time.After(pollInterval(time.Since(began))):
		}
	}
}

// pollInterval is how long to wait before counting again, waited so far:
// a fiftieth of it, 20ms to 200ms. Counting thousands of rows takes
// milliseconds of a shared core, so a long run polls less often, and the
// time it adds to a run stays under 2% of it. bench/river polls River's
// jobs the same way.
func pollInterval(waited time.Duration) time.Duration {
	return min(max(waited/50, 20*time.Millisecond), 200*time.Millisecond)
}

// statementCounter is a pgx tracer counting the statements a pool sends,
// each one round trip, and the time each kind took from send to result.
type statementCounter struct {
	mu    sync.Mutex
	kinds map[string]*StatementStats
}

// StatementStats is what the roles spent on one kind of statement.
type StatementStats struct {
	Name  string
	Count int64
	Time  time.Duration
}

type statementStartKey struct{}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, statementStartKey{}, statementStart{statementName(data.SQL), time.Now()})
}

type statementStart struct {
	name string
	at   time.Time
}

func (c *statementCounter) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	start, ok := ctx.Value(statementStartKey{}).(statementStart)
	if !ok {
		return
	}
	took := time.Since(start.at)
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.kinds[start.name]
	if k == nil {
		k = &StatementStats{Name: start.name}
		c.kinds[start.name] = k
	}
	k.Count++
	k.Time += took
}

// statementName is a sqlc query's name, or the statement's first word
// (begin, commit, ...).
func statementName(sql string) string {
	if rest, ok := strings.CutPrefix(sql, "-- name: "); ok {
		name, _, _ := strings.Cut(rest, " ")
		return name
	}
	word, _, _ := strings.Cut(strings.TrimSpace(sql), " ")
	return strings.ToLower(word)
}

func (c *statementCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds = map[string]*StatementStats{}
}

// load returns the kinds by time spent, most first.
func (c *statementCounter) load() []StatementStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	var kinds []StatementStats
	for _, k := range c.kinds {
		kinds = append(kinds, *k)
	}
	slices.SortFunc(kinds, func(a, b StatementStats) int { return cmp.Compare(b.Time, a.Time) })
	return kinds
}

// scratchBroker is the connection that declared a scratch topology and
// deletes it at the end.
type scratchBroker struct {
	conn *amqp.Connection
	ch   *amqp.Channel
	topo message.Topology
}

func openTopology(url string, topo message.Topology) (*scratchBroker, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, fmt.Errorf("connect to RabbitMQ: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = consumers.DeclareTopology(ch, topo, false /* quorum */)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &scratchBroker{conn: conn, ch: ch, topo: topo}, nil
}

// waitConsumers waits until each queue has n consumers, so connecting is
// not part of the measured time.
func (b *scratchBroker) waitConsumers(ctx context.Context, n int, queues ...string) error {
	deadline := time.Now().Add(30 * time.Second)
	for _, q := range queues {
		for {
			// Passive: only looks the queue up, whatever its arguments.
			state, err := b.ch.QueueDeclarePassive(q,
				true,  // durable
				false, // autoDelete
				false, // exclusive
				false, // noWait
				nil)
			if err != nil {
				return fmt.Errorf("inspect queue %s: %w", q, err)
			}
			if state.Consumers >= n {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("queue %s has %d consumers after 30s, want %d", q, state.Consumers, n)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}

// delete removes the topology on a fresh channel (the first may have been
// closed by an error) and closes the connection.
func (b *scratchBroker) delete() error {
	defer b.conn.Close()
	ch, err := b.conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return consumers.DeleteTopology(ch, b.topo)
}
