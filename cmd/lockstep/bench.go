package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/lockstep-dev/lockstep/bench"
	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/jobs"
)

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "bench [--jobs 2000] [--steps 3] [--river bin/river-bench]",
		"Measure, side by side in one run on scratch databases and a scratch topology (all dropped\n"+
			"afterwards): the database's own commit rate for one UPDATE n = n + 1 per transaction\n"+
			"(pgbench with a custom script, and the same loop in Go with pgx), the pipeline's steps/s\n"+
			"for a batch of multi-step jobs through the real roles in this process, and, with --river,\n"+
			"River's chained jobs (the bench/river module). Prints each rate and its ratio to the\n"+
			"commit rate (pgbench's when it ran). The machine is shared: compare within one run.")
	dbURL := databaseFlag(fs)
	amqpURL := amqpFlag(fs)
	pgbenchPath, _ := exec.LookPath("pgbench")
	var (
		commit   bench.CommitRateOptions
		pipeline bench.PipelineOptions
		river    bench.RiverOptions
	)
	fs.StringVar(&commit.Pgbench, "pgbench", pgbenchPath, "pgbench executable, found on PATH by default; empty skips it")
	fs.BoolVar(&commit.GoLoop, "go-loop", true, "also measure the commit rate from Go with pgx")
	fs.IntVar(&commit.Clients, "clients", 8, "commit-rate clients")
	fs.DurationVar(&commit.Duration, "duration", 10*time.Second, "length of each commit-rate run")
	fs.IntVar(&pipeline.Jobs, "jobs", 2000, "jobs in the pipeline batch (and River chains)")
	fs.IntVar(&pipeline.Steps, "steps", 3, "steps per job (and per River chain)")
	fs.StringVar(&pipeline.Handler, "handler", "uppercase", "handler of every step")
	fs.IntVar(&pipeline.Submitters, "submitters", 8, "concurrent submissions (each job one transaction)")
	fs.BoolVar(&pipeline.Webhooks, "webhooks", false, "run the webhook deliverer too")
	fs.IntVar(&pipeline.Consumers.Prefetch, "prefetch", consumers.DefaultPrefetch, "Qos prefetch per consumer channel")
	fs.IntVar(&pipeline.Consumers.Workers, "workers", consumers.DefaultWorkers, "consumer goroutines per role")
	fs.IntVar(&pipeline.Consumers.MaxBatch, "max-batch", consumers.DefaultMaxBatch, "deliveries per transaction at most")
	fs.DurationVar(&pipeline.Consumers.BatchLinger, "linger", consumers.DefaultBatchLinger, "how long a consumer waits for a batch to fill")
	fs.IntVar(&pipeline.Relay.BatchSize, "relay-batch", consumers.DefaultRelayBatchSize, "outbox rows per relay claim")
	fs.DurationVar(&pipeline.Relay.PollInterval, "relay-poll", consumers.DefaultRelayPollInterval, "how long the relay waits after a claim that was not full")
	fs.IntVar(&pipeline.PoolSize, "pool-size", 32, "database connections of the roles (and of River)")
	fs.StringVar(&river.Binary, "river", "", "built bench/river command (make bench builds bin/river-bench); empty skips River")
	fs.IntVar(&river.Workers, "river-workers", 100, "River's MaxWorkers")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the pipeline run to this file (go tool pprof)")
	profile := fs.Bool("profile", false, "print the roles' statements per step and the time each kind took")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up on a batch after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if pipeline.Jobs < 1 || pipeline.Steps < 1 || pipeline.Steps > jobs.MaxSteps || pipeline.Submitters < 1 || commit.Clients < 1 {
		return fmt.Errorf("--jobs, --submitters and --clients must be at least 1 and --steps 1 to %d", jobs.MaxSteps)
	}
	if !knownHandler(pipeline.Handler) {
		return fmt.Errorf("unknown handler %q", pipeline.Handler)
	}
	if err := validateAMQPURL(*amqpURL); err != nil {
		return err
	}
	commit.DatabaseURL, pipeline.DatabaseURL, pipeline.AMQPURL, pipeline.Timeout = *dbURL, *dbURL, *amqpURL, *timeout
	river.DatabaseURL, river.Chains, river.Steps, river.Submitters, river.PoolSize, river.Timeout =
		*dbURL, pipeline.Jobs, pipeline.Steps, pipeline.Submitters, pipeline.PoolSize, *timeout
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	fmt.Fprintf(os.Stderr, "commit rate: %d clients for %s each ...\n", commit.Clients, commit.Duration)
	commitRate, err := bench.RunCommitRate(ctx, commit, logger)
	if err != nil {
		return fmt.Errorf("commit rate: %w", err)
	}
	fmt.Fprintf(os.Stderr, "pipeline: %d jobs of %d steps ...\n", pipeline.Jobs, pipeline.Steps)
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	pipelineResult, err := bench.RunPipeline(ctx, pipeline, logger)
	stopProfile()
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	var riverResult *bench.RiverResult
	if river.Binary != "" {
		fmt.Fprintf(os.Stderr, "river: %d chains of %d steps ...\n", river.Chains, river.Steps)
		r, err := bench.RunRiver(ctx, river, logger)
		if err != nil {
			return fmt.Errorf("river: %w", err)
		}
		riverResult = &r
	}
	return printBench(os.Stdout, commit, commitRate, pipeline, pipelineResult, river, riverResult, *profile)
}

// printBench writes the figures with their ratios to the reference commit
// rate: pgbench's when it ran, else the Go loop's.
func printBench(w io.Writer, commit bench.CommitRateOptions, c bench.CommitRateResult,
	pipeline bench.PipelineOptions, p bench.PipelineResult, river bench.RiverOptions, r *bench.RiverResult, profile bool) error {
	reference := c.Pgbench
	if reference == nil {
		reference = c.GoLoop
	}
	if reference == nil {
		return errors.New("no commit rate to compare with: give --pgbench or --go-loop")
	}
	fmt.Fprintf(w, "lockstep bench: %d CPUs, PostgreSQL %s, %s\n\n", runtime.NumCPU(), c.ServerVersion, time.Now().Format(time.DateTime))
	type line struct {
		name string
		rate bench.Rate
		unit string
	}
	var lines []line
	update := fmt.Sprintf("1 UPDATE n = n + 1 per tx, %d clients, %s", commit.Clients, commit.Duration)
	if c.Pgbench != nil {
		lines = append(lines, line{"PostgreSQL, pgbench: " + update, *c.Pgbench, "tx/s"})
	}
	if c.GoLoop != nil {
		lines = append(lines, line{"PostgreSQL, Go/pgx loop: " + update, *c.GoLoop, "tx/s"})
	}
	webhooks, roles := "webhooks off", "relay, executor, results"
	if pipeline.Webhooks {
		webhooks, roles = "webhooks on", roles+", webhooks"
	}
	lines = append(lines, line{fmt.Sprintf("lockstep pipeline: %d jobs x %d %s steps, %s", pipeline.Jobs, pipeline.Steps, pipeline.Handler, webhooks), p.Steps, "steps/s"})
	if r != nil {
		lines = append(lines, line{fmt.Sprintf("River: %d chains x %d steps, complete + insert next in 1 tx", river.Chains, river.Steps), r.Steps, "steps/s"})
	}
	t := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(t, "measure\t      rate\t\tratio")
	for _, l := range lines {
		fmt.Fprintf(t, "%s\t%10s\t%s\t%.2fx\n", l.name, thousands(l.rate.PerSecond()), l.unit, l.rate.PerSecond()/reference.PerSecond())
	}
	if err := t.Flush(); err != nil {
		return err
	}
	steps := float64(p.Steps.Count)
	fmt.Fprintf(w, "\npipeline: %s from first submit to last job done (submitting took %s, %d submitters);\n",
		roundDuration(p.Steps.Elapsed), roundDuration(p.Submitted), pipeline.Submitters)
	var statements, commits int64
	var dbTime time.Duration
	for _, k := range p.Statements {
		statements += k.Count
		dbTime += k.Time
		if k.Name == "commit" {
			commits = k.Count
		}
	}
	fmt.Fprintf(w, "  the roles (%s) sent %.1f statements and %.2f commits per step, %s per step in the database;\n",
		roles, float64(statements)/steps, float64(commits)/steps, roundDuration(time.Duration(float64(dbTime)/steps)))
	fmt.Fprintf(w, "  prefetch %d, workers %d per role, max batch %d, linger %s, relay batch %d, relay poll %s, pool %d\n",
		pipeline.Consumers.Prefetch, pipeline.Consumers.Workers, pipeline.Consumers.MaxBatch, pipeline.Consumers.BatchLinger,
		pipeline.Relay.BatchSize, pipeline.Relay.PollInterval, pipeline.PoolSize)
	if profile {
		fmt.Fprintln(w, "\nstatement                      per step   time/step   mean")
		for _, k := range p.Statements {
			fmt.Fprintf(w, "%-28s %10.2f %11s %6s\n", k.Name, float64(k.Count)/steps,
				roundDuration(time.Duration(float64(k.Time)/steps)), roundDuration(k.Time/time.Duration(k.Count)))
		}
		fmt.Fprintln(w)
	}
	if r != nil {
		fmt.Fprintf(w, "river: %s from first insert to last step committed (inserting took %s), %d workers\n",
			roundDuration(r.Steps.Elapsed), roundDuration(r.Submitted), river.Workers)
	} else {
		fmt.Fprintln(w, "river: skipped (give --river bin/river-bench; make bench does)")
	}
	return nil
}

// startCPUProfile profiles this process into path until the returned
// function is called; an empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// thousands formats a rate with thousands separators, no decimals.
func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
