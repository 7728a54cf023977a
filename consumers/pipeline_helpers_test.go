package consumers

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/jobs"
)

// pipeline is one test's database, topology and roles.
type pipeline struct {
	t   testing.TB
	b   *broker
	cfg Config
}

func newPipeline(t testing.TB) *pipeline {
	b := newBroker(t)
	return &pipeline{t: t, b: b, cfg: testConfig(t, newPool(t), b.topo)}
}

func (p *pipeline) relay(opts RelayOptions) *Relay {
	p.t.Helper()
	r, err := NewRelay(p.cfg, opts)
	if err != nil {
		p.t.Fatal(err)
	}
	return r
}

func (p *pipeline) executor(maxAttempts int) *Executor {
	p.t.Helper()
	return p.executorWith(ExecutorOptions{MaxAttempts: maxAttempts})
}

// executorWith returns an executor with opts, serving testHandlers unless
// opts names others, and retrying after milliseconds rather than seconds.
func (p *pipeline) executorWith(opts ExecutorOptions) *Executor {
	p.t.Helper()
	if opts.Handlers == nil {
		opts.Handlers = testHandlers()
	}
	if opts.RetryBackoff == 0 {
		opts.RetryBackoff = 10 * time.Millisecond
	}
	e, err := NewExecutor(p.cfg, opts)
	if err != nil {
		p.t.Fatal(err)
	}
	return e
}

func (p *pipeline) results() *ResultHandler {
	p.t.Helper()
	h, err := NewResultHandler(p.cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	return h
}

// startAll runs a relay, an executor and a result handler.
func (p *pipeline) startAll() {
	start(p.t, p.relay(RelayOptions{}))
	start(p.t, p.executor(3))
	start(p.t, p.results())
}

// testHandlers are the demo handlers plus "append", which appends
// params.s to its string input, so a job's output shows the step order.
func testHandlers() Handlers {
	h := DemoHandlers(outbound.Policy{})
	h["append"] = HandlerFunc(func(_ context.Context, params, input json.RawMessage) (json.RawMessage, error) {
		var p struct{ S string }
		var in string
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, Permanent(err)
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, Permanent(err)
		}
		return json.Marshal(in + p.S)
	})
	return h
}

func step(handler string, params string) jobs.Step {
	return jobs.Step{Handler: handler, Params: json.RawMessage(params)}
}

func appendStep(s string) jobs.Step { return step("append", fmt.Sprintf(`{"s":%q}`, s)) }

func (p *pipeline) submit(input string, steps ...jobs.Step) uuid.UUID {
	p.t.Helper()
	job, _, err := jobs.Submit(context.Background(), p.cfg.Pool, p.cfg.Topology, jobs.Spec{Steps: steps, Input: json.RawMessage(input)})
	if err != nil {
		p.t.Fatalf("submit: %v", err)
	}
	return job.ID
}

func (p *pipeline) job(id uuid.UUID) db.Job {
	p.t.Helper()
	job, err := queries.JobGet(context.Background(), p.cfg.Pool, id)
	if err != nil {
		p.t.Fatalf("load job %s: %v", id, err)
	}
	return job
}

func (p *pipeline) tasks(id uuid.UUID) []db.Task {
	p.t.Helper()
	tasks, err := queries.TaskListByJob(context.Background(), p.cfg.Pool, id)
	if err != nil {
		p.t.Fatalf("load tasks of %s: %v", id, err)
	}
	return tasks
}

// eventCounts counts the job's events by type.
func (p *pipeline) eventCounts(id uuid.UUID) map[string]int {
	p.t.Helper()
	events, err := queries.EventListByJob(context.Background(), p.cfg.Pool, id)
	if err != nil {
		p.t.Fatalf("load events of %s: %v", id, err)
	}
	counts := map[string]int{}
	for _, e := range events {
		counts[e.Type]++
	}
	return counts
}

func (p *pipeline) waitJob(id uuid.UUID, status db.JobStatus) db.Job {
	p.t.Helper()
	waitFor(p.t, fmt.Sprintf("job %s to be %s", id, status), func() (bool, error) {
		job, err := queries.JobGet(context.Background(), p.cfg.Pool, id)
		return job.Status == status, err
	})
	return p.job(id)
}

// waitRelayed waits until the outbox is empty, so every message the
// pipeline wrote is on the broker.
func (p *pipeline) waitRelayed() {
	p.t.Helper()
	waitFor(p.t, "outbox to empty", unpublished(p.t, p.cfg))
}

// waitQueueLen waits until queue holds n ready messages.
func (p *pipeline) waitQueueLen(queue string, n int) {
	p.t.Helper()
	waitFor(p.t, fmt.Sprintf("%d messages in %s", n, queue), func() (bool, error) { return p.b.queueLen(queue) == n, nil })
}

// assertCompleted checks the invariants of a job whose steps each ran once
// and succeeded: every task done after one attempt, the counter equal to
// the steps, one event of each kind per change.
func (p *pipeline) assertCompleted(id uuid.UUID, wantOutput string) {
	p.t.Helper()
	p.assertCompletedAfter(id, wantOutput, 1)
}

// assertCompletedAfter is assertCompleted with every task done after
// attempts attempts.
func (p *pipeline) assertCompletedAfter(id uuid.UUID, wantOutput string, attempts int32) {
	p.t.Helper()
	job := p.waitJob(id, db.JobStatusDone)
	if string(job.Output) != wantOutput {
		p.t.Errorf("job output %s, want %s", job.Output, wantOutput)
	}
	if job.StepsDone != job.StepsTotal {
		p.t.Errorf("steps done %d, want %d", job.StepsDone, job.StepsTotal)
	}
	for _, task := range p.tasks(id) {
		if task.Status != db.TaskStatusDone || task.Attempts != attempts {
			p.t.Errorf("task %d: status %s after %d attempts, want done after %d", task.ExecutionOrder, task.Status, task.Attempts, attempts)
		}
	}
	want := map[string]int{"job.created": 1, "job.step_done": int(job.StepsTotal), "job.done": 1}
	if got := p.eventCounts(id); fmt.Sprint(got) != fmt.Sprint(want) {
		p.t.Errorf("events %v, want %v", got, want)
	}
}
