package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
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
	// Statements and Commits are what the roles sent to the database
	// during the run (the submissions and the bench's polling excluded).
	Statements, Commits int64
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
	counter := &statementCounter{}
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
	ids, err := submitJobs(ctx, pool, topo, opts)
	if err != nil {
		return PipelineResult{}, err
	}
	submitted := time.Since(start)
	waitCtx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	if err := waitDone(waitCtx, pool, ids, failed); err != nil {
		return PipelineResult{}, err
	}
	elapsed := time.Since(start)
	statements, commits := counter.load()
	return PipelineResult{
		Steps:      Rate{Count: int64(opts.Jobs * opts.Steps), Elapsed: elapsed},
		Submitted:  submitted,
		Statements: statements,
		Commits:    commits,
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
func submitJobs(ctx context.Context, pool *pgxpool.Pool, topo message.Topology, opts PipelineOptions) ([]uuid.UUID, error) {
	spec := jobs.Spec{Input: json.RawMessage(`{"text": "hello from the bench"}`)}
	for range opts.Steps {
		spec.Steps = append(spec.Steps, jobs.Step{Handler: opts.Handler})
	}
	ids := make([]uuid.UUID, opts.Jobs)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range opts.Submitters {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < opts.Jobs && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				job, _, err := jobs.Submit(ctx, pool, topo, spec)
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				ids[i] = job.ID
			}
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	return ids, nil
}

var queries = db.New()

// waitDone polls until every job is done; a job ending otherwise, or a
// role failing, is an error.
func waitDone(ctx context.Context, pool *pgxpool.Pool, ids []uuid.UUID, failed <-chan error) error {
	for {
		counts, err := queries.JobCountByStatusAmong(ctx, pool, ids)
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
		if done == len(ids) {
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
// each one round trip, and the commits among them.
type statementCounter struct {
	statements, commits atomic.Int64
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.statements.Add(1)
	if data.SQL == "commit" {
		c.commits.Add(1)
	}
	return ctx
}

func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statementCounter) reset() {
	c.statements.Store(0)
	c.commits.Store(0)
}

func (c *statementCounter) load() (statements, commits int64) {
	return c.statements.Load(), c.commits.Load()
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
