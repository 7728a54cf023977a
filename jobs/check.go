package jobs

import (
	"fmt"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
)

// terminalEvents pairs each final job status with the one event announcing it.
var terminalEvents = []struct {
	status db.JobStatus
	event  string
}{
	{db.JobStatusDone, message.EventJobDone},
	{db.JobStatusFailed, message.EventJobFailed},
	{db.JobStatusStopped, message.EventJobStopped},
}

// Inconsistencies lists every way the report departs from a finished job
// the pipeline could have produced: the job is in a final state; its tasks
// are in final states that agree with it (a done job has every task done,
// a failed job exactly one failed task after done ones, a stopped job no
// task still pending, queued or processing); steps_done counts the done
// tasks (a stopped job may have one more, finished as the stop landed); and
// the events are one job.created, one job.step_done per step counted and
// exactly one final event matching the status. An empty result means
// consistent.
func (r Report) Inconsistencies() []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	job := r.Job
	if !job.Terminal() {
		add("job is %s, not final", job.Status)
	}
	if len(r.Tasks) != job.StepsTotal {
		add("job has %d tasks, steps_total is %d", len(r.Tasks), job.StepsTotal)
	}
	counts := map[db.TaskStatus]int{}
	failedAt := -1
	for i, t := range r.Tasks {
		counts[t.Status]++
		if t.ExecutionOrder != i {
			add("task %d has execution order %d", i, t.ExecutionOrder)
		}
		if t.Status == db.TaskStatusFailed && failedAt < 0 {
			failedAt = i
		}
	}
	// The executor marks a task done and the result handler then counts it
	// for the job; a stop between the two leaves one done task uncounted.
	unaccounted := counts[db.TaskStatusDone] - job.StepsDone
	if unaccounted != 0 && (job.Status != db.JobStatusStopped || unaccounted != 1) {
		add("steps_done is %d, %d tasks are done", job.StepsDone, counts[db.TaskStatusDone])
	}
	switch job.Status {
	case db.JobStatusDone:
		if counts[db.TaskStatusDone] != len(r.Tasks) {
			add("job is done but only %d of %d tasks are", counts[db.TaskStatusDone], len(r.Tasks))
		}
	case db.JobStatusFailed:
		if counts[db.TaskStatusFailed] != 1 {
			add("job failed with %d failed tasks, want 1", counts[db.TaskStatusFailed])
		}
		for i, t := range r.Tasks {
			if i < failedAt && t.Status != db.TaskStatusDone {
				add("task %d before the failed one is %s", i, t.Status)
			}
			if i > failedAt && t.StartedAt != nil {
				add("task %d after the failed one started", i)
			}
		}
	case db.JobStatusStopped:
		for _, s := range []db.TaskStatus{db.TaskStatusPending, db.TaskStatusQueued, db.TaskStatusProcessing} {
			if counts[s] > 0 {
				add("job is stopped but %d tasks are %s", counts[s], s)
			}
		}
	}
	problems = append(problems, r.eventInconsistencies()...)
	return problems
}

func (r Report) eventInconsistencies() []string {
	var problems []string
	count := map[string]int{}
	for _, e := range r.Events {
		count[e.Type]++
	}
	if count[message.EventJobCreated] != 1 {
		problems = append(problems, fmt.Sprintf("%d %s events, want 1", count[message.EventJobCreated], message.EventJobCreated))
	}
	if count[message.EventStepDone] != r.Job.StepsDone {
		problems = append(problems, fmt.Sprintf("%d %s events for %d steps done", count[message.EventStepDone], message.EventStepDone, r.Job.StepsDone))
	}
	for _, te := range terminalEvents {
		want := 0
		if r.Job.Status == te.status {
			want = 1
		}
		if count[te.event] != want {
			problems = append(problems, fmt.Sprintf("job is %s with %d %s events, want %d", r.Job.Status, count[te.event], te.event, want))
		}
	}
	return problems
}
