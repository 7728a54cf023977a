package naive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// SubmitJob creates a running job with steps tasks of handler and queues the
// first one (S0). The rows are written in one transaction and the message
// published after the commit: the after-commit fix of S1, which loses the
// message if the process dies in between.
func (s *Store) SubmitJob(ctx context.Context, ch *amqp.Channel, topo message.Topology, handler string, steps int) (uuid.UUID, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return uuid.Nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	q := s.queries.WithTx(tx)
	job, err := q.JobInsert(ctx, naivedb.JobInsertParams{Input: []byte("{}"), StepsTotal: int32(steps), Status: naivedb.JobStatusRunning})
	if err != nil {
		return uuid.Nil, fmt.Errorf("create job: %w", err)
	}
	var first naivedb.Task
	for i := range steps {
		status := naivedb.TaskStatusPending
		if i == 0 {
			status = naivedb.TaskStatusQueued
		}
		task, err := q.TaskInsert(ctx, naivedb.TaskInsertParams{JobID: job.ID, ExecutionOrder: int32(i), Handler: handler, Status: status})
		if err != nil {
			return uuid.Nil, fmt.Errorf("create task %d: %w", i, err)
		}
		if i == 0 {
			first = task
		}
	}
	if _, err := q.EventInsert(ctx, naivedb.EventInsertParams{JobID: job.ID, Type: message.EventJobCreated, Payload: []byte("{}")}); err != nil {
		return uuid.Nil, fmt.Errorf("store event: %w", err)
	}
	if err := commit(ctx, tx); err != nil {
		return uuid.Nil, err
	}
	if err := publish(ctx, ch, topo.Exchange, topo.Tasks, message.Task{TaskID: first.ID, JobID: job.ID}); err != nil {
		return uuid.Nil, err
	}
	return job.ID, nil
}

// ExecuteTask is the task executor (S0): load the task, refuse it if it was
// stopped, run it and tell the result handler, then mark the task
// processing and save it. The result is published before the save, so the
// result handler may save the task done first; the executor's save then
// writes its stale copy back, and the task stays processing for good. Every
// statement runs on its own (autocommit).
func (s *Store) ExecuteTask(ctx context.Context, ch *amqp.Channel, topo message.Topology, msg message.Task) error {
	task, err := s.queries.TaskFind(ctx, msg.TaskID)
	if err != nil {
		return fmt.Errorf("find task %s: %w", msg.TaskID, err)
	}
	if task.Status == naivedb.TaskStatusStopped {
		return nil
	}
	// The task's handler would run here; the scenario's handler does nothing.
	if err := publish(ctx, ch, topo.Exchange, topo.Results, message.Result{TaskID: task.ID, JobID: task.JobID}); err != nil {
		return err
	}
	s.work()
	now := time.Now()
	task.Status = naivedb.TaskStatusProcessing
	task.Attempts++
	task.StartedAt = &now
	task.Result = []byte("{}")
	if err := s.queries.TaskSave(ctx, taskSaveParams(task)); err != nil {
		return fmt.Errorf("save task %s: %w", task.ID, err)
	}
	return nil
}

// HandleResult is the result handler (S0): mark the task done, count the
// step on the job, then queue the next task, or publish the job's output and
// mark the job done when there is none. Each save writes back the full row
// it read, and each message is published before the save that goes with it.
func (s *Store) HandleResult(ctx context.Context, ch *amqp.Channel, topo message.Topology, msg message.Result) error {
	task, err := s.queries.TaskFind(ctx, msg.TaskID)
	if err != nil {
		return fmt.Errorf("find task %s: %w", msg.TaskID, err)
	}
	now := time.Now()
	task.Status = naivedb.TaskStatusDone
	task.FinishedAt = &now
	if err := s.queries.TaskSave(ctx, taskSaveParams(task)); err != nil {
		return fmt.Errorf("save task %s: %w", task.ID, err)
	}
	job, err := s.queries.JobFind(ctx, task.JobID)
	if err != nil {
		return fmt.Errorf("find job %s: %w", task.JobID, err)
	}
	job.StepsDone++
	job.UpdatedAt = now
	if _, err := s.queries.EventInsert(ctx, naivedb.EventInsertParams{JobID: job.ID, Type: message.EventStepDone, Payload: []byte("{}")}); err != nil {
		return fmt.Errorf("store event: %w", err)
	}
	next, err := s.queries.TaskFindNext(ctx, naivedb.TaskFindNextParams{JobID: job.ID, ExecutionOrder: task.ExecutionOrder})
	if errors.Is(err, pgx.ErrNoRows) {
		out := message.Output{JobID: job.ID, Status: string(naivedb.JobStatusDone), Output: task.Result}
		if err := publish(ctx, ch, topo.Exchange, topo.Output, out); err != nil {
			return err
		}
		job.Status = naivedb.JobStatusDone
		job.Output = task.Result
		job.FinishedAt = &now
		if err := s.queries.JobSave(ctx, jobSaveParams(job)); err != nil {
			return fmt.Errorf("save job %s: %w", job.ID, err)
		}
		if _, err := s.queries.EventInsert(ctx, naivedb.EventInsertParams{JobID: job.ID, Type: message.EventJobDone, Payload: []byte("{}")}); err != nil {
			return fmt.Errorf("store event: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("find next task of job %s: %w", job.ID, err)
	}
	if err := s.queries.JobSave(ctx, jobSaveParams(job)); err != nil {
		return fmt.Errorf("save job %s: %w", job.ID, err)
	}
	if err := publish(ctx, ch, topo.Exchange, topo.Tasks, message.Task{TaskID: next.ID, JobID: job.ID}); err != nil {
		return err
	}
	next.Status = naivedb.TaskStatusQueued
	next.QueuedAt = &now
	if err := s.queries.TaskSave(ctx, taskSaveParams(next)); err != nil {
		return fmt.Errorf("save task %s: %w", next.ID, err)
	}
	return nil
}

// taskSaveParams is the full row, as a model's save() writes it.
func taskSaveParams(t naivedb.Task) naivedb.TaskSaveParams {
	return naivedb.TaskSaveParams{
		ID: t.ID, Status: t.Status, Attempts: t.Attempts, Result: t.Result, Error: t.Error,
		QueuedAt: t.QueuedAt, StartedAt: t.StartedAt, FinishedAt: t.FinishedAt,
	}
}

// jobSaveParams is the full row, as a model's save() writes it.
func jobSaveParams(j naivedb.Job) naivedb.JobSaveParams {
	return naivedb.JobSaveParams{
		ID: j.ID, Status: j.Status, Output: j.Output, Error: j.Error, StepsDone: j.StepsDone,
		UpdatedAt: j.UpdatedAt, FinishedAt: j.FinishedAt,
	}
}

// publish sends body, encoded as JSON, as a persistent message.
func publish(ctx context.Context, ch *amqp.Channel, exchange, routingKey string, body any) error {
	encoded, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode %s message: %w", routingKey, err)
	}
	err = ch.PublishWithContext(ctx, exchange, routingKey,
		false, // mandatory
		false, // immediate
		amqp.Publishing{MessageId: uuid.NewString(), ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: encoded})
	if err != nil {
		return fmt.Errorf("publish to %s: %w", routingKey, err)
	}
	return nil
}
