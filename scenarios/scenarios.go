// Package scenarios runs the race scenarios of docs/scenarios.md under real
// concurrency on PostgreSQL and RabbitMQ: each scenario's naive port
// (package naive) and its fix (package safe) run with the same workers and
// operations, and the scenario's invariant is checked afterwards. A naive
// variant is expected to show anomalies; a safe one must never.
package scenarios

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/scenarios/naive"
	"github.com/lockstep-dev/lockstep/scenarios/safe"
)

// Variant names one side of a scenario.
type Variant string

// The two sides of every scenario.
const (
	Naive Variant = "naive"
	Safe  Variant = "safe"
)

// Env is where a run happens.
type Env struct {
	// Pool is on a migrated database the run may fill; keys are prefixed
	// with Prefix, so several runs may share a database.
	Pool *pgxpool.Pool
	// AMQPURL is the RabbitMQ server of the scenarios with messages.
	AMQPURL string
	// Prefix is unique per run; queue names and row keys start with it.
	Prefix string
	// Logger receives the pipeline roles' logs; nil logs warnings and
	// errors to stderr.
	Logger *slog.Logger
}

// Options tune a run.
type Options struct {
	// Workers is the number of concurrent workers per variant.
	Workers int
	// Ops is the number of operations per variant, rounded up to a multiple
	// of Workers.
	Ops int
	// Think is the naive ports' pause between read and write (see
	// naive.New); zero means none. DefaultThink is what lockstep race uses.
	Think time.Duration
	// OnProgress, when set, is called every Tick while a variant runs.
	OnProgress func(Progress)
	// Tick is the interval between OnProgress calls.
	Tick time.Duration
}

// Defaults for zero Options fields: with DefaultThink, every naive port
// shows anomalies on a 2-core machine, and a full run takes under a minute.
const (
	DefaultWorkers = 8
	DefaultOps     = 400
	DefaultTick    = 250 * time.Millisecond
)

// DefaultThink is a pause between read and write with which every naive
// port shows its race at the default workers and operations, on a busy
// 2-core machine too. The races do not need it: most ports lose data with
// no pause at all.
const DefaultThink = 2 * time.Millisecond

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Ops <= 0 {
		o.Ops = DefaultOps
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	return o
}

// Progress reports how far the running variant is.
type Progress struct {
	Scenario string
	Variant  Variant
	Done     int
	Total    int
}

// Result is one variant's outcome.
type Result struct {
	Scenario string
	Variant  Variant
	// Ops is the number of operations run.
	Ops int
	// Anomalies counts the violations of the scenario's invariant, in the
	// unit the scenario's Anomaly names.
	Anomalies int
	// Anomaly is the scenario's unit of anomaly.
	Anomaly string
	// Example is the first error an operation met, if any.
	Example string
	Elapsed time.Duration
}

// Scenario is one race of docs/scenarios.md.
type Scenario struct {
	// Name is the scenario's number, with the case after a dash for S3.
	Name string
	// Anomaly names what one anomaly is, e.g. "lost likes".
	Anomaly string
	// run runs one variant and returns its anomalies.
	run func(ctx context.Context, t *trial) (int, error)
}

// All returns every scenario in the order of docs/scenarios.md.
func All() []Scenario {
	return []Scenario{
		pipeline(),
		enqueueInTransaction(),
		webhookEvents(),
		getOrCreate(),
		likes(),
		domains(),
		transferToken(),
		updateOrCreate(),
	}
}

// Select returns the scenarios whose name is name or starts with name
// followed by a dash ("S3" selects every S3 case); every scenario when name is
// empty.
func Select(name string) ([]Scenario, error) {
	var selected []Scenario
	for _, s := range All() {
		if name == "" || strings.EqualFold(s.Name, name) || strings.HasPrefix(strings.ToLower(s.Name), strings.ToLower(name)+"-") {
			selected = append(selected, s)
		}
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("no scenario named %q", name)
	}
	return selected, nil
}

// Run runs both variants of each scenario, one variant at a time.
func Run(ctx context.Context, env Env, opts Options, scenarios []Scenario) ([]Result, error) {
	opts = opts.withDefaults()
	var results []Result
	for _, s := range scenarios {
		for _, v := range []Variant{Naive, Safe} {
			r, err := runVariant(ctx, env, opts, s, v)
			if err != nil {
				return results, fmt.Errorf("%s %s: %w", s.Name, v, err)
			}
			results = append(results, r)
		}
	}
	return results, nil
}

func runVariant(ctx context.Context, env Env, opts Options, s Scenario, v Variant) (Result, error) {
	rounds := (opts.Ops + opts.Workers - 1) / opts.Workers
	t := &trial{
		env:     env,
		variant: v,
		key:     fmt.Sprintf("%s-%s-%s", env.Prefix, s.Name, v),
		workers: opts.Workers,
		rounds:  rounds,
		naive:   naive.New(env.Pool, opts.Think),
		safe:    safe.New(env.Pool),
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		if opts.OnProgress == nil {
			return
		}
		ticker := time.NewTicker(opts.Tick)
		defer ticker.Stop()
		for {
			opts.OnProgress(Progress{Scenario: s.Name, Variant: v, Done: int(t.done.Load()), Total: t.ops()})
			select {
			case <-stop:
				return
			case <-ticker.C:
			}
		}
	}()
	start := time.Now()
	anomalies, err := s.run(ctx, t)
	elapsed := time.Since(start)
	close(stop)
	<-ticked
	if err != nil {
		return Result{}, err
	}
	return Result{
		Scenario:  s.Name,
		Variant:   v,
		Ops:       t.ops(),
		Anomalies: anomalies,
		Anomaly:   s.Anomaly,
		Example:   t.example(),
		Elapsed:   elapsed,
	}, nil
}

// trial is one variant's run of a scenario.
type trial struct {
	env     Env
	variant Variant
	// key is unique to the trial; scenarios derive their row keys from it.
	key     string
	workers int
	rounds  int
	naive   *naive.Store
	safe    *safe.Store

	done  atomic.Int64
	first atomic.Pointer[string]
}

// ops is the number of operations the trial runs.
func (t *trial) ops() int { return t.workers * t.rounds }

// noteError remembers the first error an operation met, for the report.
func (t *trial) noteError(err error) {
	msg := err.Error()
	t.first.CompareAndSwap(nil, &msg)
}

func (t *trial) example() string {
	if p := t.first.Load(); p != nil {
		return *p
	}
	return ""
}

// pick returns the trial's side of a pair of ports.
func pick[F any](t *trial, naivePort, safePort F) F {
	if t.variant == Naive {
		return naivePort
	}
	return safePort
}

// DefaultAMQPURL is the local RabbitMQ used when AMQP_URL is unset.
const DefaultAMQPURL = "amqp://guest:guest@127.0.0.1:5672/"

// AMQPURL returns AMQP_URL, or DefaultAMQPURL when it is unset.
func AMQPURL() string {
	if u := os.Getenv("AMQP_URL"); u != "" {
		return u
	}
	return DefaultAMQPURL
}
