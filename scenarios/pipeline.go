package scenarios

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

// jobSteps is the number of tasks of each job S0 submits.
const jobSteps = 3

// noop is the handler of S0's tasks: the race is in the bookkeeping, not in
// the work.
const noop = "noop"

// pipeline (S0): jobs of jobSteps tasks flow through a task executor and a
// result handler, each on its own consumers. Invariant: every job ends done
// with every task done, steps and events counted (jobs.Report's
// consistency check), and exactly one output message.
func pipeline() Scenario {
	return Scenario{Name: "S0", Anomaly: "inconsistent jobs", run: func(ctx context.Context, t *trial) (int, error) {
		return t.withBroker(ctx, t.runPipeline)
	}}
}

func (t *trial) runPipeline(ctx context.Context, b *broker) (int, error) {
	var outputs outputs
	err := b.consume(b.topo.Output, 1, func(_ *amqp.Channel, d amqp.Delivery) error {
		var out message.Output
		if err := json.Unmarshal(d.Body, &out); err != nil {
			return fmt.Errorf("output body %q: %w", d.Body, err)
		}
		outputs.record(out.JobID)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := t.startPipeline(ctx, b); err != nil {
		return 0, err
	}
	chans, err := b.channels(t.workers)
	if err != nil {
		return 0, err
	}
	// Each operation submits a job and waits for its output, as a client
	// of the pipeline would: the workers keep t.workers jobs in flight, so
	// the consumers are never far behind, which is where the naive ports'
	// publish-then-save windows lie.
	ids := make([][]uuid.UUID, t.workers)
	failed, err := t.race(ctx, func(ctx context.Context, w, _ int) error {
		var id uuid.UUID
		var err error
		if t.variant == Naive {
			id, err = t.naive.SubmitJob(ctx, chans[w], b.topo, noop, jobSteps)
		} else {
			id, err = t.safe.SubmitJob(ctx, b.topo, noop, jobSteps)
		}
		if err != nil {
			return err
		}
		ids[w] = append(ids[w], id)
		// A job that never finishes is found by the check below.
		select {
		case <-outputs.arrived(id):
		case <-time.After(deliveryTimeout):
		case <-ctx.Done():
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	anomalies := failed
	for _, id := range slices.Concat(ids...) {
		report, err := jobs.Status(ctx, t.env.Pool, id)
		if err != nil {
			return 0, err
		}
		problems := report.Inconsistencies()
		if n := outputs.count(id); n != 1 {
			problems = append(problems, fmt.Sprintf("%d output messages, want 1", n))
		}
		if len(problems) > 0 {
			anomalies++
			t.noteError(fmt.Errorf("job %s: %s", id, strings.Join(problems, "; ")))
		}
	}
	return anomalies, nil
}

// outputs counts the output messages per job and lets a worker wait for
// its job's first one.
type outputs struct {
	mu      sync.Mutex
	counts  map[uuid.UUID]int
	waiting map[uuid.UUID]chan struct{}
}

func (o *outputs) record(id uuid.UUID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts = map[uuid.UUID]int{}
	}
	o.counts[id]++
	if o.counts[id] == 1 {
		close(o.channel(id))
	}
}

// arrived returns a channel closed once the job's first output arrived.
func (o *outputs) arrived(id uuid.UUID) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.channel(id)
}

func (o *outputs) channel(id uuid.UUID) chan struct{} {
	if o.waiting == nil {
		o.waiting = map[uuid.UUID]chan struct{}{}
	}
	ch, ok := o.waiting[id]
	if !ok {
		ch = make(chan struct{})
		o.waiting[id] = ch
	}
	return ch
}

func (o *outputs) count(id uuid.UUID) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.counts[id]
}

// startPipeline runs the trial's executor and result handler: the naive
// ports on consumers of their own, or the pipeline's roles.
func (t *trial) startPipeline(ctx context.Context, b *broker) error {
	if t.variant == Naive {
		err := b.consume(b.topo.Tasks, consumerWorkers, func(ch *amqp.Channel, d amqp.Delivery) error {
			var msg message.Task
			if err := json.Unmarshal(d.Body, &msg); err != nil {
				return fmt.Errorf("task body %q: %w", d.Body, err)
			}
			return t.naive.ExecuteTask(ctx, ch, b.topo, msg)
		})
		if err != nil {
			return err
		}
		return b.consume(b.topo.Results, consumerWorkers, func(ch *amqp.Channel, d amqp.Delivery) error {
			var msg message.Result
			if err := json.Unmarshal(d.Body, &msg); err != nil {
				return fmt.Errorf("result body %q: %w", d.Body, err)
			}
			return t.naive.HandleResult(ctx, ch, b.topo, msg)
		})
	}
	cfg := b.config(t)
	cfg.Workers = consumerWorkers
	executor, err := consumers.NewExecutor(cfg, consumers.ExecutorOptions{Handlers: consumers.Handlers{
		noop: consumers.HandlerFunc(func(_ context.Context, _, input json.RawMessage) (json.RawMessage, error) {
			return input, nil
		}),
	}})
	if err != nil {
		return err
	}
	results, err := consumers.NewResultHandler(cfg)
	if err != nil {
		return err
	}
	b.start(ctx, executor)
	b.start(ctx, results)
	return nil
}
