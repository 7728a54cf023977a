package consumers

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
)

// ResultHandler consumes topo.Results (DESIGN.md step 4). Per message, in
// the batch's transaction: inbox insert, the job locked (FOR UPDATE) so
// concurrent results for one job decide one after another, then one of:
// the job failed and its remaining steps stopped; the step counted (in SQL)
// and the next task queued with this step's result as input; or the job
// done with the last result as its output, published to topo.Output. Every change writes its job event. A
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

func (h *resultHandler) apply(ctx context.Context, tx pgx.Tx, msg message.Result) (string, error) {
	row, err := queries.TaskGetWithJobForUpdate(ctx, tx, db.TaskGetWithJobForUpdateParams{TaskID: msg.TaskID, JobID: msg.JobID})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Sprintf("unknown task %s in job %s", msg.TaskID, msg.JobID), nil
	}
	if err != nil {
		return "", fmt.Errorf("load task %s and lock job %s: %w", msg.TaskID, msg.JobID, err)
	}
	if row.JobStatus != db.JobStatusRunning {
		return "", nil // stopped, or ended by another result
	}
	switch task := row.Task; task.Status {
	case db.TaskStatusFailed:
		return "", h.failJob(ctx, tx, task)
	case db.TaskStatusDone:
		return "", h.stepDone(ctx, tx, task)
	case db.TaskStatusStopped:
		return "", nil
	}
	return fmt.Sprintf("task %s is %s: a result must follow its end", row.Task.ID, row.Task.Status), nil
}

func (h *resultHandler) failJob(ctx context.Context, tx pgx.Tx, task db.Task) error {
	jobID := task.JobID
	errText := fmt.Sprintf("step %d (%s) failed", task.ExecutionOrder, task.Handler)
	if task.Error != nil {
		errText += ": " + *task.Error
	}
	if _, err := queries.JobFinish(ctx, tx, db.JobFinishParams{Status: db.JobStatusFailed, Error: &errText, ID: jobID}); err != nil {
		return fmt.Errorf("fail job %s: %w", jobID, err)
	}
	// The steps after the failed one will never run: end them too, so every
	// task of an ended job is in a final state.
	if _, err := queries.TaskStopByJob(ctx, tx, jobID); err != nil {
		return fmt.Errorf("stop remaining tasks of job %s: %w", jobID, err)
	}
	if _, err := outbox.RecordEvent(ctx, tx, h.cfg.Topology, jobID, message.EventJobFailed,
		map[string]any{"task_id": task.ID, "execution_order": task.ExecutionOrder, "error": errText}); err != nil {
		return err
	}
	return h.publishOutput(ctx, tx, message.Output{JobID: jobID, Status: string(db.JobStatusFailed)})
}

func (h *resultHandler) stepDone(ctx context.Context, tx pgx.Tx, task db.Task) error {
	job, err := countStep(ctx, tx, task.JobID)
	if err != nil {
		return err
	}
	if _, err := outbox.RecordEvent(ctx, tx, h.cfg.Topology, job.ID, message.EventStepDone,
		map[string]any{"task_id": task.ID, "execution_order": task.ExecutionOrder, "steps_done": job.StepsDone}); err != nil {
		return err
	}
	next, err := queries.TaskQueueNext(ctx, tx, db.TaskQueueNextParams{Input: task.Result, JobID: job.ID, ExecutionOrder: task.ExecutionOrder})
	if errors.Is(err, pgx.ErrNoRows) {
		return h.noNextQueued(ctx, tx, job, task)
	}
	if err != nil {
		return fmt.Errorf("queue step after %d of job %s: %w", task.ExecutionOrder, job.ID, err)
	}
	_, err = outbox.Put(ctx, tx, h.cfg.Topology.Exchange, h.cfg.Topology.Tasks, message.Task{TaskID: next.ID, JobID: job.ID})
	return err
}

// noNextQueued tells the last step (complete the job) from a next step
// that was not pending. With the job locked the latter cannot happen in
// the pipeline's own flow, so it is logged loudly and left alone.
func (h *resultHandler) noNextQueued(ctx context.Context, tx pgx.Tx, job db.Job, task db.Task) error {
	next, err := queries.TaskGetNext(ctx, tx, db.TaskGetNextParams{JobID: job.ID, ExecutionOrder: task.ExecutionOrder})
	if errors.Is(err, pgx.ErrNoRows) {
		return h.completeJob(ctx, tx, job, task)
	}
	if err != nil {
		return fmt.Errorf("find step after %d of job %s: %w", task.ExecutionOrder, job.ID, err)
	}
	h.cfg.Logger.Error("next task was not pending", "job_id", job.ID, "task_id", next.ID, "status", next.Status)
	return nil
}

func (h *resultHandler) completeJob(ctx context.Context, tx pgx.Tx, job db.Job, last db.Task) error {
	if _, err := queries.JobFinish(ctx, tx, db.JobFinishParams{Status: db.JobStatusDone, Output: last.Result, ID: job.ID}); err != nil {
		return fmt.Errorf("complete job %s: %w", job.ID, err)
	}
	if _, err := outbox.RecordEvent(ctx, tx, h.cfg.Topology, job.ID, message.EventJobDone,
		map[string]any{"steps_done": job.StepsDone}); err != nil {
		return err
	}
	return h.publishOutput(ctx, tx, message.Output{JobID: job.ID, Status: string(db.JobStatusDone), Output: last.Result})
}

func (h *resultHandler) publishOutput(ctx context.Context, tx pgx.Tx, out message.Output) error {
	_, err := outbox.Put(ctx, tx, h.cfg.Topology.Exchange, h.cfg.Topology.Output, out)
	return err
}

// countStep adds the step to the job's counter in SQL.
func countStep(ctx context.Context, tx pgx.Tx, jobID uuid.UUID) (db.Job, error) {
	job, err := queries.JobStepDone(ctx, tx, jobID)
	if err != nil {
		return db.Job{}, fmt.Errorf("count step of job %s: %w", jobID, err)
	}
	return job, nil
}
