package jobs_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
)

// Several concurrent stops of one job: exactly one stops it, the others are
// told it already ended, and one job.stopped event is recorded.
func TestStopIsExactlyOnce(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	job, _, err := jobs.Submit(ctx, pool, topo, threeSteps())
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}

	const stoppers = 8
	var wg sync.WaitGroup
	errs := make([]error, stoppers)
	start := make(chan struct{})
	for i := range stoppers {
		wg.Go(func() {
			<-start
			_, errs[i] = jobs.Stop(ctx, pool, topo, job.ID)
		})
	}
	close(start)
	wg.Wait()
	stopped := 0
	for _, err := range errs {
		switch {
		case err == nil:
			stopped++
		case !errors.Is(err, jobs.ErrEnded):
			t.Errorf("Stop: %v, want nil or ErrEnded", err)
		}
	}
	if stopped != 1 {
		t.Errorf("%d stops succeeded, want 1", stopped)
	}

	report, err := jobs.Status(ctx, pool, job.ID)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if report.Job.Status != db.JobStatusStopped || report.Job.FinishedAt == nil {
		t.Errorf("job = %s finished %v, want stopped with a finish time", report.Job.Status, report.Job.FinishedAt)
	}
	if problems := report.Inconsistencies(); len(problems) > 0 {
		t.Errorf("stopped job is inconsistent: %q", problems)
	}
	if last := report.Events[len(report.Events)-1]; last.Type != message.EventJobStopped {
		t.Errorf("last event = %s, want %s", last.Type, message.EventJobStopped)
	}
}

func TestStopAndStatusOfUnknownJob(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	id := uuid.New()
	if _, err := jobs.Stop(ctx, pool, topo, id); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Stop = %v, want ErrNotFound", err)
	}
	if _, err := jobs.Status(ctx, pool, id); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Status = %v, want ErrNotFound", err)
	}
}

// Events written in one transaction come back in the order they were
// recorded, although the transaction's now() is the same for all of them.
func TestStatusOrdersEventsOfOneTransaction(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ctx := context.Background()
	job, _, err := jobs.Submit(ctx, pool, topo, threeSteps())
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	recorded := []string{message.EventStepDone, message.EventStepDone, message.EventJobDone, message.EventStepDone, message.EventJobStopped, message.EventStepDone}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, event := range recorded {
			if _, err := outbox.RecordEvent(ctx, tx, topo, job.ID, event, struct{}{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("record events: %v", err)
	}
	report, err := jobs.Status(ctx, pool, job.ID)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	var got []string
	for _, e := range report.Events {
		got = append(got, e.Type)
	}
	if want := append([]string{message.EventJobCreated}, recorded...); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}
