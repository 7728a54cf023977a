package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/transact"
)

// Report is a job with its tasks in execution order and its events in the
// order they were recorded, read from one snapshot.
type Report struct {
	Job    Job     `json:"job"`
	Tasks  []Task  `json:"tasks"`
	Events []Event `json:"events"`
}

// Status reads a job, its tasks and its events. An unknown id returns an
// error wrapping ErrNotFound.
func Status(ctx context.Context, pool transact.Beginner, id uuid.UUID) (Report, error) {
	var report Report
	// REPEATABLE READ: the three reads see one snapshot, so the job's
	// status agrees with its tasks and events.
	opts := transact.Options{Isolation: pgx.RepeatableRead}
	err := transact.Run(ctx, pool, opts, func(tx pgx.Tx) error {
		job, err := queries.JobGet(ctx, tx, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("load job: %w", err)
		}
		tasks, err := queries.TaskListByJob(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("load tasks: %w", err)
		}
		events, err := queries.EventListByJob(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("load events: %w", err)
		}
		report = Report{Job: jobFromRow(job), Tasks: make([]Task, len(tasks)), Events: make([]Event, len(events))}
		for i, t := range tasks {
			report.Tasks[i] = taskFromRow(t)
		}
		for i, e := range events {
			report.Events[i] = eventFromRow(e)
		}
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("status of job %s: %w", id, err)
	}
	return report, nil
}
