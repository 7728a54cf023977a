package consumers

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
)

// finishTasks runs every task of the job to done directly, as executors
// would have, without their messages.
func (p *pipeline) finishTasks(jobID uuid.UUID) []db.Task {
	p.t.Helper()
	ctx := context.Background()
	tasks := p.tasks(jobID)
	for i, task := range tasks {
		if i > 0 {
			if _, err := queries.TaskQueue(ctx, p.cfg.Pool, db.TaskQueueParams{Input: []byte(`"x"`), ID: task.ID}); err != nil {
				p.t.Fatalf("queue task %d: %v", i, err)
			}
		}
		claimed, err := queries.TaskClaimBatch(ctx, p.cfg.Pool, db.TaskClaimBatchParams{Ids: []uuid.UUID{task.ID}, LeaseSeconds: 60})
		if err != nil || len(claimed) != 1 {
			p.t.Fatalf("claim task %d: %d claimed, %v", i, len(claimed), err)
		}
		recorded, err := queries.TaskRecordBatch(ctx, p.cfg.Pool, db.TaskRecordBatchParams{
			Ids: []uuid.UUID{task.ID}, Attempts: []int32{1}, Statuses: []string{"done"}, Results: [][]byte{[]byte(`"r"`)}, Errors: []string{""},
		})
		if err != nil || len(recorded) != 1 {
			p.t.Fatalf("finish task %d: %d recorded, %v", i, len(recorded), err)
		}
	}
	return tasks
}

// Results for every task of one job arrive at once, each under several
// message ids and each id twice, at four result-handler workers: the job
// ends exactly once.
func TestConcurrentResultsFinishJobOnce(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	p.cfg.Workers = 4
	p.cfg.MaxBatch = 1
	jobID := p.submit(`"x"`, appendStep("a"), appendStep("b"), appendStep("c"))
	tasks := p.finishTasks(jobID)
	h := p.results()
	var settled atomic.Int64
	h.crashBeforeSettle = func(batch []*inbound) bool { settled.Add(int64(len(batch))); return false }
	start(t, h)
	start(t, p.relay(RelayOptions{}))

	const ids, copies = 3, 2
	var publishers sync.WaitGroup
	for _, task := range tasks {
		body, _ := json.Marshal(message.Result{TaskID: task.ID, JobID: jobID})
		for range ids {
			id := uuid.NewString()
			publishers.Go(func() {
				for range copies {
					p.b.publishConcurrently(p.cfg.Topology.Results, amqp.Publishing{MessageId: id, Body: body})
				}
			})
		}
	}
	publishers.Wait()
	total := int64(len(tasks) * ids * copies)
	waitFor(t, "every result settled", func() (bool, error) { return settled.Load() == total, nil })

	if job := p.job(jobID); job.Status != db.JobStatusDone {
		t.Errorf("job %s, want done", job.Status)
	}
	if got := p.eventCounts(jobID); got["job.done"] != 1 || got["job.failed"] != 0 {
		t.Errorf("events %v, want one job.done", got)
	}
	p.waitRelayed()
	if n := p.b.queueLen(p.cfg.Topology.Output); n != 1 {
		t.Errorf("%d output messages, want 1", n)
	}
}

// A result sent again under a new message id (the inbox cannot know it)
// while its job runs on changes nothing: the step after it has moved on,
// so the step is not counted twice nor its next step queued again.
func TestResultSentAgainIsAppliedOnce(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	release := make(chan struct{})
	running := make(chan struct{}, 1)
	handlers := testHandlers()
	handlers["hold"] = HandlerFunc(func(ctx context.Context, _, input json.RawMessage) (json.RawMessage, error) {
		running <- struct{}{}
		select {
		case <-release:
			return input, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{Handlers: handlers}))
	h := p.results()
	var settled atomic.Int64
	h.crashBeforeSettle = func(batch []*inbound) bool { settled.Add(int64(len(batch))); return false }
	start(t, h)
	jobID := p.submit(`"x"`, appendStep("a"), step("hold", `{}`))
	<-running // step 1 applied, step 2 running
	waitFor(t, "step 1's result settled", func() (bool, error) { return settled.Load() == 1, nil })
	first := p.tasks(jobID)[0]
	before := settled.Load()
	body, _ := json.Marshal(message.Result{TaskID: first.ID, JobID: jobID})
	for range 3 {
		p.b.publishConcurrently(p.cfg.Topology.Results, amqp.Publishing{MessageId: uuid.NewString(), Body: body})
	}
	waitFor(t, "the copies settled", func() (bool, error) { return settled.Load() == before+3, nil })
	if job := p.job(jobID); job.StepsDone != 1 {
		t.Errorf("%d steps done after the copies, want 1", job.StepsDone)
	}
	if got := p.eventCounts(jobID); got["job.step_done"] != 1 {
		t.Errorf("events %v, want one step_done", got)
	}
	close(release)
	p.assertCompleted(jobID, `"xa"`)
}
