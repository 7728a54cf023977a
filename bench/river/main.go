// Command river-bench measures River (github.com/riverqueue/river) on the
// shapes `lockstep bench` measures the pipeline with, one shape per run
// (--mode):
//
//	chains    chains of steps where each step completes itself and inserts
//	          the next in one transaction; the clock runs from the first
//	          insert to the commit of the last step
//	io        one-step jobs whose worker sleeps --sleep (I/O-bound work);
//	          the clock runs from the first insert to the last completion
//	burndown  one-step no-op jobs, all inserted before the client starts;
//	          the clock runs from Start to the last completion
//
// It is a module of its own so the main module does not depend on River;
// `lockstep bench --river <this binary>` runs it on a scratch database and
// reads the one JSON line it prints.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Result is the line the command prints.
type Result struct {
	// Steps counts the steps (one per job outside chains) done.
	Steps   int64   `json:"steps"`
	Seconds float64 `json:"seconds"`
	// Submitted is how long inserting took; in burndown mode it is not
	// part of Seconds.
	Submitted float64 `json:"submitted_seconds"`
}

// options are the command's flags.
type options struct {
	mode              string
	jobs, steps       int
	sleep             time.Duration
	submitters        int
	workers, poolSize int
	fetchCooldown     time.Duration
}

func main() {
	var o options
	dbURL := flag.String("database-url", "", "PostgreSQL URL of an empty scratch database (required; the River schema is migrated into it)")
	flag.StringVar(&o.mode, "mode", "chains", "what to measure: chains, io or burndown")
	flag.IntVar(&o.jobs, "jobs", 2000, "jobs (chains in chains mode) to insert")
	flag.IntVar(&o.steps, "steps", 3, "steps per chain (chains mode)")
	flag.DurationVar(&o.sleep, "sleep", 100*time.Millisecond, "how long each job's worker sleeps (io mode)")
	flag.IntVar(&o.submitters, "submitters", 8, "concurrent inserters, each job in its own transaction (chains and io modes)")
	flag.IntVar(&o.workers, "workers", 100, "River's MaxWorkers for the queue")
	flag.IntVar(&o.poolSize, "pool-size", 32, "database connections")
	flag.DurationVar(&o.fetchCooldown, "fetch-cooldown", 0, "River's FetchCooldown, the least time between two fetches, which bounds jobs/s to about workers per cooldown; 0 is River's default (100ms)")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	if *dbURL == "" || o.jobs < 1 || o.steps < 1 || o.submitters < 1 || o.workers < 1 {
		fmt.Fprintln(os.Stderr, "river-bench: --database-url is required; --jobs, --steps, --submitters and --workers must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	result, err := run(ctx, *dbURL, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "river-bench: %v\n", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(result)
}

// StepArgs is one step of a chain.
type StepArgs struct {
	Chain int `json:"chain"`
	Step  int `json:"step"`
	Steps int `json:"steps"`
}

// Kind names the job kind in River.
func (StepArgs) Kind() string { return "bench_step" }

// StepWorker completes its step and inserts the next in one transaction.
type StepWorker struct {
	river.WorkerDefaults[StepArgs]
	pool *pgxpool.Pool
	// done counts committed steps; allDone closes when it reaches total.
	done    atomic.Int64
	total   int64
	allDone chan struct{}
}

// Work runs one step.
func (w *StepWorker) Work(ctx context.Context, job *river.Job[StepArgs]) error {
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
			return fmt.Errorf("complete step: %w", err)
		}
		if job.Args.Step == job.Args.Steps {
			return nil
		}
		next := StepArgs{Chain: job.Args.Chain, Step: job.Args.Step + 1, Steps: job.Args.Steps}
		if _, err := river.ClientFromContext[pgx.Tx](ctx).InsertTx(ctx, tx, next, nil); err != nil {
			return fmt.Errorf("insert next step: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if w.done.Add(1) == w.total {
		close(w.allDone)
	}
	return nil
}

// JobArgs is a one-step job.
type JobArgs struct {
	N int `json:"n"`
}

// Kind names the job kind in River.
func (JobArgs) Kind() string { return "bench_job" }

// JobWorker sleeps for its duration (none: a no-op) and returns; River's
// completer records the completion in batches.
type JobWorker struct {
	river.WorkerDefaults[JobArgs]
	sleep time.Duration
}

// Work runs one job.
func (w *JobWorker) Work(ctx context.Context, _ *river.Job[JobArgs]) error {
	if w.sleep <= 0 {
		return nil
	}
	select {
	case <-time.After(w.sleep):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func run(ctx context.Context, dbURL string, o options) (Result, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return Result{}, err
	}
	cfg.MaxConns = int32(o.poolSize)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	defer pool.Close()
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, nil)
	if err != nil {
		return Result{}, err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return Result{}, fmt.Errorf("migrate River schema: %w", err)
	}

	chains := &StepWorker{pool: pool, total: int64(o.jobs * o.steps), allDone: make(chan struct{})}
	one := &JobWorker{}
	if o.mode == "io" {
		one.sleep = o.sleep
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, chains)
	river.AddWorker(workers, one)
	client, err := river.NewClient(driver, &river.Config{
		Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.workers}},
		Workers:       workers,
		FetchCooldown: o.fetchCooldown,
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return Result{}, err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		client.Stop(stopCtx)
	}()

	switch o.mode {
	case "chains":
		if err := client.Start(ctx); err != nil {
			return Result{}, err
		}
		began := time.Now()
		first := func(i int) river.JobArgs { return StepArgs{Chain: i, Step: 1, Steps: o.steps} }
		if err := insertEach(ctx, client, pool, o.jobs, o.submitters, first); err != nil {
			return Result{}, err
		}
		submitted := time.Since(began)
		select {
		case <-chains.allDone:
		case <-ctx.Done():
			return Result{}, fmt.Errorf("%d of %d steps done: %w", chains.done.Load(), chains.total, ctx.Err())
		}
		return Result{Steps: chains.total, Seconds: time.Since(began).Seconds(), Submitted: submitted.Seconds()}, nil
	case "io":
		if err := client.Start(ctx); err != nil {
			return Result{}, err
		}
		began := time.Now()
		if err := insertEach(ctx, client, pool, o.jobs, o.submitters, func(i int) river.JobArgs { return JobArgs{N: i} }); err != nil {
			return Result{}, err
		}
		submitted := time.Since(began)
		if err := waitCompleted(ctx, pool, o.jobs); err != nil {
			return Result{}, err
		}
		return Result{Steps: int64(o.jobs), Seconds: time.Since(began).Seconds(), Submitted: submitted.Seconds()}, nil
	case "burndown":
		began := time.Now()
		if err := insertAll(ctx, client, o.jobs); err != nil {
			return Result{}, err
		}
		submitted := time.Since(began)
		began = time.Now()
		if err := client.Start(ctx); err != nil {
			return Result{}, err
		}
		if err := waitCompleted(ctx, pool, o.jobs); err != nil {
			return Result{}, err
		}
		return Result{Steps: int64(o.jobs), Seconds: time.Since(began).Seconds(), Submitted: submitted.Seconds()}, nil
	default:
		return Result{}, fmt.Errorf("unknown mode %q (chains, io or burndown)", o.mode)
	}
}

// insertEach inserts n jobs, each in its own transaction, from submitters
// goroutines, as lockstep bench submits its jobs.
func insertEach(ctx context.Context, client *river.Client[pgx.Tx], pool *pgxpool.Pool, n, submitters int, args func(i int) river.JobArgs) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range submitters {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					_, err := client.InsertTx(ctx, tx, args(i), nil)
					return err
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("insert job %d: %w", i, err))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}

// insertBatch is how many jobs one bulk insert carries when nothing is
// timed.
const insertBatch = 1000

// insertAll inserts n one-step jobs the fastest way River offers (COPY in
// batches); the time it takes is not measured.
func insertAll(ctx context.Context, client *river.Client[pgx.Tx], n int) error {
	for done := 0; done < n; done += insertBatch {
		params := make([]river.InsertManyParams, min(insertBatch, n-done))
		for i := range params {
			params[i].Args = JobArgs{N: done + i}
		}
		if _, err := client.InsertManyFast(ctx, params); err != nil {
			return fmt.Errorf("insert jobs %d to %d: %w", done, done+len(params), err)
		}
	}
	return nil
}

// waitCompleted polls until n jobs are completed. River records
// completions in batches after Work returns, so counting rows, not Work
// calls, is what "done" means.
func waitCompleted(ctx context.Context, pool *pgxpool.Pool, n int) error {
	began := time.Now()
	for {
		var completed int
		err := pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE state = 'completed'").Scan(&completed)
		if err != nil {
			return fmt.Errorf("count completed jobs: %w", err)
		}
		if completed >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d jobs completed: %w", completed, n, ctx.Err())
		// As lockstep bench polls its own jobs: a fiftieth of the time
		// waited so far, 20ms to 200ms, so counting costs little and adds
		// under 2% to a run.
		case <-time.After(min(max(time.Since(began)/50, 20*time.Millisecond), 200*time.Millisecond)):
		}
	}
}
