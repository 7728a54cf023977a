// Package message names the RabbitMQ topology of the pipeline and defines
// the bodies of its messages. Bodies carry ids only: the state they refer to
// lives in PostgreSQL and is committed before the message leaves the outbox.
package message

import "github.com/google/uuid"

// Topology names the exchanges and queues of one pipeline. Tests use a
// unique prefix so they never share a queue.
type Topology struct {
	// Exchange is a direct exchange routing to the pipeline's queues by
	// their own names.
	Exchange string
	// Events is a fanout exchange for job events (webhook delivery and any
	// other subscriber).
	Events string
	// DeadLetter is the exchange rejected messages go to, bound to DeadQueue.
	DeadLetter string
	Tasks      string // executor input
	Results    string // result handler input
	Output     string // finished jobs' output, for downstream consumers
	Webhooks   string // bound to Events, consumed by webhook delivery
	DeadQueue  string // dead letters, with the reason in ReasonHeader
}

// NewTopology returns the topology whose names all start with prefix.
func NewTopology(prefix string) Topology {
	return Topology{
		Exchange:   prefix,
		Events:     prefix + ".events",
		DeadLetter: prefix + ".dlx",
		Tasks:      prefix + ".tasks",
		Results:    prefix + ".results",
		Output:     prefix + ".output",
		Webhooks:   prefix + ".webhooks",
		DeadQueue:  prefix + ".dead",
	}
}

// DefaultPrefix is the prefix of the production topology.
const DefaultPrefix = "lockstep"

// ReasonHeader carries why a message was dead-lettered.
const ReasonHeader = "x-lockstep-reason"

// Task asks the executor to run one task.
type Task struct {
	TaskID uuid.UUID `json:"task_id"`
	JobID  uuid.UUID `json:"job_id"`
}

// Result tells the result handler that a task's attempt ended; the outcome
// is in the task row.
type Result struct {
	TaskID uuid.UUID `json:"task_id"`
	JobID  uuid.UUID `json:"job_id"`
}

// Output carries a finished job's output.
type Output struct {
	JobID  uuid.UUID `json:"job_id"`
	Status string    `json:"status"`
	Output []byte    `json:"output,omitempty"`
}

// Event announces a stored job event; subscribers load it by id.
type Event struct {
	EventID uuid.UUID `json:"event_id"`
	JobID   uuid.UUID `json:"job_id"`
	Type    string    `json:"type"`
}

// Job event types.
const (
	EventJobCreated = "job.created"
	EventStepDone   = "job.step_done"
	EventJobDone    = "job.done"
	EventJobFailed  = "job.failed"
	EventJobStopped = "job.stopped"
)
