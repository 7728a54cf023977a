package dbtest

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

func TestTaskCreateBatchAndOrder(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	job := newJob(t, pool, 3)
	created, err := q.TaskCreateBatch(ctx, pool, db.TaskCreateBatchParams{
		JobID:           job.ID,
		ExecutionOrders: []int32{10, 0, 5},
		Handlers:        []string{"last", "first", "middle"},
		Params:          [][]byte{[]byte(`{"i": 10}`), []byte(`{"i": 0}`), []byte(`{"i": 5}`)},
	})
	if err != nil {
		t.Fatalf("TaskCreateBatch: %v", err)
	}
	if len(created) != 3 {
		t.Fatalf("TaskCreateBatch returned %d tasks, want 3", len(created))
	}
	for _, task := range created {
		if task.JobID != job.ID || task.Status != db.TaskStatusPending || task.Attempts != 0 {
			t.Fatalf("created task %+v, want a pending task of job %v", task, job.ID)
		}
	}
	// Tasks of another job never show up.
	newTasks(t, pool, db.JobStatusRunning, 4)

	listed, err := q.TaskListByJob(ctx, pool, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	var handlers []string
	for _, task := range listed {
		handlers = append(handlers, task.Handler)
	}
	if want := []string{"first", "middle", "last"}; !slices.Equal(handlers, want) {
		t.Fatalf("TaskListByJob handlers = %v, want %v", handlers, want)
	}
	requireJSON(t, listed[1].Params, `{"i": 5}`)

	for _, tc := range []struct {
		after int32
		want  string // handler of the next task; "" for none
	}{
		{-1, "first"},
		{0, "middle"},
		{3, "middle"},
		{5, "last"},
		{10, ""},
		{99, ""},
	} {
		next, err := q.TaskGetNext(ctx, pool, db.TaskGetNextParams{JobID: job.ID, ExecutionOrder: tc.after})
		if tc.want == "" {
			requireNoRows(t, err)
			continue
		}
		if err != nil || next.Handler != tc.want {
			t.Fatalf("TaskGetNext after %d = %q, %v; want %q", tc.after, next.Handler, err, tc.want)
		}
	}

	got, err := q.TaskGet(ctx, pool, listed[0].ID)
	if err != nil || got.Handler != "first" {
		t.Fatalf("TaskGet = %+v, %v", got, err)
	}
	_, err = q.TaskGet(ctx, pool, uuid.New())
	requireNoRows(t, err)

	// One task per job and execution order.
	_, err = q.TaskCreateBatch(ctx, pool, db.TaskCreateBatchParams{
		JobID: job.ID, ExecutionOrders: []int32{5}, Handlers: []string{"again"}, Params: [][]byte{[]byte(`{}`)},
	})
	requirePgCode(t, err, "23505") // unique_violation
}

// TestTaskTransitions runs every compare-and-set transition of a task from
// every status (its job running): the row comes back when the transition is
// allowed, and pgx.ErrNoRows with the row unchanged when it is not.
func TestTaskTransitions(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	errMsg := "handler failed"

	transitions := []struct {
		name string
		from []db.TaskStatus // the statuses the transition is allowed from
		to   db.TaskStatus
		run  func(ctx context.Context, id uuid.UUID) (db.Task, error)
	}{
		{"TaskQueue", []db.TaskStatus{db.TaskStatusPending}, db.TaskStatusQueued,
			func(ctx context.Context, id uuid.UUID) (db.Task, error) {
				return q.TaskQueue(ctx, pool, db.TaskQueueParams{ID: id, Input: []byte(`{"in": 1}`)})
			}},
		{"TaskStart", []db.TaskStatus{db.TaskStatusQueued}, db.TaskStatusProcessing,
			func(ctx context.Context, id uuid.UUID) (db.Task, error) { return q.TaskStart(ctx, pool, id) }},
		{"TaskRequeue", []db.TaskStatus{db.TaskStatusProcessing}, db.TaskStatusQueued,
			func(ctx context.Context, id uuid.UUID) (db.Task, error) {
				return q.TaskRequeue(ctx, pool, db.TaskRequeueParams{ID: id, Error: &errMsg, MaxAttempts: 3})
			}},
		{"TaskFinish/done", []db.TaskStatus{db.TaskStatusProcessing}, db.TaskStatusDone,
			func(ctx context.Context, id uuid.UUID) (db.Task, error) {
				return q.TaskFinish(ctx, pool, db.TaskFinishParams{ID: id, Status: db.TaskStatusDone, Result: []byte(`{"r": 1}`)})
			}},
		{"TaskFinish/failed", []db.TaskStatus{db.TaskStatusProcessing}, db.TaskStatusFailed,
			func(ctx context.Context, id uuid.UUID) (db.Task, error) {
				return q.TaskFinish(ctx, pool, db.TaskFinishParams{ID: id, Status: db.TaskStatusFailed, Error: &errMsg})
			}},
		// TaskFinish only ends a task: any other target status is refused.
		{"TaskFinish/queued", nil, "",
			func(ctx context.Context, id uuid.UUID) (db.Task, error) {
				return q.TaskFinish(ctx, pool, db.TaskFinishParams{ID: id, Status: db.TaskStatusQueued})
			}},
		{"TaskFinish/stopped", nil, "",
			func(ctx context.Context, id uuid.UUID) (db.Task, error) {
				return q.TaskFinish(ctx, pool, db.TaskFinishParams{ID: id, Status: db.TaskStatusStopped})
			}},
	}
	for _, tr := range transitions {
		for _, from := range db.AllTaskStatusValues() {
			t.Run(tr.name+"/from_"+string(from), func(t *testing.T) {
				ctx := t.Context()
				_, tasks := newTasks(t, pool, db.JobStatusRunning, 1)
				task := tasks[0]
				setTaskStatus(t, pool, task.ID, from)
				allowed := slices.Contains(tr.from, from)

				got, err := tr.run(ctx, task.ID)
				want := from
				if allowed {
					want = tr.to
					if err != nil {
						t.Fatalf("err = %v, want the task", err)
					}
					if got.ID != task.ID || got.Status != tr.to {
						t.Fatalf("got %v in %s, want %v in %s", got.ID, got.Status, task.ID, tr.to)
					}
				} else {
					requireNoRows(t, err)
				}
				after, err := q.TaskGet(ctx, pool, task.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Status != want {
					t.Fatalf("stored status = %s, want %s", after.Status, want)
				}
			})
		}
	}
}

// TestTaskLifecycle follows one task through its transitions and checks what
// each one records besides the status.
func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()
	errMsg := "timeout"

	_, tasks := newTasks(t, pool, db.JobStatusRunning, 1)
	id := tasks[0].ID

	queued, err := q.TaskQueue(ctx, pool, db.TaskQueueParams{ID: id, Input: []byte(`{"in": 1}`)})
	if err != nil || queued.QueuedAt == nil {
		t.Fatalf("TaskQueue = %+v, %v; want queued_at set", queued, err)
	}
	requireJSON(t, queued.Input, `{"in": 1}`)

	for attempt := int32(1); attempt <= 2; attempt++ {
		started, err := q.TaskStart(ctx, pool, id)
		if err != nil || started.Attempts != attempt || started.StartedAt == nil {
			t.Fatalf("TaskStart = attempts %d, started_at %v, %v; want attempt %d", started.Attempts, started.StartedAt, err, attempt)
		}
		// Attempts remain while attempts < max_attempts.
		requeued, err := q.TaskRequeue(ctx, pool, db.TaskRequeueParams{ID: id, Error: &errMsg, MaxAttempts: 2})
		if attempt == 2 {
			requireNoRows(t, err)
			break
		}
		if err != nil || requeued.Attempts != attempt || requeued.Error == nil || *requeued.Error != errMsg {
			t.Fatalf("TaskRequeue = %+v, %v; want the error stored and attempts unchanged", requeued, err)
		}
	}

	finished, err := q.TaskFinish(ctx, pool, db.TaskFinishParams{ID: id, Status: db.TaskStatusDone, Result: []byte(`{"r": 2}`)})
	if err != nil || finished.FinishedAt == nil || finished.Attempts != 2 {
		t.Fatalf("TaskFinish = %+v, %v; want finished_at set after 2 attempts", finished, err)
	}
	requireJSON(t, finished.Result, `{"r": 2}`)
	_, err = q.TaskFinish(ctx, pool, db.TaskFinishParams{ID: id, Status: db.TaskStatusFailed})
	requireNoRows(t, err)
}

func TestTaskStartNeedsRunningJob(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	for _, status := range db.AllJobStatusValues() {
		t.Run("job_"+string(status), func(t *testing.T) {
			ctx := t.Context()
			_, tasks := newTasks(t, pool, status, 1)
			setTaskStatus(t, pool, tasks[0].ID, db.TaskStatusQueued)
			got, err := q.TaskStart(ctx, pool, tasks[0].ID)
			if status == db.JobStatusRunning {
				if err != nil || got.Status != db.TaskStatusProcessing {
					t.Fatalf("TaskStart = %s, %v; want processing", got.Status, err)
				}
				return
			}
			requireNoRows(t, err)
			after, err := q.TaskGet(ctx, pool, tasks[0].ID)
			if err != nil || after.Status != db.TaskStatusQueued || after.Attempts != 0 {
				t.Fatalf("task after refused start = %s, %d attempts, %v; want queued, 0 attempts", after.Status, after.Attempts, err)
			}
		})
	}
}

func TestTaskStopByJob(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	statuses := db.AllTaskStatusValues()
	job, tasks := newTasks(t, pool, db.JobStatusRunning, len(statuses))
	for i, status := range statuses {
		setTaskStatus(t, pool, tasks[i].ID, status)
	}
	_, others := newTasks(t, pool, db.JobStatusRunning, 2)

	stopped, err := q.TaskStopByJob(ctx, pool, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	var stoppedIDs []uuid.UUID
	for _, task := range stopped {
		if task.Status != db.TaskStatusStopped || task.FinishedAt == nil {
			t.Fatalf("returned task %v in %s, finished_at %v; want stopped", task.ID, task.Status, task.FinishedAt)
		}
		stoppedIDs = append(stoppedIDs, task.ID)
	}
	for i, status := range statuses {
		live := status == db.TaskStatusPending || status == db.TaskStatusQueued || status == db.TaskStatusProcessing
		if slices.Contains(stoppedIDs, tasks[i].ID) != live {
			t.Fatalf("task in %s: returned %v, want %v", status, !live, live)
		}
		want := status
		if live {
			want = db.TaskStatusStopped
		}
		after, err := q.TaskGet(ctx, pool, tasks[i].ID)
		if err != nil || after.Status != want {
			t.Fatalf("task that was %s is %s (%v), want %s", status, after.Status, err, want)
		}
	}
	for _, task := range others {
		after, err := q.TaskGet(ctx, pool, task.ID)
		if err != nil || after.Status != db.TaskStatusPending {
			t.Fatalf("task of another job is %s (%v), want pending", after.Status, err)
		}
	}
}
