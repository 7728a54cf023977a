package torture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/message"
)

// Fault kinds, as the report and --json name them.
const (
	FaultKill          = "kill9"
	FaultTerm          = "sigterm"
	FaultBrokerClose   = "broker_close"
	FaultTerminate     = "pg_terminate"
	FaultTerminateAll  = "pg_terminate_burst"
	FaultPoolExhaust   = "pool_exhaustion"
	FaultMalformed     = "malformed"
	FaultBrokerRestart = "broker_restart"
	FaultDBRestart     = "db_restart"
)

// Fault pacing: the pause between two faults is drawn from this range, and
// the restarts of the broker and the database, which stop the world, are
// rarer and counted apart.
const (
	minFaultGap     = 20 * time.Millisecond
	maxFaultGap     = 300 * time.Millisecond
	maxRestarts     = 2 // per kind of server restart, per run
	holdMin         = 500 * time.Millisecond
	holdMax         = 2 * time.Second
	malformedPerHit = 3
)

// injector injects faults into one run at random, seeded intervals.
type injector struct {
	rng   *rand.Rand
	s     *scratch
	fleet *fleet
	topo  message.Topology
	kinds []weighted
	log   *slog.Logger
	// firstRound is the order of the first faults, one of each kind; next
	// counts how many of them were injected.
	firstRound []int
	next       int

	mu     sync.Mutex
	counts map[string]int
	errs   []string
	probes []probe
}

type weighted struct {
	kind   string
	weight int
	inject func(in *injector, ctx context.Context) error
}

func newInjector(seed uint64, s *scratch, f *fleet, topo message.Topology, brokerRestart, dbRestart bool, log *slog.Logger) *injector {
	in := &injector{rng: rand.New(rand.NewPCG(seed, 0)), s: s, fleet: f, topo: topo, log: log, counts: map[string]int{}}
	in.kinds = []weighted{
		{FaultKill, 5, (*injector).kill},
		{FaultTerm, 2, (*injector).term},
		{FaultBrokerClose, 2, (*injector).closeBroker},
		{FaultTerminate, 4, (*injector).terminateOne},
		{FaultTerminateAll, 2, (*injector).terminateAll},
		{FaultPoolExhaust, 1, (*injector).exhaustPool},
		{FaultMalformed, 3, (*injector).malformed},
	}
	if brokerRestart {
		in.kinds = append(in.kinds, weighted{FaultBrokerRestart, 1, (*injector).restartBroker})
	}
	if dbRestart {
		in.kinds = append(in.kinds, weighted{FaultDBRestart, 1, (*injector).restartDB})
	}
	return in
}

// run injects faults one after another until ctx ends.
func (in *injector) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(minFaultGap + time.Duration(in.rng.Int64N(int64(maxFaultGap-minFaultGap)))):
		}
		k := in.pick()
		if (k.kind == FaultBrokerRestart || k.kind == FaultDBRestart) && in.count(k.kind) >= maxRestarts {
			continue
		}
		// A fault in progress finishes (a stopped broker is started again)
		// even when the run is interrupted.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		err := k.inject(in, fctx)
		cancel()
		in.mu.Lock()
		if err != nil {
			in.errs = append(in.errs, fmt.Sprintf("%s: %v", k.kind, err))
			in.log.Debug("fault not injected", "kind", k.kind, "err", err)
		} else {
			in.counts[k.kind]++
		}
		in.mu.Unlock()
	}
}

// pick takes every kind once first, in a random order, so even a short run
// injects each of them; then kinds by weight.
func (in *injector) pick() weighted {
	if in.firstRound == nil {
		in.firstRound = in.rng.Perm(len(in.kinds))
	}
	if in.next < len(in.firstRound) {
		in.next++
		return in.kinds[in.firstRound[in.next-1]]
	}
	total := 0
	for _, k := range in.kinds {
		total += k.weight
	}
	n := in.rng.IntN(total)
	for _, k := range in.kinds {
		if n < k.weight {
			return k
		}
		n -= k.weight
	}
	panic("unreachable")
}

func (in *injector) count(kind string) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.counts[kind]
}

// randomProcess picks a running process; SIGTERM prefers executors,
// which have handlers in flight.
func (in *injector) randomProcess(preferRole string) *process {
	var up, preferred []*process
	for _, p := range in.fleet.procs {
		if p.up() {
			up = append(up, p)
			if p.roles == preferRole {
				preferred = append(preferred, p)
			}
		}
	}
	if len(preferred) > 0 && in.rng.Float64() < 0.7 {
		return preferred[in.rng.IntN(len(preferred))]
	}
	if len(up) == 0 {
		return in.fleet.procs[0] // signal refuses it: not running
	}
	return up[in.rng.IntN(len(up))]
}

// kill is kill -9 of a role process; its supervisor restarts it.
func (in *injector) kill(context.Context) error {
	return in.randomProcess("").signal(syscall.SIGKILL)
}

// term is SIGTERM with work in flight: the process stops consuming,
// finishes or abandons (at its shutdown timeout) what runs, and restarts.
func (in *injector) term(context.Context) error {
	return in.randomProcess("executor").signal(syscall.SIGTERM)
}

// closeBroker closes every broker connection of the run's vhost.
func (in *injector) closeBroker(ctx context.Context) error {
	_, err := rabbitmqctl(ctx, "close_all_connections", "-p", in.s.name, "lockstep torture")
	return err
}

// pipelineBackends selects the pipeline's own backends: the scratch
// database, the scratch role, the processes' application names.
const pipelineBackends = `SELECT pid FROM pg_stat_activity
WHERE datname = $1 AND usename = $1 AND application_name LIKE 'lockstep-%' AND pid <> pg_backend_pid()`

// terminate ends up to limit of the pipeline's backends, chosen at random
// (0: all of them), and says how many.
func (in *injector) terminate(ctx context.Context, limit int) (int, error) {
	query := "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (" + pipelineBackends + " ORDER BY random()"
	if limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", limit)
	}
	var n int
	if err := in.s.admin.QueryRow(ctx, query+") b", in.s.name).Scan(&n); err != nil {
		return 0, fmt.Errorf("terminate backends: %w", err)
	}
	return n, nil
}

func (in *injector) terminateOne(ctx context.Context) error {
	n, err := in.terminate(ctx, 1)
	if err == nil && n == 0 {
		err = errors.New("no pipeline backend to terminate")
	}
	return err
}

func (in *injector) terminateAll(ctx context.Context) error {
	n, err := in.terminate(ctx, 0)
	if err == nil && n == 0 {
		err = errors.New("no pipeline backend to terminate")
	}
	return err
}

// exhaustPool takes every connection the scratch role has left, ends a few
// of the pipeline's backends so its pools must reconnect (and are refused:
// too many connections for the role), holds them a moment, then lets go.
func (in *injector) exhaustPool(ctx context.Context) error {
	var held []*pgx.Conn
	defer func() {
		for _, c := range held {
			c.Close(context.WithoutCancel(ctx))
		}
	}()
	holderURL := in.s.withApp("torture-holder")
	for range roleConnLimit {
		c, err := pgx.Connect(ctx, holderURL)
		if err != nil {
			if !strings.Contains(err.Error(), "too many connections") {
				return fmt.Errorf("hold a connection: %w", err)
			}
			break
		}
		held = append(held, c)
	}
	if _, err := in.terminate(ctx, 1+in.rng.IntN(3)); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-time.After(holdMin + time.Duration(in.rng.Int64N(int64(holdMax-holdMin)))):
	}
	return nil
}

// malformed publishes a few malformed messages straight onto the queues.
func (in *injector) malformed(ctx context.Context) error {
	sent, err := publishMalformed(ctx, in.s.amqpURL, in.topo, in.rng, malformedPerHit)
	in.mu.Lock()
	in.probes = append(in.probes, sent...)
	in.mu.Unlock()
	return err
}

// restartBroker stops and starts the broker application: every vhost
// drops its connections, durable queues keep their persistent messages.
func (in *injector) restartBroker(ctx context.Context) error {
	if _, err := rabbitmqctl(ctx, "stop_app"); err != nil {
		return err
	}
	time.Sleep(time.Duration(1+in.rng.IntN(3)) * time.Second)
	_, err := rabbitmqctl(ctx, "start_app")
	return err
}

// restartDB restarts the PostgreSQL cluster the scratch database is on.
func (in *injector) restartDB(ctx context.Context) error {
	var cluster string // Debian names it "15/main"
	if err := in.s.admin.QueryRow(ctx, "SHOW cluster_name").Scan(&cluster); err != nil {
		return fmt.Errorf("read cluster_name: %w", err)
	}
	version, name, ok := strings.Cut(cluster, "/")
	if !ok {
		return fmt.Errorf("cluster_name %q is not version/name: pg_ctlcluster cannot restart it", cluster)
	}
	_, err := run(ctx, "pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart")
	return err
}

// summary returns the faults injected by kind, the failed injections and
// the malformed messages sent.
func (in *injector) summary() (map[string]int, []string, []probe) {
	in.mu.Lock()
	defer in.mu.Unlock()
	counts := make(map[string]int, len(in.counts))
	for k, n := range in.counts {
		counts[k] = n
	}
	return counts, slices.Clone(in.errs), slices.Clone(in.probes)
}
