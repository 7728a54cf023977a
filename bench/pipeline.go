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
	// Handler runs every step; it must be one of consumers.DemoHandlers.
	Handler string
	// Submitters submit the jobs concurrently, each job in its own
	// transaction (jobs.Submit).
	Submitters int
	// Webhooks runs the webhook deliverer beside relay, executor and
	// results.
	Webhooks bool
	// Consumers tunes the roles (Prefetch, Workers, MaxBatch, BatchLinger);
	// its Pool, AMQPURL and Topology are set by RunPipeline.
	Consumers consumers.Config
	Relay     consumers.RelayOptions
	// PoolSize bounds the roles' database connections.
	PoolSize int
	Timeout  time.Duration
}

// PipelineResult is what one batch measured.
type PipelineResult struct {
	// Steps counts the steps done, from the first submission to the moment
	// every job was seen done.
	Steps Rate
	// Submitted is how long submitting the batch took.
	Submitted time.Duration
	// Statements are what the roles sent to the database during the run
	// (the submissions and the bench's polling excluded), by kind.
	Statements []StatementStats
}

// RunPipeline runs opts.Jobs jobs of opts.Steps steps through the real
// roles, in this process, on a scratch database and a scratch topology.
// The roles start and connect first; the clock then runs from the first
// submission until every job is done.
func RunPipeline(ctx context.Context, opts PipelineOptions, logger *slog.Logger) (PipelineResult, error) {
	scratch, err := NewScratch(ctx, opts.DatabaseURL, "lockstep_bench")
	if err != nil {
		return PipelineResult{}, err
	}
	defer func() {
		if err := scratch.Drop(); err != nil {
			logger.Error("drop scratch database", "database", scratch.Name, "err", err)
		}
	}()
	// The submitters and the polling use their own pool, so the counts
	// of the roles' pool are the pipeline's alone.
	pool, err := scratch.Pool(ctx, opts.Submitters+1, nil)
	if err != nil {
		return PipelineResult{}, err
	}
	defer pool.Close()
	if _, err := schema.Migrate(ctx, pool); err != nil {
		return PipelineResult{}, err
	}
	counter := &statementCounter{kinds: map[string]*StatementStats{}}
	rolesPool, err := scratch.Pool(ctx, opts.PoolSize, counter)
	if err != nil {
		return PipelineResult{}, err
	}
	defer rolesPool.Close()

	topo := message.NewTopology(scratch.Name)
	broker, err := openTopology(opts.AMQPURL, topo)
	if err != nil {
		return PipelineResult{}, err
	}
	defer func() {
		if err := broker.delete(); err != nil {
			logger.Error("delete scratch topology", "prefix", scratch.Name, "err", err)
		}
	}()

	cfg := opts.Consumers
	cfg.Pool, cfg.AMQPURL, cfg.Topology, cfg.Logger = rolesPool, opts.AMQPURL, topo, logger
	roles, err := newRoles(cfg, opts)
	if err != nil {
		return PipelineResult{}, err
	}
	rolesCtx, stopRoles := context.WithCancel(ctx)
	var running sync.WaitGroup
	failed := make(chan error, len(roles))
	for _, r := range roles {
		running.Go(func() {
			if err := r.Run(rolesCtx); err != nil {
				failed <- err
			}
		})
	}
	defer func() {
		stopRoles()
		running.Wait()
		for _, r := range roles {
			r.Close()
		}
	}()
	workers := cfg.Workers
	if workers <= 0 {
		workers = consumers.DefaultWorkers
	}
	if err := broker.waitConsumers(ctx, workers, topo.Tasks, topo.Results); err != nil {
		return PipelineResult{}, err
	}

	counter.reset()
	start := time.Now()
	if err := submitJobs(ctx, pool, topo, opts); err != nil {
		return PipelineResult{}, err
	}
	submitted := time.Since(start)
	waitCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := waitDone(waitCtx, pool, opts.Jobs, failed); err != nil {
		return PipelineResult{}, err
	}
	elapsed := time.Since(start)
	return PipelineResult{
		Steps:      Rate{Count: int64(opts.Jobs * opts.Steps), Elapsed: elapsed},
		Submitted:  submitted,
		Statements: counter.load(),
	}, nil
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
	executor, err := consumers.NewExecutor(cfg, consumers.ExecutorOptions{Handlers: consumers.DemoHandlers()})
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

// submitJobs submits the batch with opts.Submitters goroutines.
func submitJobs(ctx context.Context, pool *pgxpool.Pool, topo message.Topology, opts PipelineOptions) error {
	spec := jobs.Spec{Input: json.RawMessage(`{"text": "hello from the bench"}`)}
	for range opts.Steps {
		spec.Steps = append(spec.Steps, jobs.Step{Handler: opts.Handler})
	}
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range opts.Submitters {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < opts.Jobs && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				if _, _, err := jobs.Submit(ctx, pool, topo, spec); err != nil {
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
		case <-time.After(20 * time.Millisecond):
		}
	}
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
