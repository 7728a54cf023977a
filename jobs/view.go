package jobs

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
)

// Job is a job as callers and the API see it: JSON columns stay JSON.
type Job struct {
	ID             uuid.UUID       `json:"id"`
	Status         db.JobStatus    `json:"status"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
	Input          json.RawMessage `json:"input"`
	Output         json.RawMessage `json:"output,omitempty"`
	Error          string          `json:"error,omitempty"`
	StepsTotal     int             `json:"steps_total"`
	StepsDone      int             `json:"steps_done"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	FinishedAt     *time.Time      `json:"finished_at,omitempty"`
}

// Task is one step of a job with its timings.
type Task struct {
	ID             uuid.UUID       `json:"id"`
	ExecutionOrder int             `json:"execution_order"`
	Handler        string          `json:"handler"`
	Params         json.RawMessage `json:"params"`
	Status         db.TaskStatus   `json:"status"`
	Attempts       int             `json:"attempts"`
	TimeoutMS      int             `json:"timeout_ms,omitempty"`
	Input          json.RawMessage `json:"input,omitempty"`
	Result         json.RawMessage `json:"result,omitempty"`
	Error          string          `json:"error,omitempty"`
	QueuedAt       *time.Time      `json:"queued_at,omitempty"`
	StartedAt      *time.Time      `json:"started_at,omitempty"`
	FinishedAt     *time.Time      `json:"finished_at,omitempty"`
	// RunSeconds is the last attempt's run time, from its claim to its
	// record, once the task ended.
	RunSeconds *float64 `json:"run_seconds,omitempty"`
}

// Event is a stored job event.
type Event struct {
	ID        uuid.UUID       `json:"id"`
	Type      string          `json:"type"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// Terminal reports whether the job will not change any more.
func (j Job) Terminal() bool { return terminalJob(j.Status) }

func terminalJob(s db.JobStatus) bool {
	return s == db.JobStatusDone || s == db.JobStatusFailed || s == db.JobStatusStopped
}

func jobFromRow(r db.Job) Job {
	return Job{
		ID:             r.ID,
		Status:         r.Status,
		IdempotencyKey: deref(r.IdempotencyKey),
		Input:          r.Input,
		Output:         r.Output,
		Error:          deref(r.Error),
		StepsTotal:     int(r.StepsTotal),
		StepsDone:      int(r.StepsDone),
		CreatedAt:      r.CreatedAt,
		UpdatedAt:      r.UpdatedAt,
		FinishedAt:     r.FinishedAt,
	}
}

func taskFromRow(r db.Task) Task {
	return Task{
		ID:             r.ID,
		ExecutionOrder: int(r.ExecutionOrder),
		Handler:        r.Handler,
		Params:         r.Params,
		Status:         r.Status,
		Attempts:       int(r.Attempts),
		Input:          r.Input,
		Result:         r.Result,
		Error:          deref(r.Error),
		QueuedAt:       r.QueuedAt,
		StartedAt:      r.StartedAt,
		FinishedAt:     r.FinishedAt,
		TimeoutMS:      int(deref(r.TimeoutMs)),
		RunSeconds:     runSeconds(r.StartedAt, r.FinishedAt),
	}
}

func runSeconds(started, finished *time.Time) *float64 {
	if started == nil || finished == nil || finished.Before(*started) {
		return nil
	}
	s := finished.Sub(*started).Seconds()
	return &s
}

func eventFromRow(r db.Event) Event {
	return Event{ID: r.ID, Type: r.Type, Payload: r.Payload, CreatedAt: r.CreatedAt}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
