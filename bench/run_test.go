package bench

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/scenarios"
)

// TestRunEveryPart runs every part at a tiny size on the real services
// (River aside: it is a module of its own) and checks that each measured
// something; the figures themselves are not asserted.
func TestRunEveryPart(t *testing.T) {
	t.Parallel()
	dbURL, amqpURL, timeout := testdb.URL(), scenarios.AMQPURL(), time.Minute
	opts := Options{
		Parts:  Parts,
		Commit: CommitRateOptions{DatabaseURL: dbURL, GoLoop: true, Clients: 2, Duration: time.Second},
		Broker: BrokerOptions{AMQPURL: amqpURL, Messages: 100, Window: 16, Timeout: timeout},
		Chains: PipelineOptions{
			DatabaseURL: dbURL, AMQPURL: amqpURL, Jobs: 5, Steps: 2, Handler: "uppercase",
			Submitters: 2, PoolSize: 8, Timeout: timeout,
		},
		IOJobs: 5, IOSleep: 5 * time.Millisecond,
		BurndownJobs: 20,
		LatencyJobs:  10, LatencyRate: 200,
		Submit: SubmitOptions{DatabaseURL: dbURL, Jobs: 20, Steps: 2, Clients: 4, Handler: "uppercase", PoolSize: 4, Timeout: timeout},
		Retention: RetentionOptions{Rate: 20, Duration: 4 * time.Second, Sample: time.Second, Retention: time.Second,
			MaintenanceInterval: 200 * time.Millisecond},
	}
	opts.Chains.Executor.HandlerSlots = consumers.DefaultHandlerSlots
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := Run(ctx, opts, io.Discard, logger)
	if err != nil {
		t.Fatal(err)
	}
	for name, rate := range map[string]*Rate{
		"go loop": r.Commit.GoLoop, "publish": &r.Broker.Publish, "consume": &r.Broker.Consume,
		"chains": &r.Chains.Steps, "io": &r.IO.Steps, "burndown": &r.Burndown.Steps, "submit": r.Submit,
	} {
		if rate == nil || rate.Count == 0 || rate.Elapsed <= 0 {
			t.Errorf("%s measured %+v", name, rate)
		}
	}
	if r.Chains.Steps.Count != 10 || r.Burndown.Steps.Count != 20 {
		t.Errorf("chains counted %d steps, burndown %d; want 10 and 20", r.Chains.Steps.Count, r.Burndown.Steps.Count)
	}
	if l := r.Latency; l.Tasks != 10 || l.StartedP50 <= 0 || l.StartedP99 < l.StartedP50 || l.DoneP99 < l.DoneP50 {
		t.Errorf("latency = %+v", l)
	}
	// Each job makes three events; with a retention of a second, those of
	// most jobs are pruned by the end, once delivered.
	if rt := r.Retention; len(rt.Samples) < 4 || rt.Delivered == 0 {
		t.Errorf("retention: %d samples, %d webhook requests answered", len(rt.Samples), rt.Delivered)
	} else if last := rt.Samples[len(rt.Samples)-1]; last.Jobs == 0 || last.Events >= 2*last.Jobs {
		t.Errorf("retention: last sample %+v, want fewer than two events a job left", last)
	}
	if r.RiverChains != nil || r.RiverIO != nil || r.RiverBurndown != nil {
		t.Error("River ran without a binary")
	}
}
