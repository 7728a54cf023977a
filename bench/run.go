package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The parts of a bench run, in the order they run.
const (
	PartCommit   = "commit"   // the database's one-UPDATE commit rate (pgbench, Go loop)
	PartBroker   = "broker"   // RabbitMQ's confirmed-publish and consume-with-ack rates
	PartChains   = "chains"   // multi-step no-op jobs, steps/s, beside River's chains
	PartIO       = "io"       // one-step sleeping jobs, makespan, beside River
	PartBurndown = "burndown" // pre-enqueued one-step jobs, jobs/s, beside River
	PartLatency  = "latency"  // queued -> started at a light fixed rate
	PartSubmit   = "submit"   // POST /jobs from concurrent HTTP clients
	// PartRetention samples the pruned tables' row counts while jobs keep
	// coming.
	PartRetention = "retention"
)

// Parts lists every part in run order.
var Parts = []string{PartCommit, PartBroker, PartChains, PartIO, PartBurndown, PartLatency, PartSubmit, PartRetention}

// ParseParts reads a comma-separated list of parts; "all" or empty is
// every part.
func ParseParts(list string) ([]string, error) {
	if list == "" || list == "all" {
		return Parts, nil
	}
	var parts []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(Parts, name) {
			return nil, fmt.Errorf("unknown part %q (parts: %s)", name, strings.Join(Parts, ","))
		}
		if !slices.Contains(parts, name) {
			parts = append(parts, name)
		}
	}
	return parts, nil
}

// Options say which parts run and how large each is.
type Options struct {
	// Parts to run; see ParseParts.
	Parts  []string
	Commit CommitRateOptions
	Broker BrokerOptions
	// Chains is the chains' batch and the roles' tuning (Consumers, Relay,
	// Executor, PoolSize, Submitters, Timeout), which every pipeline part
	// shares; the io, burn-down and latency parts run one-step jobs of
	// their own sizes through the same roles.
	Chains PipelineOptions
	// IOJobs jobs of one step sleeping IOSleep each.
	IOJobs  int
	IOSleep time.Duration
	// BurndownJobs one-step jobs of Chains.Handler, enqueued first.
	BurndownJobs int
	// LatencyJobs one-step jobs of Chains.Handler, LatencyRate a second.
	LatencyJobs, LatencyRate int
	Submit                   SubmitOptions
	// Retention runs one-step jobs of Chains.Handler through the roles.
	Retention RetentionOptions
	// River is the built bench/river command; empty skips River. It runs
	// with as many workers as the executor has handler slots.
	River string
	// RiverFetchCooldown is River's FetchCooldown in the io and burn-down
	// parts. River fetches at most MaxWorkers jobs per cooldown, so its
	// default (100ms) caps a burn-down at about ten times the workers a
	// second; chains keep the default, which served them better in our runs
	// (the fetches compete with the inserts).
	RiverFetchCooldown time.Duration
}

// Report is what a run measured; a part that did not run is nil.
type Report struct {
	Options Options
	CPUs    int
	At      time.Time

	Commit                              *CommitRateResult
	Broker                              *BrokerResult
	Chains, IO, Burndown                *PipelineResult
	RiverChains, RiverIO, RiverBurndown *RiverResult
	Latency                             *LatencyResult
	Submit                              *Rate
	Retention                           *RetentionResult
}

// Run runs the parts opts names, one after another, each on its own
// scratch database (and topology), and says on progress what it starts.
func Run(ctx context.Context, opts Options, progress io.Writer, logger *slog.Logger) (Report, error) {
	r := Report{Options: opts, CPUs: runtime.NumCPU(), At: time.Now()}
	for _, part := range opts.Parts {
		if err := r.run(ctx, part, progress, logger); err != nil {
			return r, fmt.Errorf("%s: %w", part, err)
		}
	}
	return r, nil
}

func (r *Report) run(ctx context.Context, part string, progress io.Writer, logger *slog.Logger) error {
	opts := r.Options
	switch part {
	case PartCommit:
		fmt.Fprintf(progress, "commit rate: %d clients for %s each ...\n", opts.Commit.Clients, opts.Commit.Duration)
		c, err := RunCommitRate(ctx, opts.Commit, logger)
		r.Commit = &c
		return err
	case PartBroker:
		fmt.Fprintf(progress, "broker: %d messages, window %d ...\n", opts.Broker.Messages, opts.Broker.Window)
		b, err := RunBroker(ctx, opts.Broker, logger)
		r.Broker = &b
		return err
	case PartChains:
		p := opts.Chains
		fmt.Fprintf(progress, "chains: %d jobs of %d %s steps ...\n", p.Jobs, p.Steps, p.Handler)
		return r.sideBySide(ctx, &r.Chains, &r.RiverChains, RunPipeline, p, RiverChains, progress, logger)
	case PartIO:
		p := opts.ioPipeline()
		fmt.Fprintf(progress, "io: %d jobs sleeping %s, %d handler slots ...\n", p.Jobs, opts.IOSleep, p.Executor.HandlerSlots)
		return r.sideBySide(ctx, &r.IO, &r.RiverIO, RunPipeline, p, RiverIO, progress, logger)
	case PartBurndown:
		p := opts.oneStep(opts.BurndownJobs)
		fmt.Fprintf(progress, "burndown: %d one-step jobs enqueued first ...\n", p.Jobs)
		return r.sideBySide(ctx, &r.Burndown, &r.RiverBurndown, RunBurndown, p, RiverBurndown, progress, logger)
	case PartLatency:
		p := opts.oneStep(opts.LatencyJobs)
		fmt.Fprintf(progress, "latency: %d one-step jobs at %d/s ...\n", p.Jobs, opts.LatencyRate)
		l, err := RunLatency(ctx, p, opts.LatencyRate, logger)
		r.Latency = &l
		return err
	case PartSubmit:
		s := opts.Submit
		fmt.Fprintf(progress, "submit: %d jobs from %d HTTP clients, API pool %d ...\n", s.Jobs, s.Clients, s.PoolSize)
		rate, err := RunSubmit(ctx, s, logger)
		r.Submit = &rate
		return err
	case PartRetention:
		rt := opts.Retention
		fmt.Fprintf(progress, "retention: %d jobs/s for %s, retention %s, pruned every %s ...\n", rt.Rate, rt.Duration, rt.Retention, rt.MaintenanceInterval)
		result, err := RunRetention(ctx, opts.Chains, rt, logger)
		r.Retention = &result
		return err
	}
	return fmt.Errorf("unknown part %q", part)
}

// sideBySide runs a pipeline part, then River's run of the same shape.
func (r *Report) sideBySide(ctx context.Context, lockstep **PipelineResult, river **RiverResult,
	runPipeline func(context.Context, PipelineOptions, *slog.Logger) (PipelineResult, error),
	p PipelineOptions, mode string, progress io.Writer, logger *slog.Logger) error {
	result, err := runPipeline(ctx, p, logger)
	if err != nil {
		return err
	}
	*lockstep = &result
	if r.Options.River == "" {
		return nil
	}
	fmt.Fprintf(progress, "  river --mode %s ...\n", mode)
	riverResult, err := RunRiver(ctx, r.Options.riverOf(p, mode), logger)
	if err != nil {
		return fmt.Errorf("river: %w", err)
	}
	*river = &riverResult
	return nil
}

// oneStep is the chains' pipeline with jobs one-step jobs.
func (o Options) oneStep(jobs int) PipelineOptions {
	p := o.Chains
	p.Jobs, p.Steps = jobs, 1
	return p
}

// ioPipeline is the io part's pipeline: one-step jobs of the demo sleep
// handler.
func (o Options) ioPipeline() PipelineOptions {
	p := o.oneStep(o.IOJobs)
	p.Handler = "sleep"
	p.Params, _ = json.Marshal(map[string]int64{"ms": o.IOSleep.Milliseconds()})
	return p
}

// riverOf is River's run of the shape p runs in the pipeline: as many
// workers as handler slots, the same submitters and pool size.
func (o Options) riverOf(p PipelineOptions, mode string) RiverOptions {
	var cooldown time.Duration
	if mode != RiverChains {
		cooldown = o.RiverFetchCooldown
	}
	return RiverOptions{
		Binary:        o.River,
		DatabaseURL:   p.DatabaseURL,
		Mode:          mode,
		Jobs:          p.Jobs,
		Steps:         p.Steps,
		Sleep:         o.IOSleep,
		Submitters:    p.Submitters,
		Workers:       p.Executor.HandlerSlots,
		FetchCooldown: cooldown,
		PoolSize:      p.PoolSize,
		Timeout:       p.Timeout,
	}
}
