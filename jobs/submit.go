package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
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
// Spec.Validate) and, in one statement, creates the job, running, and its
// tasks, queues the first task with the job's input and writes its task
// message and the job.created event to the outbox. created is false when
// spec.IdempotencyKey names a job submitted before: that job is returned
// and nothing is written, or, when spec differs from that job's steps or
// input, an error wrapping ErrKeyReused.
func Submit(ctx context.Context, conn db.DBTX, topo message.Topology, spec Spec) (job Job, created bool, err error) {
	if err := spec.Validate(nil); err != nil {
		return Job{}, false, err
	}
	arg, err := submission(topo, spec)
	if err != nil {
		return Job{}, false, fmt.Errorf("submit job: %w", err)
	}
	row, err := queries.JobSubmit(ctx, conn, arg)
	if err != nil {
		return Job{}, false, fmt.Errorf("submit job: %w", err)
	}
	existing := existingJob(row)
	if !row.Created {
		// The job's steps and input never change: reading them after the
		// statement is as good as in it.
		if err := sameSubmission(ctx, conn, existing, spec); err != nil {
			return Job{}, false, err
		}
	}
	return jobFromRow(existing), row.Created, nil
}

// submission is JobSubmit's arguments for spec, with fresh ids for the job,
// its tasks and its event, and the messages that name them.
func submission(topo message.Topology, spec Spec) (db.JobSubmitParams, error) {
	input := orEmptyObject(spec.Input)
	arg := db.JobSubmitParams{
		ID:         uuid.New(),
		Input:      input,
		StepsTotal: int32(len(spec.Steps)),
		TaskIds:    make([]uuid.UUID, len(spec.Steps)),
		Handlers:   make([]string, len(spec.Steps)),
		Params:     make([][]byte, len(spec.Steps)),
		TimeoutsMs: make([]int32, len(spec.Steps)),
		EventID:    uuid.New(),
		EventType:  message.EventJobCreated,
	}
	if spec.IdempotencyKey != "" {
		arg.IdempotencyKey = &spec.IdempotencyKey
	}
	payload := createdPayload{Steps: make([]string, len(spec.Steps))}
	for i, s := range spec.Steps {
		arg.TaskIds[i], arg.Handlers[i], arg.Params[i], arg.TimeoutsMs[i] = uuid.New(), s.Handler, orEmptyObject(s.Params), int32(s.TimeoutMS)
		payload.Steps[i] = s.Handler
	}
	taskMessage, err := json.Marshal(message.Task{TaskID: arg.TaskIds[0], JobID: arg.ID})
	if err != nil {
		return arg, fmt.Errorf("encode task message: %w", err)
	}
	eventPayload, announcement, err := outbox.EncodeEvent(arg.EventID, outbox.Event{JobID: arg.ID, Type: arg.EventType, Payload: payload})
	if err != nil {
		return arg, err
	}
	arg.EventPayload = eventPayload
	arg.Exchanges = []string{topo.Exchange, topo.Events}
	arg.RoutingKeys = []string{topo.Tasks, arg.EventType}
	arg.Bodies = [][]byte{taskMessage, announcement}
	return arg, nil
}

// existingJob is the job row JobSubmit returned.
func existingJob(r db.JobSubmitRow) db.Job {
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
func sameSubmission(ctx context.Context, conn db.DBTX, row db.Job, spec Spec) error {
	tasks, err := queries.TaskListByJob(ctx, conn, row.ID)
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
