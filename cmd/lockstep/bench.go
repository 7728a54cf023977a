package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/lockstep-dev/lockstep/bench"
	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/jobs"
)

func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "bench [--only "+strings.Join(bench.Parts, ",")+"] [--river bin/river-bench] [--json]",
		"Measure, side by side in one run on scratch databases and a scratch topology (all dropped\n"+
			"afterwards), each part one after another:\n"+
			"  commit    the database's own commit rate for one UPDATE n = n + 1 per transaction\n"+
			"            (pgbench with a custom script, and the same loop in Go with pgx)\n"+
			"  broker    RabbitMQ's persistent publish with confirms and consume with manual acks\n"+
			"  chains    multi-step no-op jobs through the real roles in this process, steps/s\n"+
			"  io        one-step jobs of the sleep handler, makespan\n"+
			"  burndown  one-step no-op jobs all submitted before the roles start, jobs/s\n"+
			"  latency   queued -> started p50/p99 at a light fixed submission rate\n"+
			"  submit    jobs/s that POST /jobs accepts from concurrent clients (the real API, loopback)\n"+
			"  retention row counts of outbox, inbox, events and webhook deliveries, sampled while one-step\n"+
			"            jobs keep coming, webhooks go to a loopback receiver and maintenance prunes with\n"+
			"            short retentions: the pruned tables stay flat while jobs grow\n"+
			"With --river, River runs chains, io and burndown too, with as many workers as the executor\n"+
			"has handler slots. Prints each rate and its ratio to River's and to the commit rate (pgbench's\n"+
			"when it ran). The machine is shared: compare within one run.")
	dbURL := databaseFlag(fs)
	amqpURL := amqpFlag(fs)
	pgbenchPath, _ := exec.LookPath("pgbench")
	var o bench.Options
	only := fs.String("only", "all", "comma-separated parts to run ("+strings.Join(bench.Parts, ",")+")")
	fs.StringVar(&o.Commit.Pgbench, "pgbench", pgbenchPath, "pgbench executable, found on PATH by default; empty skips it")
	fs.BoolVar(&o.Commit.GoLoop, "go-loop", true, "also measure the commit rate from Go with pgx")
	fs.IntVar(&o.Commit.Clients, "clients", 8, "commit-rate clients")
	fs.DurationVar(&o.Commit.Duration, "duration", 10*time.Second, "length of each commit-rate run")
	fs.IntVar(&o.Broker.Messages, "broker-messages", 20000, "messages published, then consumed, by the broker part")
	fs.IntVar(&o.Broker.Window, "broker-window", 256, "unconfirmed publishes at most, and the consumer's prefetch")
	p := &o.Chains
	fs.IntVar(&p.Jobs, "jobs", 2000, "jobs in the chains batch (and River chains)")
	fs.IntVar(&p.Steps, "steps", 3, "steps per chain")
	fs.StringVar(&p.Handler, "handler", "uppercase", "handler of every step of chains, burndown and latency (the no-op)")
	fs.IntVar(&o.IOJobs, "io-jobs", 1000, "one-step jobs in the io batch")
	fs.DurationVar(&o.IOSleep, "io-sleep", 100*time.Millisecond, "how long each io job sleeps (the sleep handler)")
	fs.IntVar(&o.BurndownJobs, "burndown-jobs", 20000, "one-step jobs enqueued before the burndown starts")
	fs.IntVar(&o.LatencyJobs, "latency-jobs", 500, "one-step jobs submitted by the latency part")
	fs.IntVar(&o.LatencyRate, "latency-rate", 100, "jobs submitted a second by the latency part")
	fs.IntVar(&o.Submit.Jobs, "submit-jobs", 2000, "jobs POSTed by the submit part")
	fs.IntVar(&o.Submit.Clients, "submit-clients", 32, "concurrent HTTP clients of the submit part")
	fs.IntVar(&o.Submit.PoolSize, "api-pool-size", 32, "database connections of the API server in the submit part")
	fs.IntVar(&o.Retention.Rate, "retention-rate", 30, "jobs submitted a second by the retention part")
	fs.DurationVar(&o.Retention.Duration, "retention-duration", time.Minute, "how long the retention part submits")
	fs.DurationVar(&o.Retention.Sample, "retention-sample", 5*time.Second, "how often the retention part counts rows")
	fs.DurationVar(&o.Retention.Retention, "retention", 10*time.Second, "the retention part's outbox, inbox and event retention")
	fs.DurationVar(&o.Retention.MaintenanceInterval, "retention-interval", time.Second, "how often the retention part's maintenance prunes")
	fs.IntVar(&p.Submitters, "submitters", 8, "concurrent submissions of the pipeline parts (each job one transaction), and River's inserters")
	fs.BoolVar(&p.Webhooks, "webhooks", false, "run the webhook deliverer too")
	fs.IntVar(&p.Consumers.Prefetch, "prefetch", consumers.DefaultPrefetch, "Qos prefetch per consumer channel")
	fs.IntVar(&p.Consumers.Workers, "workers", consumers.DefaultWorkers, "consumer goroutines per role")
	fs.IntVar(&p.Consumers.MaxBatch, "max-batch", consumers.DefaultMaxBatch, "deliveries per transaction at most")
	fs.DurationVar(&p.Consumers.BatchLinger, "linger", consumers.DefaultBatchLinger, "how long a consumer waits for a batch to fill")
	fs.IntVar(&p.Executor.HandlerSlots, "handler-slots", consumers.DefaultHandlerSlots, "handlers the executor runs at once (and River's workers)")
	fs.IntVar(&p.Relay.BatchSize, "relay-batch", consumers.DefaultRelayBatchSize, "outbox rows per relay claim")
	fs.DurationVar(&p.Relay.PollInterval, "relay-poll", consumers.DefaultRelayPollInterval, "how long the relay waits after a claim that was not full")
	fs.IntVar(&p.PoolSize, "pool-size", 32, "database connections of the roles (and of River)")
	fs.DurationVar(&o.RiverFetchCooldown, "river-fetch-cooldown", time.Millisecond, "River's FetchCooldown in io and burndown (River's minimum by default; its default, 100ms, caps jobs/s near 10 x workers)")
	fs.StringVar(&o.River, "river", "", "built bench/river command (make bench builds bin/river-bench); empty skips River")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process over the run to this file (go tool pprof); the pipeline parts run in it")
	profile := fs.Bool("profile", false, "print the roles' statements per step and the time each kind took")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object on the last line of stdout, after the table")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up on a part after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.Parts, err = bench.ParseParts(*only); err != nil {
		return fmt.Errorf("--only: %w", err)
	}
	if err := validateBench(o); err != nil {
		return err
	}
	if err := validateAMQPURL(*amqpURL); err != nil {
		return err
	}
	o.Commit.DatabaseURL, o.Broker.AMQPURL, o.Broker.Timeout = *dbURL, *amqpURL, *timeout
	p.DatabaseURL, p.AMQPURL, p.Timeout = *dbURL, *amqpURL, *timeout
	o.Submit.DatabaseURL, o.Submit.Steps, o.Submit.Handler, o.Submit.Timeout = *dbURL, p.Steps, p.Handler, *timeout
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	report, err := bench.Run(ctx, o, os.Stderr, logger)
	stopProfile()
	if err != nil {
		return err
	}
	if err := report.WriteTable(os.Stdout, *profile); err != nil {
		return err
	}
	if *asJSON {
		return report.WriteJSON(os.Stdout)
	}
	return nil
}

// validateBench refuses sizes no part can run with.
func validateBench(o bench.Options) error {
	p := o.Chains
	for _, n := range []struct {
		flag  string
		value int
	}{
		{"--jobs", p.Jobs}, {"--submitters", p.Submitters}, {"--clients", o.Commit.Clients},
		{"--broker-messages", o.Broker.Messages}, {"--broker-window", o.Broker.Window},
		{"--io-jobs", o.IOJobs}, {"--burndown-jobs", o.BurndownJobs}, {"--latency-jobs", o.LatencyJobs},
		{"--latency-rate", o.LatencyRate}, {"--submit-jobs", o.Submit.Jobs}, {"--submit-clients", o.Submit.Clients},
		{"--api-pool-size", o.Submit.PoolSize}, {"--pool-size", p.PoolSize}, {"--handler-slots", p.Executor.HandlerSlots},
		{"--retention-rate", o.Retention.Rate},
	} {
		if n.value < 1 {
			return fmt.Errorf("%s must be at least 1", n.flag)
		}
	}
	if p.Steps < 1 || p.Steps > jobs.MaxSteps {
		return fmt.Errorf("--steps must be 1 to %d", jobs.MaxSteps)
	}
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{
		{"--retention-duration", o.Retention.Duration}, {"--retention-sample", o.Retention.Sample},
		{"--retention", o.Retention.Retention}, {"--retention-interval", o.Retention.MaintenanceInterval},
	} {
		if d.value <= 0 {
			return fmt.Errorf("%s must be positive", d.flag)
		}
	}
	if o.Retention.Rate > 10000 {
		return errors.New("--retention-rate must be at most 10000")
	}
	if o.LatencyRate > 10000 {
		return errors.New("--latency-rate must be at most 10000 (a light rate)")
	}
	if o.IOSleep < time.Millisecond || o.IOSleep > 10*time.Second {
		return errors.New("--io-sleep must be 1ms to 10s (the sleep handler's bound)")
	}
	if !knownHandler(p.Handler) {
		return fmt.Errorf("unknown handler %q", p.Handler)
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
