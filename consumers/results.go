package consumers

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
)

// ResultHandler consumes topo.Results (docs/architecture.md, "Results").
// Per batch, in one transaction of a constant number of statements: inbox
// insert, the batch's tasks loaded with their jobs locked (FOR UPDATE, in
// job order) so concurrent results for one job decide one after another,
// then for each result one of: the job failed and its remaining steps
// stopped; the step counted (in SQL) and the next task queued with this
// step's result as input; or the job done with the last result as its
// output, published to topo.Output. Every change writes its job event. A
// job that was stopped or already ended takes the message quietly.
type ResultHandler struct {
	*consumer
}

type resultHandler struct {
	cfg Config
}

// NewResultHandler validates cfg and returns a result handler ready to Run.
func NewResultHandler(cfg Config) (*ResultHandler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &resultHandler{cfg: cfg}
	return &ResultHandler{newTxConsumer(txConsumer[message.Result]{
		cfg:       cfg,
		name:      "results",
		validate:  validateResult,
		lockOrder: func(m message.Result) string { return m.JobID.String() },
		apply:     h.apply,
	}, cfg.Topology.Results)}, nil
}

func validateResult(m message.Result) error {
	if m.TaskID == uuid.Nil || m.JobID == uuid.Nil {
		return errors.New("task_id or job_id missing")
	}
	return nil
}

// resultPlan collects a batch's decisions, to be written with one
// statement per kind of change.
type resultPlan struct {
	counted  db.JobStepDoneBatchParams
	next     db.TaskQueueNextBatchParams
	finished db.JobFinishBatchParams
	failed   []uuid.UUID // jobs whose remaining steps stop
	events   []outbox.Event
	outputs  []outbox.Message
}

// jobState is a locked job as the batch's earlier decisions left it.
type jobState struct {
	status    db.JobStatus
	stepsDone int32
}

func (h *resultHandler) apply(ctx context.Context, tx pgx.Tx, msgs []message.Result, reasons []string) error {
	arg := db.ResultBatchLoadParams{TaskIds: make([]uuid.UUID, len(msgs)), JobIds: make([]uuid.UUID, len(msgs))}
	for i, m := range msgs {
		arg.TaskIds[i], arg.JobIds[i] = m.TaskID, m.JobID
	}
	rows, err := queries.ResultBatchLoad(ctx, tx, arg)
	if err != nil {
		return fmt.Errorf("load %d finished tasks and lock their jobs: %w", len(msgs), err)
	}
	found := make(map[uuid.UUID]bool, len(rows))
	var plan resultPlan
	jobs := make(map[uuid.UUID]*jobState)
	for _, row := range rows {
		if found[row.Task.ID] {
			continue // named twice in the batch, under two message ids
		}
		found[row.Task.ID] = true
		job := jobs[row.Task.JobID]
		if job == nil {
			job = &jobState{status: row.JobStatus, stepsDone: row.JobStepsDone}
			jobs[row.Task.JobID] = job
		}
		if reason := h.decide(&plan, job, row); reason != "" {
			setReason(msgs, reasons, row.Task.ID, reason)
		}
	}
	for i, m := range msgs {
		if !found[m.TaskID] {
			reasons[i] = fmt.Sprintf("unknown task %s in job %s", m.TaskID, m.JobID)
		}
	}
	return h.write(ctx, tx, plan)
}

// decide adds what one finished task means for its job to plan; a
// non-empty reason dead-letters the task's message.
func (h *resultHandler) decide(plan *resultPlan, job *jobState, row db.ResultBatchLoadRow) string {
	if job.status != db.JobStatusRunning {
		return "" // stopped, or ended by another result
	}
	task := row.Task
	switch task.Status {
	case db.TaskStatusFailed:
		errText := fmt.Sprintf("step %d (%s) failed", task.ExecutionOrder, task.Handler)
		if task.Error != nil {
			errText += ": " + *task.Error
		}
		job.status = db.JobStatusFailed
		plan.finish(task.JobID, db.JobStatusFailed, nil, errText)
		// The steps after the failed one will never run: end them too, so
		// every task of an ended job is in a final state.
		plan.failed = append(plan.failed, task.JobID)
		plan.events = append(plan.events, outbox.Event{JobID: task.JobID, Type: message.EventJobFailed,
			Payload: map[string]any{"task_id": task.ID, "execution_order": task.ExecutionOrder, "error": errText}})
		plan.output(h.cfg.Topology, message.Output{JobID: task.JobID, Status: string(db.JobStatusFailed)})
	case db.TaskStatusDone:
		if row.NextStatus != "" && row.NextStatus != string(db.TaskStatusPending) {
			// Applied before (a result sent again, or one whose inbox row
			// was pruned): the next step has moved on already.
			h.cfg.Logger.Debug("result already applied", "task_id", task.ID, "next_status", row.NextStatus)
			return ""
		}
		job.stepsDone++
		plan.count(task.JobID)
		plan.events = append(plan.events, outbox.Event{JobID: task.JobID, Type: message.EventStepDone,
			Payload: map[string]any{"task_id": task.ID, "execution_order": task.ExecutionOrder, "steps_done": job.stepsDone}})
		if row.NextStatus != "" {
			plan.next.JobIds = append(plan.next.JobIds, task.JobID)
			plan.next.AfterOrders = append(plan.next.AfterOrders, task.ExecutionOrder)
			plan.next.Inputs = append(plan.next.Inputs, task.Result)
			return ""
		}
		job.status = db.JobStatusDone
		plan.finish(task.JobID, db.JobStatusDone, task.Result, "")
		plan.events = append(plan.events, outbox.Event{JobID: task.JobID, Type: message.EventJobDone,
			Payload: map[string]any{"steps_done": job.stepsDone}})
		plan.output(h.cfg.Topology, message.Output{JobID: task.JobID, Status: string(db.JobStatusDone), Output: task.Result})
	case db.TaskStatusStopped:
	default:
		return fmt.Sprintf("task %s is %s: a result must follow its end", task.ID, task.Status)
	}
	return ""
}

// count adds a finished step to its job's count; a job appears once in
// the statement, as an UPDATE ... FROM changes each row once.
func (p *resultPlan) count(jobID uuid.UUID) {
	if i := slices.Index(p.counted.Ids, jobID); i >= 0 {
		p.counted.Counts[i]++
		return
	}
	p.counted.Ids = append(p.counted.Ids, jobID)
	p.counted.Counts = append(p.counted.Counts, 1)
}

func (p *resultPlan) finish(jobID uuid.UUID, status db.JobStatus, output []byte, errText string) {
	p.finished.Ids = append(p.finished.Ids, jobID)
	p.finished.Statuses = append(p.finished.Statuses, string(status))
	p.finished.Outputs = append(p.finished.Outputs, output)
	p.finished.Errors = append(p.finished.Errors, errText)
}

func (p *resultPlan) output(topo message.Topology, out message.Output) {
	p.outputs = append(p.outputs, outbox.Message{RoutingKey: topo.Output, Body: out})
}

// write applies plan, one statement per kind of change that has any: the
// counts, the next steps (and their task messages), the finished jobs, the
// stopped steps, the events and the messages.
func (h *resultHandler) write(ctx context.Context, tx pgx.Tx, plan resultPlan) error {
	if len(plan.counted.Ids) > 0 {
		if _, err := queries.JobStepDoneBatch(ctx, tx, plan.counted); err != nil {
			return fmt.Errorf("count %d steps: %w", len(plan.counted.Ids), err)
		}
	}
	msgs := plan.outputs
	if len(plan.next.JobIds) > 0 {
		queued, err := queries.TaskQueueNextBatch(ctx, tx, plan.next)
		if err != nil {
			return fmt.Errorf("queue %d next steps: %w", len(plan.next.JobIds), err)
		}
		if len(queued) < len(plan.next.JobIds) {
			// With the jobs locked this cannot happen in the pipeline's own
			// flow: log it loudly and leave those jobs alone.
			h.cfg.Logger.Error("next tasks were not pending", "expected", len(plan.next.JobIds), "queued", len(queued))
		}
		for _, task := range queued {
			msgs = append(msgs, outbox.Message{RoutingKey: h.cfg.Topology.Tasks, Body: message.Task{TaskID: task.ID, JobID: task.JobID}})
		}
	}
	if len(plan.finished.Ids) > 0 {
		if _, err := queries.JobFinishBatch(ctx, tx, plan.finished); err != nil {
			return fmt.Errorf("finish %d jobs: %w", len(plan.finished.Ids), err)
		}
	}
	if len(plan.failed) > 0 {
		if _, err := queries.TaskStopByJobs(ctx, tx, plan.failed); err != nil {
			return fmt.Errorf("stop remaining tasks of %d failed jobs: %w", len(plan.failed), err)
		}
	}
	if err := outbox.RecordEvents(ctx, tx, h.cfg.Topology, plan.events); err != nil {
		return err
	}
	return outbox.PutBatch(ctx, tx, h.cfg.Topology.Exchange, msgs)
}

// setReason dead-letters every message of the batch that names taskID.
func setReason(msgs []message.Result, reasons []string, taskID uuid.UUID, reason string) {
	for i, m := range msgs {
		if m.TaskID == taskID {
			reasons[i] = reason
		}
	}
}
