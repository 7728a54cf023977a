package dbtest

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
)

func TestJobCreate(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	key := "request-1"
	first, err := q.JobCreate(ctx, pool, db.JobCreateParams{IdempotencyKey: &key, Input: []byte(`{"n": 1}`), StepsTotal: 2})
	if err != nil {
		t.Fatalf("JobCreate: %v", err)
	}
	if !first.Created || first.Status != db.JobStatusPending || first.StepsTotal != 2 || first.StepsDone != 0 {
		t.Fatalf("first JobCreate = %+v, want a created pending job with 2 steps", first)
	}
	again, err := q.JobCreate(ctx, pool, db.JobCreateParams{IdempotencyKey: &key, Input: []byte(`{"n": 2}`), StepsTotal: 5})
	if err != nil {
		t.Fatalf("JobCreate again: %v", err)
	}
	if again.Created || again.ID != first.ID || again.StepsTotal != 2 {
		t.Fatalf("JobCreate with the same key = %+v, want the first job, not created", again)
	}
	requireJSON(t, again.Input, `{"n": 1}`)

	// Without a key every call creates a job.
	a, err := q.JobCreate(ctx, pool, db.JobCreateParams{Input: []byte(`{}`), StepsTotal: 1})
	if err != nil {
		t.Fatalf("JobCreate without key: %v", err)
	}
	b, err := q.JobCreate(ctx, pool, db.JobCreateParams{Input: []byte(`{}`), StepsTotal: 1})
	if err != nil {
		t.Fatalf("JobCreate without key: %v", err)
	}
	if !a.Created || !b.Created || a.ID == b.ID {
		t.Fatalf("JobCreate without key twice: created %v, %v, ids %v, %v; want two created jobs", a.Created, b.Created, a.ID, b.ID)
	}

	_, err = q.JobCreate(ctx, pool, db.JobCreateParams{Input: []byte(`{}`), StepsTotal: 0})
	requirePgCode(t, err, "23514") // check_violation: a job has at least one step
}

func TestJobGet(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	job := newJob(t, pool, 1)
	got, err := q.JobGet(ctx, pool, job.ID)
	if err != nil || got.ID != job.ID {
		t.Fatalf("JobGet = %+v, %v; want job %v", got, err, job.ID)
	}
	_, err = q.JobGet(ctx, pool, uuid.New())
	requireNoRows(t, err)
	_, err = q.JobGetForUpdate(ctx, pool, uuid.New())
	requireNoRows(t, err)
}

func TestJobGetForUpdateLocks(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	job := newJob(t, pool, 1)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	got, err := q.JobGetForUpdate(ctx, tx, job.ID)
	if err != nil || got.ID != job.ID {
		t.Fatalf("JobGetForUpdate = %+v, %v; want job %v", got, err, job.ID)
	}
	// Another transaction cannot lock the row while tx holds it.
	_, err = pool.Exec(ctx, "SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE NOWAIT", job.ID)
	requirePgCode(t, err, "55P03") // lock_not_available
}

// TestJobTransitions runs every compare-and-set transition of a job from
// every status: the row comes back when the transition is allowed, and
// pgx.ErrNoRows with the row unchanged when it is not.
func TestJobTransitions(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	errMsg := "boom"

	transitions := []struct {
		name string
		from []db.JobStatus // the statuses the transition is allowed from
		to   db.JobStatus
		run  func(ctx context.Context, id uuid.UUID) (db.Job, error)
	}{
		{"JobStart", []db.JobStatus{db.JobStatusPending}, db.JobStatusRunning,
			func(ctx context.Context, id uuid.UUID) (db.Job, error) { return q.JobStart(ctx, pool, id) }},
		{"JobFinishBatch/done", []db.JobStatus{db.JobStatusRunning}, db.JobStatusDone,
			func(ctx context.Context, id uuid.UUID) (db.Job, error) {
				return finishJob(ctx, pool, id, db.JobStatusDone, []byte(`{"out": 1}`), "")
			}},
		{"JobFinishBatch/failed", []db.JobStatus{db.JobStatusRunning}, db.JobStatusFailed,
			func(ctx context.Context, id uuid.UUID) (db.Job, error) {
				return finishJob(ctx, pool, id, db.JobStatusFailed, nil, errMsg)
			}},
		// JobFinishBatch only ends a job: any other target status is refused.
		{"JobFinishBatch/stopped", nil, "",
			func(ctx context.Context, id uuid.UUID) (db.Job, error) {
				return finishJob(ctx, pool, id, db.JobStatusStopped, nil, "")
			}},
		{"JobFinishBatch/pending", nil, "",
			func(ctx context.Context, id uuid.UUID) (db.Job, error) {
				return finishJob(ctx, pool, id, db.JobStatusPending, nil, "")
			}},
		{"JobStop", []db.JobStatus{db.JobStatusPending, db.JobStatusRunning}, db.JobStatusStopped,
			func(ctx context.Context, id uuid.UUID) (db.Job, error) { return q.JobStop(ctx, pool, id) }},
	}
	for _, tr := range transitions {
		for _, from := range db.AllJobStatusValues() {
			t.Run(tr.name+"/from_"+string(from), func(t *testing.T) {
				ctx := t.Context()
				job := newJob(t, pool, 1)
				setJobStatus(t, pool, job.ID, from)
				allowed := slices.Contains(tr.from, from)

				got, err := tr.run(ctx, job.ID)
				want := from
				if allowed {
					want = tr.to
					if err != nil {
						t.Fatalf("err = %v, want the job", err)
					}
					if got.ID != job.ID || got.Status != tr.to {
						t.Fatalf("got %v in %s, want %v in %s", got.ID, got.Status, job.ID, tr.to)
					}
					if ends := tr.to != db.JobStatusRunning; ends != (got.FinishedAt != nil) {
						t.Fatalf("finished_at = %v after moving to %s", got.FinishedAt, tr.to)
					}
				} else {
					requireNoRows(t, err)
				}
				after, err := q.JobGet(ctx, pool, job.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Status != want {
					t.Fatalf("stored status = %s, want %s", after.Status, want)
				}
			})
		}
	}

	t.Run("JobFinishBatch stores output and error", func(t *testing.T) {
		ctx := t.Context()
		job := newJob(t, pool, 1)
		setJobStatus(t, pool, job.ID, db.JobStatusRunning)
		got, err := finishJob(ctx, pool, job.ID, db.JobStatusFailed, []byte(`{"partial": true}`), errMsg)
		if err != nil {
			t.Fatal(err)
		}
		requireJSON(t, got.Output, `{"partial": true}`)
		if got.Error == nil || *got.Error != errMsg {
			t.Fatalf("error = %v, want %q", got.Error, errMsg)
		}
	})
}

func TestJobStepDoneBatch(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	var ids []uuid.UUID
	var counts []int32
	running := map[uuid.UUID]bool{}
	for i, status := range db.AllJobStatusValues() {
		job := newJob(t, pool, 10)
		setJobStatus(t, pool, job.ID, status)
		ids, counts = append(ids, job.ID), append(counts, int32(i+1))
		running[job.ID] = status == db.JobStatusRunning
	}
	for round := int32(1); round <= 2; round++ {
		n, err := q.JobStepDoneBatch(ctx, pool, db.JobStepDoneBatchParams{Ids: ids, Counts: counts})
		if err != nil || n != 1 {
			t.Fatalf("JobStepDoneBatch = %d, %v; want the one running job counted", n, err)
		}
		for i, id := range ids {
			job, err := q.JobGet(ctx, pool, id)
			want := int32(0)
			if running[id] {
				want = round * counts[i]
			}
			if err != nil || job.StepsDone != want {
				t.Fatalf("job %s after round %d: %d steps done, %v; want %d", job.Status, round, job.StepsDone, err, want)
			}
		}
	}
}

// finishJob ends one job through JobFinishBatch, with pgx.ErrNoRows when
// the transition is refused.
func finishJob(ctx context.Context, pool db.DBTX, id uuid.UUID, status db.JobStatus, output []byte, errText string) (db.Job, error) {
	finished, err := q.JobFinishBatch(ctx, pool, db.JobFinishBatchParams{
		Ids: []uuid.UUID{id}, Statuses: []string{string(status)}, Outputs: [][]byte{output}, Errors: []string{errText},
	})
	if err != nil {
		return db.Job{}, err
	}
	if len(finished) == 0 {
		return db.Job{}, pgx.ErrNoRows
	}
	return q.JobGet(ctx, pool, id)
}

// TestJobCountByStatus covers JobCountByStatus and JobCountByStatusAmong.
func TestJobCountByStatus(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := t.Context()

	counts, err := q.JobCountByStatus(ctx, pool)
	if err != nil || len(counts) != 0 {
		t.Fatalf("JobCountByStatus on no jobs = %v, %v; want none", counts, err)
	}
	var ids []uuid.UUID
	for _, status := range []db.JobStatus{db.JobStatusRunning, db.JobStatusPending, db.JobStatusRunning, db.JobStatusDone} {
		id := newJob(t, pool, 1).ID
		setJobStatus(t, pool, id, status)
		ids = append(ids, id)
	}
	counts, err = q.JobCountByStatus(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	want := []db.JobCountByStatusRow{
		{Status: db.JobStatusPending, Jobs: 1},
		{Status: db.JobStatusRunning, Jobs: 2},
		{Status: db.JobStatusDone, Jobs: 1},
	}
	if !slices.Equal(counts, want) {
		t.Fatalf("JobCountByStatus = %v, want %v (in enum order)", counts, want)
	}

	// Among a batch: only the given jobs count, unknown ids are ignored.
	among, err := q.JobCountByStatusAmong(ctx, pool, []uuid.UUID{ids[0], ids[3], uuid.New()})
	if err != nil {
		t.Fatal(err)
	}
	wantAmong := []db.JobCountByStatusAmongRow{
		{Status: db.JobStatusRunning, Jobs: 1},
		{Status: db.JobStatusDone, Jobs: 1},
	}
	if !slices.Equal(among, wantAmong) {
		t.Fatalf("JobCountByStatusAmong = %v, want %v", among, wantAmong)
	}
	among, err = q.JobCountByStatusAmong(ctx, pool, nil)
	if err != nil || len(among) != 0 {
		t.Fatalf("JobCountByStatusAmong of no jobs = %v, %v; want none", among, err)
	}
}
