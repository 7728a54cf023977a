package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/tokens"
	"github.com/lockstep-dev/lockstep/jobs"
)

var queries = db.New()

// demoOptions are the demo's flags.
type demoOptions struct {
	dbURL, amqpURL, prefix string
	jobs, steps            int
	handlers               []string
	concurrency            int
	failProbability        float64
	stop                   int
	timeout                time.Duration
	serveLog               string
}

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "demo [--jobs 300] [--steps 3]",
		"Start `lockstep serve` with every role, submit a batch of multi-step jobs through the API,\n"+
			"wait for them, check every job, task and event, print a summary and stop the pipeline.")
	var o demoOptions
	dbURL := databaseFlag(fs)
	amqpURL := amqpFlag(fs)
	prefix := prefixFlag(fs)
	fs.IntVar(&o.jobs, "jobs", 300, "jobs to submit")
	fs.IntVar(&o.steps, "steps", 3, "steps per job")
	handlers := fs.String("handlers", "uppercase", "comma-separated handlers the steps cycle through")
	fs.IntVar(&o.concurrency, "concurrency", 8, "concurrent submissions")
	fs.Float64Var(&o.failProbability, "fail-probability", 0, "when above 0, step 2 of each job is the fail handler failing each attempt with this probability")
	fs.IntVar(&o.stop, "stop", 0, "stop this many jobs through the API right after submitting them")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up waiting for the jobs after this long")
	fs.StringVar(&o.serveLog, "serve-log", filepath.Join(os.TempDir(), "lockstep-demo-serve.log"), "where the pipeline's log goes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.dbURL, o.amqpURL, o.prefix = *dbURL, *amqpURL, *prefix
	o.handlers = strings.Split(*handlers, ",")
	if o.jobs < 1 || o.steps < 1 || o.steps > jobs.MaxSteps || o.concurrency < 1 {
		return fmt.Errorf("--jobs and --concurrency must be at least 1 and --steps 1 to %d", jobs.MaxSteps)
	}
	if o.failProbability < 0 || o.failProbability > 1 || o.stop < 0 || o.stop > o.jobs {
		return errors.New("--fail-probability must be 0 to 1 and --stop 0 to --jobs")
	}
	for _, h := range o.handlers {
		if !knownHandler(h) {
			return fmt.Errorf("unknown handler %q in --handlers", h)
		}
	}
	if err := validateAMQPURL(o.amqpURL); err != nil {
		return err
	}
	pool, err := openPool(ctx, o.dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	pipeline, err := startPipeline(ctx, o.dbURL, o.amqpURL, o.prefix, o.serveLog)
	if err != nil {
		return err
	}
	fmt.Printf("pipeline started: roles %s, API %s, log %s\n", strings.Join(roleNames(), ","), pipeline.apiURL, o.serveLog)
	// The demo's own token, revoked when it is done.
	name := "demo-" + uuid.NewString()[:8]
	secret, _, err := tokens.Create(ctx, pool, name)
	if err != nil {
		return errors.Join(err, pipeline.stop())
	}
	defer queries.TokenRevoke(context.WithoutCancel(ctx), pool, name)
	client := apiClient{baseURL: pipeline.apiURL, token: secret}
	result, runErr := runBatch(ctx, pool, client, o)
	if runErr == nil {
		result.counters, runErr = pipelineCounters(ctx, client)
	}
	stopErr := pipeline.stop()
	if stopErr != nil {
		stopErr = fmt.Errorf("stop pipeline: %w", stopErr)
	} else {
		fmt.Println("pipeline stopped")
	}
	if runErr == nil {
		runErr = result.print(os.Stdout)
	}
	return errors.Join(runErr, stopErr)
}

// runBatch submits the jobs, waits until every one is final and checks each.
func runBatch(ctx context.Context, pool *pgxpool.Pool, c apiClient, o demoOptions) (batchResult, error) {
	run := uuid.NewString()[:8]
	start := time.Now()
	ids, err := submitBatch(ctx, c, run, o)
	if err != nil {
		return batchResult{}, err
	}
	submitted := time.Since(start)
	fmt.Printf("submitted %d jobs of %d steps in %s (%.0f jobs/s)\n", len(ids), o.steps, roundDuration(submitted), float64(len(ids))/submitted.Seconds())
	if err := stopSome(ctx, c, ids[:o.stop]); err != nil {
		return batchResult{}, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := waitFinal(waitCtx, pool, ids); err != nil {
		return batchResult{}, err
	}
	finished := time.Since(start)
	if err := waitOutboxDrained(waitCtx, pool); err != nil {
		return batchResult{}, err
	}
	return checkBatch(ctx, pool, ids, finished)
}

// submitBatch posts the jobs through the API, each with its own
// Idempotency-Key so a retried request could not duplicate one.
func submitBatch(ctx context.Context, c apiClient, run string, o demoOptions) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, o.jobs)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range o.concurrency {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < o.jobs && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				job, err := submitThroughAPI(ctx, c, demoSpec(run, i, o))
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("job %d: %w", i, err))
					mu.Unlock()
					return
				}
				ids[i] = job.ID
			}
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, fmt.Errorf("submit: %w", err)
	}
	return ids, nil
}

func demoSpec(run string, i int, o demoOptions) jobs.Spec {
	spec := jobs.Spec{
		Input:          json.RawMessage(fmt.Sprintf(`{"text": "hello from demo job %d"}`, i)),
		IdempotencyKey: fmt.Sprintf("demo-%s-%d", run, i),
	}
	for s := range o.steps {
		spec.Steps = append(spec.Steps, jobs.Step{Handler: o.handlers[s%len(o.handlers)]})
	}
	if o.failProbability > 0 {
		params := fmt.Sprintf(`{"probability": %g}`, o.failProbability)
		spec.Steps[min(1, o.steps-1)] = jobs.Step{Handler: "fail", Params: json.RawMessage(params)}
	}
	return spec
}

// stopSome stops jobs through POST /jobs/{id}/stop; a job that finished
// first answers 409 and is counted apart.
func stopSome(ctx context.Context, c apiClient, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	stopped, ended := 0, 0
	for _, id := range ids {
		resp, err := c.do(ctx, http.MethodPost, "/jobs/"+id.String()+"/stop", nil, nil)
		if err != nil {
			return fmt.Errorf("stop job %s: %w", id, err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			stopped++
		case http.StatusConflict:
			ended++
		default:
			return fmt.Errorf("stop job %s: %s", id, resp.Status)
		}
	}
	fmt.Printf("stopped %d jobs through the API (%d had already ended)\n", stopped, ended)
	return nil
}

// waitFinal polls the batch's status counts until no job is pending or
// running, printing progress every few seconds.
func waitFinal(ctx context.Context, pool *pgxpool.Pool, ids []uuid.UUID) error {
	var lastPrint time.Time
	for {
		counts, err := queries.JobCountByStatusAmong(ctx, pool, ids)
		if err != nil {
			return fmt.Errorf("count job statuses: %w", err)
		}
		open := 0
		var parts []string
		for _, c := range counts {
			parts = append(parts, fmt.Sprintf("%s %d", c.Status, c.Jobs))
			if !(jobs.Job{Status: c.Status}).Terminal() {
				open += int(c.Jobs)
			}
		}
		if open == 0 {
			return nil
		}
		if time.Since(lastPrint) >= 2*time.Second {
			fmt.Printf("waiting: %s\n", strings.Join(parts, ", "))
			lastPrint = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d jobs still open (%s): %w", open, strings.Join(parts, ", "), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitOutboxDrained waits until the relay published every outbox message,
// so the events of the last jobs leave before the pipeline stops.
func waitOutboxDrained(ctx context.Context, pool *pgxpool.Pool) error {
	for {
		lag, err := queries.OutboxLag(ctx, pool)
		if err != nil {
			return fmt.Errorf("read outbox lag: %w", err)
		}
		if lag.Pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d outbox messages unpublished: %w", lag.Pending, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
