// Package torture runs the whole pipeline as separate `lockstep serve`
// processes on a scratch database and RabbitMQ vhost, submits jobs through
// the API while it injects faults at random, seeded moments (kill -9,
// SIGTERM with work in flight, closed broker connections, terminated and
// exhausted database connections, malformed messages, optionally broker and
// database restarts), then drains the pipeline and checks its invariants
// over the whole history, by SQL and from the webhook receivers. It is
// `lockstep torture`.
package torture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/tokens"
	"github.com/lockstep-dev/lockstep/message"
)

// Options configure a run.
type Options struct {
	// Binary is the lockstep binary the pipeline's processes run.
	Binary string
	// DatabaseURL is the server the scratch database is created on, as a
	// user that may create roles and databases; AMQPURL the broker, as a
	// user that may create vhosts through rabbitmqctl.
	DatabaseURL, AMQPURL string
	// Duration is how long jobs are submitted and faults injected.
	Duration time.Duration
	// Seed makes the fault and load schedule reproducible (its timing
	// still depends on the machine).
	Seed uint64
	// BrokerRestart and DBRestart add restarts of the broker application
	// and of the database cluster, which every user of them notices.
	BrokerRestart, DBRestart bool
	// Out receives progress lines; Logger the pipeline-independent warnings.
	Out    io.Writer
	Logger *slog.Logger
}

// drainLimit bounds the wait, after the duration, for the pipeline to
// finish every job: long enough for the lease rescue (30s) of tasks whose
// process died, then their retries.
const drainLimit = 3 * time.Minute

// Result is what a run did and found.
type Result struct {
	Seed           uint64
	Scratch        string
	Faults         map[string]int
	FaultErrors    []string
	UnplannedExits []string
	Ledger         LedgerSummary
	Tally          tally
	Probes         int
	Receivers      ReceiverSummary
	Drained        bool
	DrainTime      time.Duration
	Anomalies      []Anomaly
	// LogDir holds the processes' logs when the run found anomalies; it is
	// removed otherwise.
	LogDir string
}

// LedgerSummary counts the API calls of the load.
type LedgerSummary struct {
	Keys, Answered, Duplicates, Refused, Stopped, StopLate int
}

// ReceiverSummary counts the webhook receivers' requests.
type ReceiverSummary struct {
	HealthyEvents, HealthyDeliveries, Failing, Hanging int
}

// FaultTotal is the number of faults injected.
func (r Result) FaultTotal() int {
	n := 0
	for _, c := range r.Faults {
		n += c
	}
	return n
}

// Run performs one run. It returns an error when the run could not be
// carried out; anomalies are in the Result. Whatever happens, including
// ctx ending (Ctrl-C), it stops its processes and removes the scratch
// database, role and vhost before it returns.
func Run(ctx context.Context, o Options) (res Result, err error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	res.Seed = o.Seed
	s, err := newScratch(ctx, o.DatabaseURL, o.AMQPURL)
	if err != nil {
		return res, err
	}
	res.Scratch = s.name
	defer func() { err = errors.Join(err, s.close()) }()
	topo := message.NewTopology(s.name)
	fmt.Fprintf(o.Out, "torture: seed %d, duration %s, scratch database, role, vhost and prefix %s\n", o.Seed, o.Duration, s.name)

	secret, _, err := tokens.Create(ctx, s.admin, "torture")
	if err != nil {
		return res, err
	}
	recv, err := startReceivers()
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, recv.close()) }()
	logDir, err := os.MkdirTemp("", s.name+"-logs-")
	if err != nil {
		return res, fmt.Errorf("create log directory: %w", err)
	}
	defer func() {
		// Kept when they may explain something: anomalies, or a run that
		// failed on its own (not interrupted).
		if len(res.Anomalies) == 0 && (err == nil || ctx.Err() != nil) {
			os.RemoveAll(logDir)
		} else {
			res.LogDir = logDir
		}
	}()
	apiAddr, err := freeLocalAddr()
	if err != nil {
		return res, err
	}
	f, err := startFleet(o.Binary, logDir, s, apiAddr)
	if err != nil {
		return res, err
	}
	defer func() {
		if stopErr := f.stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop the pipeline: %w", stopErr))
		}
	}()
	c := client{baseURL: "http://" + apiAddr, token: secret, http: &http.Client{Timeout: 15 * time.Second}}
	readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
	err = waitReady(readyCtx, func(ctx context.Context) error {
		code, err := c.call(ctx, http.MethodGet, "/healthz", nil, nil, nil)
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("/healthz answers %d", code)
		}
		return err
	})
	cancel()
	if err != nil {
		return res, fmt.Errorf("%w (logs in %s)", err, logDir)
	}
	if err := subscribe(ctx, c, recv); err != nil {
		return res, err
	}
	fmt.Fprintf(o.Out, "torture: %d processes up (logs in %s); load and faults for %s\n", len(f.procs), logDir, o.Duration)

	// Load and faults for the duration.
	runCtx, stopRun := context.WithTimeout(ctx, o.Duration)
	defer stopRun()
	l := &load{c: c, ledger: newLedger()}
	in := newInjector(o.Seed, s, f, topo, o.BrokerRestart, o.DBRestart, o.Logger)
	loaded := make(chan struct{})
	go func() { defer close(loaded); l.run(runCtx, o.Seed) }()
	in.run(runCtx)
	<-loaded
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted: %w", err)
	}
	res.Faults, res.FaultErrors, _ = in.summary()
	fmt.Fprintf(o.Out, "torture: %d faults injected, %d jobs answered; draining (at most %s)\n", res.FaultTotal(), l.ledger.posts, drainLimit)

	start := time.Now()
	drainErr := drain(ctx, s, topo, recv, o.Out)
	res.DrainTime = time.Since(start)
	res.Drained = drainErr == nil
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted: %w", err)
	}
	if drainErr != nil {
		fmt.Fprintf(o.Out, "torture: not drained: %v\n", drainErr)
	}
	if err := f.stop(); err != nil {
		return res, fmt.Errorf("stop the pipeline: %w", err)
	}
	res.UnplannedExits = f.unplannedExits()

	ev, err := gather(ctx, s, topo, l.ledger, recv, in, &res)
	if err != nil {
		return res, err
	}
	res.Anomalies, res.Tally, err = check(ctx, s.admin, topo, ev)
	return res, err
}

// subscribe registers the three receivers: the healthy one for every
// event, the failing one for failed jobs, the hanging one for stopped jobs.
func subscribe(ctx context.Context, c client, r *receivers) error {
	for _, sub := range []struct {
		path  string
		types []string
	}{
		{"/healthy", []string{}},
		{"/failing", []string{message.EventJobFailed}},
		{"/hanging", []string{message.EventJobStopped}},
	} {
		var created struct {
			Secret string `json:"secret"`
		}
		body := map[string]any{"url": r.url(sub.path), "event_types": sub.types}
		code, err := c.call(ctx, http.MethodPost, "/webhooks", nil, body, &created)
		if err == nil && code != http.StatusCreated {
			err = fmt.Errorf("status %d", code)
		}
		if err != nil {
			return fmt.Errorf("subscribe %s: %w", sub.path, err)
		}
		if sub.path == "/healthy" {
			r.setSecret(created.Secret)
		}
	}
	return nil
}

// drain waits until every job is terminal, the outbox is empty, the
// consumed queues have nothing ready and the healthy receiver has every
// event, for at most drainLimit.
func drain(ctx context.Context, s *scratch, topo message.Topology, r *receivers, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, drainLimit)
	defer cancel()
	var lastPrint time.Time
	for {
		state, err := pending(ctx, s, topo, r)
		if err == nil && state == "" {
			return nil
		}
		if err != nil {
			state = err.Error() // a fault's after-effect, or the broker restarting: try again
		}
		if time.Since(lastPrint) > 10*time.Second {
			fmt.Fprintf(out, "torture: draining: %s\n", state)
			lastPrint = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s after %s", state, drainLimit)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// pending describes what is still in flight, or "" when nothing is.
func pending(ctx context.Context, s *scratch, topo message.Topology, r *receivers) (string, error) {
	var open, unpublished int
	if err := s.admin.QueryRow(ctx, `SELECT
    (SELECT count(*) FROM jobs WHERE status NOT IN ('done', 'failed', 'stopped')),
    (SELECT count(*) FROM outbox WHERE published_at IS NULL)`).Scan(&open, &unpublished); err != nil {
		return "", fmt.Errorf("read pipeline state: %w", err)
	}
	var parts []string
	if open > 0 {
		parts = append(parts, fmt.Sprintf("%d jobs open", open))
	}
	if unpublished > 0 {
		parts = append(parts, fmt.Sprintf("%d outbox rows unpublished", unpublished))
	}
	ready, err := queueDepths(s.amqpURL, consumedQueues(topo))
	if err != nil {
		return "", err
	}
	for q, n := range ready {
		parts = append(parts, fmt.Sprintf("%d messages ready in %s", n, q))
	}
	rows, err := s.admin.Query(ctx, `SELECT id FROM events`)
	if err != nil {
		return "", fmt.Errorf("read events: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return "", fmt.Errorf("read events: %w", err)
	}
	delivered, _ := r.seen()
	missing := 0
	for _, id := range ids {
		if delivered[id] == 0 {
			missing++
		}
	}
	if missing > 0 {
		parts = append(parts, fmt.Sprintf("%d events not yet delivered to the healthy receiver", missing))
	}
	return strings.Join(parts, ", "), nil
}

// queueDepths returns the queues among names with messages ready.
func queueDepths(amqpURL string, names []string) (map[string]int, error) {
	conn, ch, err := brokerChannel(amqpURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	depths := map[string]int{}
	for _, name := range names {
		q, err := ch.QueueDeclarePassive(name,
			true,  // durable
			false, // autoDelete
			false, // exclusive
			false, // noWait
			nil)
		if err != nil {
			return nil, fmt.Errorf("inspect queue %s: %w", name, err)
		}
		if q.Messages > 0 {
			depths[name] = q.Messages
		}
	}
	return depths, nil
}

// gather collects the evidence from outside the database once the
// pipeline has stopped, and fills in res's counts.
func gather(ctx context.Context, s *scratch, topo message.Topology, g *ledger, r *receivers, in *injector, res *Result) (evidence, error) {
	letters, err := consumers.OpenDeadLetters(consumers.Config{AMQPURL: s.amqpURL, Topology: topo})
	if err != nil {
		return evidence{}, err
	}
	dead, err := letters.List(ctx, 0)
	letters.Close()
	if err != nil {
		return evidence{}, fmt.Errorf("read the dead letters: %w", err)
	}
	_, _, probes := in.summary()
	delivered, badSigned := r.seen()
	g.mu.Lock()
	keys := make(map[string][]uuid.UUID, len(g.keys))
	for k, ids := range g.keys {
		keys[k] = ids
	}
	res.Ledger = LedgerSummary{Keys: len(g.order), Answered: g.posts, Duplicates: g.duplicate, Refused: g.refused,
		Stopped: g.stops, StopLate: g.stopLate}
	g.mu.Unlock()
	r.mu.Lock()
	res.Receivers = ReceiverSummary{HealthyEvents: len(r.delivered), Failing: r.failing, Hanging: r.hanging}
	for _, n := range r.delivered {
		res.Receivers.HealthyDeliveries += n
	}
	r.mu.Unlock()
	res.Probes = len(probes)
	return evidence{keys: keys, delivered: delivered, badSigned: badSigned, probes: probes, dead: dead,
		maxAttempts: consumers.DefaultMaxAttempts}, nil
}

func freeLocalAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
