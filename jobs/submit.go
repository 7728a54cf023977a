package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
)

var queries = db.New()

// createdPayload is the payload of the job.created event.
type createdPayload struct {
	Steps []string `json:"steps"`
}

// ErrKeyReused means an idempotency key came back with a different job
// than the one first submitted with it.
var ErrKeyReused = errors.New("idempotency key already used for a different job")

// Submit validates spec (without checking handler names; see
// Spec.Validate) and, in one transaction, creates the job and its tasks,
// starts the job, queues the first task with the job's input and writes its
// task message and the job.created event to the outbox. created is false
// when spec.IdempotencyKey names a job submitted before: that job is
// returned and nothing is written, or, when spec differs from that job's
// steps or input, an error wrapping ErrKeyReused.
func Submit(ctx context.Context, pool transact.Beginner, topo message.Topology, spec Spec) (job Job, created bool, err error) {
	if err := spec.Validate(nil); err != nil {
		return Job{}, false, err
	}
	err = transact.Run(ctx, pool, transact.Options{}, func(tx pgx.Tx) error {
		job, created, err = submitInTx(ctx, tx, topo, spec)
		return err
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("submit job: %w", err)
	}
	return job, created, nil
}

func submitInTx(ctx context.Context, tx pgx.Tx, topo message.Topology, spec Spec) (Job, bool, error) {
	var key *string
	if spec.IdempotencyKey != "" {
		key = &spec.IdempotencyKey
	}
	input := orEmptyObject(spec.Input)
	row, err := queries.JobCreate(ctx, tx, db.JobCreateParams{
		IdempotencyKey: key,
		Input:          input,
		StepsTotal:     int32(len(spec.Steps)),
	})
	if err != nil {
		return Job{}, false, fmt.Errorf("create job: %w", err)
	}
	if !row.Created {
		if err := sameSubmission(ctx, tx, row, spec); err != nil {
			return Job{}, false, err
		}
		return jobFromRow(existingJob(row)), false, nil
	}
	tasks, err := queries.TaskCreateBatch(ctx, tx, taskBatch(row.ID, spec.Steps))
	if err != nil {
		return Job{}, false, fmt.Errorf("create tasks: %w", err)
	}
	started, err := queries.JobStart(ctx, tx, row.ID)
	if err != nil {
		return Job{}, false, fmt.Errorf("start job: %w", err)
	}
	first := firstTask(tasks)
	if _, err := queries.TaskQueue(ctx, tx, db.TaskQueueParams{ID: first.ID, Input: input}); err != nil {
		return Job{}, false, fmt.Errorf("queue first task: %w", err)
	}
	msg := message.Task{TaskID: first.ID, JobID: row.ID}
	if _, err := outbox.Put(ctx, tx, topo.Exchange, topo.Tasks, msg); err != nil {
		return Job{}, false, err
	}
	payload := createdPayload{Steps: make([]string, len(spec.Steps))}
	for i, s := range spec.Steps {
		payload.Steps[i] = s.Handler
	}
	if _, err := outbox.RecordEvent(ctx, tx, topo, row.ID, message.EventJobCreated, payload); err != nil {
		return Job{}, false, err
	}
	return jobFromRow(started), true, nil
}

func taskBatch(jobID uuid.UUID, steps []Step) db.TaskCreateBatchParams {
	p := db.TaskCreateBatchParams{
		JobID:           jobID,
		ExecutionOrders: make([]int32, len(steps)),
		Handlers:        make([]string, len(steps)),
		Params:          make([][]byte, len(steps)),
		TimeoutsMs:      make([]int32, len(steps)),
	}
	for i, s := range steps {
		p.ExecutionOrders[i] = int32(i)
		p.Handlers[i] = s.Handler
		p.Params[i] = orEmptyObject(s.Params)
		p.TimeoutsMs[i] = int32(s.TimeoutMS)
	}
	return p
}

// firstTask returns the task with the lowest execution order; INSERT ...
// RETURNING does not promise the order of its rows.
func firstTask(tasks []db.Task) db.Task {
	first := tasks[0]
	for _, t := range tasks[1:] {
		if t.ExecutionOrder < first.ExecutionOrder {
			first = t
		}
	}
	return first
}

// existingJob is the job a repeated idempotency key found.
func existingJob(r db.JobCreateRow) db.Job {
	return db.Job{
		ID:             r.ID,
		Status:         r.Status,
		IdempotencyKey: r.IdempotencyKey,
		Input:          r.Input,
		Output:         r.Output,
		Error:          r.Error,
		StepsTotal:     r.StepsTotal,
		StepsDone:      r.StepsDone,
		CreatedAt:      r.CreatedAt,
		UpdatedAt:      r.UpdatedAt,
		FinishedAt:     r.FinishedAt,
	}
}

// sameSubmission checks that spec describes the job its idempotency key
// created, comparing JSON by value (PostgreSQL reformats jsonb).
func sameSubmission(ctx context.Context, tx pgx.Tx, row db.JobCreateRow, spec Spec) error {
	tasks, err := queries.TaskListByJob(ctx, tx, row.ID)
	if err != nil {
		return fmt.Errorf("load tasks of job %s: %w", row.ID, err)
	}
	same := len(tasks) == len(spec.Steps) && sameJSON(row.Input, orEmptyObject(spec.Input))
	for i := 0; same && i < len(tasks); i++ {
		same = tasks[i].Handler == spec.Steps[i].Handler && sameJSON(tasks[i].Params, orEmptyObject(spec.Steps[i].Params)) &&
			int(deref(tasks[i].TimeoutMs)) == spec.Steps[i].TimeoutMS
	}
	if !same {
		return fmt.Errorf("%w: key %q belongs to job %s", ErrKeyReused, spec.IdempotencyKey, row.ID)
	}
	return nil
}

func sameJSON(a, b []byte) bool {
	var va, vb any
	return json.Unmarshal(a, &va) == nil && json.Unmarshal(b, &vb) == nil && reflect.DeepEqual(va, vb)
}
