package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

func report(status db.JobStatus, stepsDone int, tasks []db.TaskStatus, events ...string) jobs.Report {
	r := jobs.Report{Job: jobs.Job{Status: status, StepsTotal: len(tasks), StepsDone: stepsDone}}
	now := time.Now()
	for i, s := range tasks {
		task := jobs.Task{ExecutionOrder: i, Status: s}
		if s != db.TaskStatusPending {
			task.StartedAt = &now
		}
		r.Tasks = append(r.Tasks, task)
	}
	for _, e := range events {
		r.Events = append(r.Events, jobs.Event{Type: e})
	}
	return r
}

func TestInconsistencies(t *testing.T) {
	t.Parallel()
	const (
		done    = db.TaskStatusDone
		failed  = db.TaskStatusFailed
		pending = db.TaskStatusPending
		queued  = db.TaskStatusQueued
	)
	created, step := message.EventJobCreated, message.EventStepDone
	tests := []struct {
		name   string
		report jobs.Report
		want   string // a substring of the problems; empty for none
	}{
		{"done", report(db.JobStatusDone, 2, []db.TaskStatus{done, done}, created, step, step, message.EventJobDone), ""},
		{"failed", report(db.JobStatusFailed, 1, []db.TaskStatus{done, failed, pending}, created, step, message.EventJobFailed), ""},
		{"running", report(db.JobStatusRunning, 0, []db.TaskStatus{queued}, created), "job is running, not final"},
		{"done twice", report(db.JobStatusDone, 1, []db.TaskStatus{done}, created, step, message.EventJobDone, message.EventJobDone), "2 job.done events"},
		{"missing step event", report(db.JobStatusDone, 1, []db.TaskStatus{done}, created, message.EventJobDone), "0 job.step_done events for 1 steps done"},
		{"stopped as a step finished", report(db.JobStatusStopped, 1, []db.TaskStatus{done, done, db.TaskStatusStopped}, created, step, message.EventJobStopped), ""},
		{"stopped with two steps uncounted", report(db.JobStatusStopped, 0, []db.TaskStatus{done, done, db.TaskStatusStopped}, created, message.EventJobStopped), "steps_done is 0, 2 tasks are done"},
		{"done with a failed task", report(db.JobStatusDone, 1, []db.TaskStatus{done, failed}, created, step, message.EventJobDone), "only 1 of 2 tasks"},
		{"lost step count", report(db.JobStatusDone, 1, []db.TaskStatus{done, done}, created, step, step, message.EventJobDone), "steps_done is 1, 2 tasks are done"},
		{"ran after failure", report(db.JobStatusFailed, 0, []db.TaskStatus{failed, done}, created, step, message.EventJobFailed), "after the failed one started"},
		{"stopped with queued task", report(db.JobStatusStopped, 0, []db.TaskStatus{queued}, created, message.EventJobStopped), "1 tasks are queued"},
	}
	for _, tt := range tests {
		problems := strings.Join(tt.report.Inconsistencies(), "; ")
		if tt.want == "" && problems != "" || !strings.Contains(problems, tt.want) {
			t.Errorf("%s: Inconsistencies = %q, want %q", tt.name, problems, tt.want)
		}
	}
}
