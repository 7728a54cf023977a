package consumers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
)

// Bursts of pg_terminate_backend on every connection of the pipeline's
// database while steps run lose nothing: every job ends done with its
// output, each step counted once, every event delivered to the webhook
// subscriber, nothing dead-lettered. A terminated backend is a transient
// failure, never poison.
func TestTerminatedBackendsLoseNothing(t *testing.T) {
	t.Parallel()
	const jobCount, steps = 30, 3
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 0)
	p.subscribe(receiver)
	start(t, p.relay(RelayOptions{}))
	start(t, p.executorWith(ExecutorOptions{SweepInterval: 50 * time.Millisecond}))
	start(t, p.results())
	start(t, p.webhooks(WebhookOptions{}))

	ids := make([]uuid.UUID, jobCount)
	for i := range ids {
		ids[i] = p.submit(fmt.Sprintf(`"%d"`, i), step("sleep", `{"ms":20}`), appendStep("b"), step("sleep", `{"ms":20}`))
	}
	killed := p.terminateBackendsInBursts(20, 50*time.Millisecond)
	if killed == 0 {
		t.Fatal("no backend was terminated: the test proves nothing")
	}
	t.Logf("terminated %d backends", killed)
	// The test's own queries share the roles' pool: drop the connections
	// the burst killed, so the checks below do not meet them.
	p.cfg.Pool.Reset()

	for i, id := range ids {
		job := p.waitJob(id, db.JobStatusDone)
		if want := fmt.Sprintf(`"%db"`, i); string(job.Output) != want || job.StepsDone != steps {
			t.Errorf("job %d: output %s after %d steps, want %s after %d", i, job.Output, job.StepsDone, want, steps)
		}
		want := map[string]int{"job.created": 1, "job.step_done": steps, "job.done": 1}
		if got := p.eventCounts(id); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("job %d: events %v, want %v", i, got, want)
		}
		p.waitWebhooksDelivered(id, 1+steps+1)
	}
	if n := p.b.queueLen(p.cfg.Topology.DeadQueue); n != 0 {
		for _, d := range p.b.drain(p.cfg.Topology.DeadQueue) {
			t.Logf("dead letter: %v", d.Headers)
		}
		t.Errorf("%d dead letters, want none", n)
	}
}

// terminateBackendsInBursts terminates every other backend connected to the
// pipeline's database, bursts times, pause apart, from a connection of its
// own, and returns how many it terminated.
func (p *pipeline) terminateBackendsInBursts(bursts int, pause time.Duration) int {
	p.t.Helper()
	ctx := context.Background()
	cfg := p.cfg.Pool.Config().ConnConfig.Copy()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		p.t.Fatal(err)
	}
	defer conn.Close(ctx)
	killed := 0
	for range bursts {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
		if err != nil {
			p.t.Fatalf("terminate backends: %v", err)
		}
		killed += n
		time.Sleep(pause)
	}
	return killed
}
