package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
)

// ErrNotFound means no job has the given id.
var ErrNotFound = errors.New("job not found")

// ErrEnded means the job already reached a final state and cannot be stopped.
var ErrEnded = errors.New("job already ended")

// stoppedPayload is the payload of the job.stopped event.
type stoppedPayload struct {
	TasksStopped int `json:"tasks_stopped"`
}

// Stop moves a pending or running job to stopped, stops every task of it
// that has not ended and records the job.stopped event, in one transaction.
// The executor refuses tasks of a stopped job, so queued messages become
// no-ops. Stopping a job that ended returns an error wrapping ErrEnded;
// an unknown id, ErrNotFound.
func Stop(ctx context.Context, pool transact.Beginner, topo message.Topology, id uuid.UUID) (Job, error) {
	var job Job
	err := transact.Run(ctx, pool, transact.Options{}, func(tx pgx.Tx) error {
		row, err := queries.JobStop(ctx, tx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return notStoppable(ctx, tx, id)
		}
		if err != nil {
			return fmt.Errorf("stop job: %w", err)
		}
		tasks, err := queries.TaskStopByJobs(ctx, tx, []uuid.UUID{id})
		if err != nil {
			return fmt.Errorf("stop tasks: %w", err)
		}
		if _, err := outbox.RecordEvent(ctx, tx, topo, id, message.EventJobStopped, stoppedPayload{TasksStopped: len(tasks)}); err != nil {
			return err
		}
		job = jobFromRow(row)
		return nil
	})
	if err != nil {
		return Job{}, fmt.Errorf("stop job %s: %w", id, err)
	}
	return job, nil
}

// notStoppable explains why the stop compare-and-set matched no row.
func notStoppable(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	row, err := queries.JobGet(ctx, tx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load job: %w", err)
	}
	return fmt.Errorf("%w: it is %s", ErrEnded, row.Status)
}
