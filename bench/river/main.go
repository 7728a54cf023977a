// Command river-bench measures River (github.com/riverqueue/river) on the
// shape `lockstep bench` measures the pipeline with: chains of steps where
// each step completes itself and inserts the next in one transaction. It is
// a module of its own so the main module does not depend on River;
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
	Steps     int64   `json:"steps"`
	Seconds   float64 `json:"seconds"`
	Submitted float64 `json:"submitted_seconds"`
}

func main() {
	dbURL := flag.String("database-url", "", "PostgreSQL URL of an empty scratch database (required; the River schema is migrated into it)")
	chains := flag.Int("chains", 2000, "chains to insert")
	steps := flag.Int("steps", 3, "steps per chain")
	submitters := flag.Int("submitters", 8, "concurrent inserters of the first steps")
	workers := flag.Int("workers", 100, "River's MaxWorkers for the queue")
	poolSize := flag.Int("pool-size", 32, "database connections")
	timeout := flag.Duration("timeout", 5*time.Minute, "give up after this long")
	flag.Parse()
	if *dbURL == "" || *chains < 1 || *steps < 1 {
		fmt.Fprintln(os.Stderr, "river-bench: --database-url is required; --chains and --steps must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	result, err := run(ctx, *dbURL, *chains, *steps, *submitters, *workers, *poolSize)
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

func run(ctx context.Context, dbURL string, chains, steps, submitters, maxWorkers, poolSize int) (Result, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return Result{}, err
	}
	cfg.MaxConns = int32(poolSize)
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

	worker := &StepWorker{pool: pool, total: int64(chains * steps), allDone: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, worker)
	client, err := river.NewClient(driver, &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers: workers,
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return Result{}, err
	}
	if err := client.Start(ctx); err != nil {
		return Result{}, err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		client.Stop(stopCtx)
	}()

	start := time.Now()
	if err := insertChains(ctx, client, pool, chains, steps, submitters); err != nil {
		return Result{}, err
	}
	submitted := time.Since(start)
	select {
	case <-worker.allDone:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("%d of %d steps done: %w", worker.done.Load(), worker.total, ctx.Err())
	}
	return Result{Steps: worker.total, Seconds: time.Since(start).Seconds(), Submitted: submitted.Seconds()}, nil
}

// insertChains inserts each chain's first step in its own transaction,
// from submitters goroutines, as lockstep bench submits its jobs.
func insertChains(ctx context.Context, client *river.Client[pgx.Tx], pool *pgxpool.Pool, chains, steps, submitters int) error {
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range submitters {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < chains && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					_, err := client.InsertTx(ctx, tx, StepArgs{Chain: i, Step: 1, Steps: steps}, nil)
					return err
				})
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("insert chain %d: %w", i, err))
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}
