package dbtest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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

// TaskQueueNextBatch queues the pending step after the given order, per
// job, with its input; a step that is not pending, or no later step, is
// left out.
func TestTaskQueueNextBatch(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()
	for _, tc := range []struct {
		after  int32
		queued int32 // the execution order queued; -1 for none
		done   bool  // the step after is already done
	}{
		{-1, 0, false},
		{0, 1, false},
		{1, 2, false},
		{2, -1, false},
		{0, -1, true},
	} {
		_, tasks := newTasks(t, pool, db.JobStatusRunning, 3)
		if tc.done {
			setTaskStatus(t, pool, tasks[tc.after+1].ID, db.TaskStatusDone)
		}
		queued, err := q.TaskQueueNextBatch(ctx, pool, db.TaskQueueNextBatchParams{
			JobIds: []uuid.UUID{tasks[0].JobID}, AfterOrders: []int32{tc.after}, Inputs: [][]byte{[]byte(`"in"`)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if tc.queued < 0 {
			if len(queued) != 0 {
				t.Errorf("after %d: queued %v, want none", tc.after, queued)
			}
			continue
		}
		if len(queued) != 1 || queued[0].ID != tasks[tc.queued].ID {
			t.Fatalf("after %d: queued %v, want step %d", tc.after, queued, tc.queued)
		}
		task, err := q.TaskGet(ctx, pool, queued[0].ID)
		if err != nil || task.Status != db.TaskStatusQueued || string(task.Input) != `"in"` || task.QueuedAt == nil {
			t.Fatalf("queued step %+v, %v", task, err)
		}
	}
}

// claimOne claims one task through TaskClaimBatch, with pgx.ErrNoRows when
// it is not claimable, so the batch query fits the single-row tests.
func claimOne(ctx context.Context, pool db.DBTX, id uuid.UUID) (db.Task, error) {
	tasks, err := q.TaskClaimBatch(ctx, pool, db.TaskClaimBatchParams{Ids: []uuid.UUID{id}, LeaseSeconds: 60})
	return only(tasks, err)
}

// recordOne ends one attempt through TaskRecordBatch, with pgx.ErrNoRows
// when the fence refuses it.
func recordOne(ctx context.Context, pool db.DBTX, id uuid.UUID, attempt int32, status db.TaskStatus, result []byte, errText string) (db.Task, error) {
	tasks, err := q.TaskRecordBatch(ctx, pool, db.TaskRecordBatchParams{
		Ids: []uuid.UUID{id}, Attempts: []int32{attempt}, Statuses: []string{string(status)},
		Results: [][]byte{result}, Errors: []string{errText},
	})
	return only(tasks, err)
}

func only(tasks []db.Task, err error) (db.Task, error) {
	switch {
	case err != nil:
		return db.Task{}, err
	case len(tasks) == 0:
		return db.Task{}, pgx.ErrNoRows
	case len(tasks) > 1:
		return db.Task{}, fmt.Errorf("%d rows, want one", len(tasks))
	}
	return tasks[0], nil
}

// TestTaskTransitions runs every compare-and-set transition of a task from
// every status (its job running): the row comes back when the transition is
// allowed, and pgx.ErrNoRows with the row unchanged when it is not.
func TestTaskTransitions(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	errMsg := "handler failed"
	// setTaskStatus leaves attempts at 0: records are fenced by attempt 0.
	record := func(status db.TaskStatus, result []byte, errText string) func(ctx context.Context, id uuid.UUID) (db.Task, error) {
		return func(ctx context.Context, id uuid.UUID) (db.Task, error) {
			return recordOne(ctx, pool, id, 0, status, result, errText)
		}
	}

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
		{"TaskClaimBatch", []db.TaskStatus{db.TaskStatusQueued}, db.TaskStatusProcessing,
			func(ctx context.Context, id uuid.UUID) (db.Task, error) { return claimOne(ctx, pool, id) }},
		{"TaskRecordBatch/queued", []db.TaskStatus{db.TaskStatusProcessing}, db.TaskStatusQueued, record(db.TaskStatusQueued, nil, errMsg)},
		{"TaskRecordBatch/done", []db.TaskStatus{db.TaskStatusProcessing}, db.TaskStatusDone, record(db.TaskStatusDone, []byte(`{"r": 1}`), "")},
		{"TaskRecordBatch/failed", []db.TaskStatus{db.TaskStatusProcessing}, db.TaskStatusFailed, record(db.TaskStatusFailed, nil, errMsg)},
		// A record ends or requeues a task: any other target is refused.
		{"TaskRecordBatch/stopped", nil, "", record(db.TaskStatusStopped, nil, "")},
		{"TaskRecordBatch/processing", nil, "", record(db.TaskStatusProcessing, nil, "")},
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
// each one records besides the status: attempts, lease, times, and the
// attempt fence.
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
		claimed, err := claimOne(ctx, pool, id)
		if err != nil || claimed.Attempts != attempt || claimed.StartedAt == nil || claimed.LeaseUntil == nil || !claimed.LeaseUntil.After(*claimed.StartedAt) {
			t.Fatalf("TaskClaimBatch = attempts %d, started_at %v, lease %v, %v; want attempt %d leased", claimed.Attempts, claimed.StartedAt, claimed.LeaseUntil, err, attempt)
		}
		// A record for another attempt is refused: its worker lost the task.
		_, err = recordOne(ctx, pool, id, attempt-1, db.TaskStatusDone, []byte(`"stale"`), "")
		requireNoRows(t, err)
		if attempt == 2 {
			break
		}
		requeued, err := recordOne(ctx, pool, id, attempt, db.TaskStatusQueued, nil, errMsg)
		if err != nil || requeued.Attempts != attempt || requeued.Error == nil || *requeued.Error != errMsg || requeued.LeaseUntil != nil {
			t.Fatalf("requeue = %+v, %v; want the error stored, attempts unchanged, no lease", requeued, err)
		}
	}

	finished, err := recordOne(ctx, pool, id, 2, db.TaskStatusDone, []byte(`{"r": 2}`), "")
	if err != nil || finished.FinishedAt == nil || finished.Attempts != 2 || finished.Error != nil {
		t.Fatalf("record done = %+v, %v; want finished_at set after 2 attempts, no error", finished, err)
	}
	if !finished.FinishedAt.After(*finished.StartedAt) {
		t.Errorf("finished_at %v not after started_at %v: the wall clock, not the transaction's start, stamps them", finished.FinishedAt, finished.StartedAt)
	}
	requireJSON(t, finished.Result, `{"r": 2}`)
	_, err = recordOne(ctx, pool, id, 2, db.TaskStatusFailed, nil, "again")
	requireNoRows(t, err)
}

func TestTaskClaimNeedsRunningJob(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)

	for _, status := range db.AllJobStatusValues() {
		t.Run("job_"+string(status), func(t *testing.T) {
			ctx := t.Context()
			_, tasks := newTasks(t, pool, status, 1)
			setTaskStatus(t, pool, tasks[0].ID, db.TaskStatusQueued)
			got, err := claimOne(ctx, pool, tasks[0].ID)
			if status == db.JobStatusRunning {
				if err != nil || got.Status != db.TaskStatusProcessing {
					t.Fatalf("claim = %s, %v; want processing", got.Status, err)
				}
				return
			}
			requireNoRows(t, err)
			after, err := q.TaskGet(ctx, pool, tasks[0].ID)
			if err != nil || after.Status != db.TaskStatusQueued || after.Attempts != 0 {
				t.Fatalf("task after refused claim = %s, %d attempts, %v; want queued, 0 attempts", after.Status, after.Attempts, err)
			}
		})
	}
}

// A claim leases each claimed task once; TaskIDsAmong tells unknown ids
// from tasks that were not claimable. TaskWatch renews a lease close to
// expiring, never past the step's timeout (or the default) plus the lease.
func TestTaskClaimAndWatchLeases(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()
	_, tasks := newTasks(t, pool, db.JobStatusRunning, 3)
	for _, task := range tasks {
		setTaskStatus(t, pool, task.ID, db.TaskStatusQueued)
	}
	mustExec(t, pool, "UPDATE tasks SET timeout_ms = 3600000 WHERE id = $1", tasks[0].ID)
	setTaskStatus(t, pool, tasks[2].ID, db.TaskStatusDone)
	unknown := uuid.New()
	ids := []uuid.UUID{tasks[0].ID, tasks[1].ID, tasks[2].ID, unknown, tasks[1].ID}
	claimed, err := q.TaskClaimBatch(ctx, pool, db.TaskClaimBatchParams{Ids: ids, LeaseSeconds: 10})
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d, %v; want the two queued tasks once each", len(claimed), err)
	}
	for _, task := range claimed {
		if lease := task.LeaseUntil.Sub(*task.StartedAt); lease < 10*time.Second || lease > 11*time.Second {
			t.Errorf("task %d leased for %s, want 10s", task.ExecutionOrder, lease)
		}
	}
	existing, err := q.TaskIDsAmong(ctx, pool, ids)
	if err != nil || len(existing) != 3 || slices.Contains(existing, unknown) {
		t.Fatalf("TaskIDsAmong = %v, %v; want the three tasks", existing, err)
	}

	// Both claims started 100s ago: task 0 (a one-hour timeout) is renewed
	// for the full lease; task 1 (the default timeout of 60s) only up to
	// its timeout plus the lease, 30s ago: it is now expired.
	mustExec(t, pool, "UPDATE tasks SET started_at = clock_timestamp() - interval '100 seconds', lease_until = clock_timestamp() WHERE id = ANY($1)",
		[]uuid.UUID{tasks[0].ID, tasks[1].ID})
	watch := db.TaskWatchParams{Ids: []uuid.UUID{tasks[0].ID, tasks[1].ID, tasks[2].ID}, Attempts: []int32{1, 1, 1},
		LeaseSeconds: 10, DefaultTimeoutMs: 60_000, RenewSeconds: 5}
	still, err := q.TaskWatch(ctx, pool, watch)
	if err != nil || len(still) != 2 {
		t.Fatalf("TaskWatch = %v, %v; want tasks 0 and 1", still, err)
	}
	leases := map[uuid.UUID]time.Duration{}
	for _, task := range []uuid.UUID{tasks[0].ID, tasks[1].ID} {
		got, err := q.TaskGet(ctx, pool, task)
		if err != nil {
			t.Fatal(err)
		}
		leases[task] = time.Until(*got.LeaseUntil)
	}
	if l := leases[tasks[0].ID]; l < 9*time.Second || l > 10*time.Second {
		t.Errorf("task 0's lease renewed to %s from now, want 10s", l)
	}
	if l := leases[tasks[1].ID]; l > -29*time.Second || l < -31*time.Second {
		t.Errorf("task 1's lease set to %s from now, want its timeout plus the lease: 30s ago", l)
	}
	// A lease far from expiring is left alone.
	mustExec(t, pool, "UPDATE tasks SET lease_until = clock_timestamp() + interval '1 hour' WHERE id = $1", tasks[0].ID)
	if _, err := q.TaskWatch(ctx, pool, watch); err != nil {
		t.Fatal(err)
	}
	if got, _ := q.TaskGet(ctx, pool, tasks[0].ID); time.Until(*got.LeaseUntil) < 59*time.Minute {
		t.Errorf("a lease an hour away was changed to %s", time.Until(*got.LeaseUntil))
	}
}

// The sweeper's queries: an expired lease goes back to queued while
// attempts remain and fails after; a live lease and other statuses are left
// alone; TaskWatch sees the change; stale queued tasks of running
// jobs are touched once per period.
func TestTaskSweeperQueries(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()
	_, tasks := newTasks(t, pool, db.JobStatusRunning, 4)
	for _, task := range tasks {
		setTaskStatus(t, pool, task.ID, db.TaskStatusQueued)
	}
	// Task 0 is on attempt 1, task 1 on attempt 3 of 3: both expired. Task 2
	// holds a live lease; task 3 stays queued.
	for _, task := range tasks[:3] {
		if _, err := claimOne(ctx, pool, task.ID); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, pool, "UPDATE tasks SET attempts = 3 WHERE id = $1", tasks[1].ID)
	mustExec(t, pool, "UPDATE tasks SET lease_until = clock_timestamp() - interval '1 second' WHERE id = ANY($1)", []uuid.UUID{tasks[0].ID, tasks[1].ID})

	rescued, err := q.TaskRescueExpired(ctx, pool, db.TaskRescueExpiredParams{MaxAttempts: 3, BatchSize: 10})
	if err != nil || len(rescued) != 2 {
		t.Fatalf("rescued %d, %v; want 2", len(rescued), err)
	}
	for _, task := range rescued {
		want := db.TaskStatusQueued
		if task.ID == tasks[1].ID {
			want = db.TaskStatusFailed
		}
		if task.Status != want || task.LeaseUntil != nil || task.Error == nil {
			t.Errorf("rescued task %d: %s, lease %v, error %v; want %s with the reason", task.ExecutionOrder, task.Status, task.LeaseUntil, task.Error, want)
		}
	}
	again, err := q.TaskRescueExpired(ctx, pool, db.TaskRescueExpiredParams{MaxAttempts: 3, BatchSize: 10})
	if err != nil || len(again) != 0 {
		t.Fatalf("second rescue = %d, %v; want none", len(again), err)
	}

	still, err := q.TaskWatch(ctx, pool, db.TaskWatchParams{
		Ids: []uuid.UUID{tasks[0].ID, tasks[2].ID, tasks[2].ID}, Attempts: []int32{1, 1, 2},
		LeaseSeconds: 60, DefaultTimeoutMs: 60_000, RenewSeconds: 1,
	})
	if err != nil || len(still) != 1 || still[0] != tasks[2].ID {
		t.Fatalf("TaskWatch = %v, %v; want only task 2 at attempt 1", still, err)
	}

	mustExec(t, pool, "UPDATE tasks SET queued_at = clock_timestamp() - interval '1 hour' WHERE id = ANY($1)", []uuid.UUID{tasks[0].ID, tasks[3].ID})
	stale, err := q.TaskTouchStale(ctx, pool, db.TaskTouchStaleParams{StaleSeconds: 60, BatchSize: 10})
	if err != nil || len(stale) != 2 {
		t.Fatalf("TaskTouchStale = %v, %v; want tasks 0 and 3", stale, err)
	}
	stale, err = q.TaskTouchStale(ctx, pool, db.TaskTouchStaleParams{StaleSeconds: 60, BatchSize: 10})
	if err != nil || len(stale) != 0 {
		t.Fatalf("TaskTouchStale again = %v, %v; want none within the period", stale, err)
	}
}

func mustExec(t *testing.T, pool db.DBTX, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestTaskStopByJobs(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	statuses := db.AllTaskStatusValues()
	job, tasks := newTasks(t, pool, db.JobStatusRunning, len(statuses))
	for i, status := range statuses {
		setTaskStatus(t, pool, tasks[i].ID, status)
	}
	_, others := newTasks(t, pool, db.JobStatusRunning, 2)

	stopped, err := q.TaskStopByJobs(ctx, pool, []uuid.UUID{job.ID})
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
