package consumers

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

func TestThreeStepJobCompletesInOrder(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	registry := prometheus.NewRegistry()
	p.cfg.Metrics = NewMetrics(registry)
	p.startAll()
	id := p.submit(`"x"`, appendStep("a"), appendStep("b"), step("uppercase", `{}`))
	p.assertCompleted(id, `"XAB"`)
	waitFor(t, "acks counted", func() (bool, error) {
		acked, err := gathered(registry, "lockstep_messages_acked_total")
		return acked["executor"] == 3 && acked["results"] == 3, err
	})
	if steps, err := gathered(registry, "lockstep_step_seconds"); err != nil || steps["append"] != 2 || steps["uppercase"] != 1 {
		t.Errorf("step latency samples %v (%v), want append 2, uppercase 1", steps, err)
	}

	tasks := p.tasks(id)
	for i := 1; i < len(tasks); i++ {
		if !tasks[i].StartedAt.After(*tasks[i-1].FinishedAt) {
			t.Errorf("task %d started before task %d finished", i, i-1)
		}
	}
	p.waitRelayed()
	p.waitQueueLen(p.cfg.Topology.Output, 1)
	outputs := p.b.drain(p.cfg.Topology.Output)
	var out message.Output
	if err := json.Unmarshal(outputs[0].Body, &out); err != nil {
		t.Fatal(err)
	}
	if out.JobID != id || out.Status != "done" || string(out.Output) != `"XAB"` {
		t.Errorf("output message %+v", out)
	}
}

func TestQuorumQueues(t *testing.T) {
	t.Parallel()
	b := newBrokerWith(t, true)
	p := &pipeline{t: t, b: b, cfg: testConfig(t, newPool(t), b.topo)}
	p.cfg.Quorum = true
	p.startAll()
	p.assertCompleted(p.submit(`"x"`, appendStep("a"), appendStep("b")), `"xab"`)
}

func TestFailingStepFailsJob(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	start(t, p.executor(2))
	start(t, p.results())
	id := p.submit(`"x"`, appendStep("a"), step("fail", `{"probability":1}`), appendStep("c"))
	job := p.waitJob(id, db.JobStatusFailed)
	if job.Error == nil || !strings.Contains(*job.Error, "demo failure") {
		t.Errorf("job error %v, want the handler's error", job.Error)
	}
	tasks := p.tasks(id)
	want := []struct {
		status   db.TaskStatus
		attempts int32
	}{{db.TaskStatusDone, 1}, {db.TaskStatusFailed, 2}, {db.TaskStatusStopped, 0}}
	for i, w := range want {
		if tasks[i].Status != w.status || tasks[i].Attempts != w.attempts {
			t.Errorf("task %d: %s after %d attempts, want %s after %d", i, tasks[i].Status, tasks[i].Attempts, w.status, w.attempts)
		}
	}
	if got := p.eventCounts(id); got["job.failed"] != 1 || got["job.step_done"] != 1 || got["job.done"] != 0 {
		t.Errorf("events %v", got)
	}
	p.waitRelayed()
	p.waitQueueLen(p.cfg.Topology.Output, 1)
	var out message.Output
	json.Unmarshal(p.b.drain(p.cfg.Topology.Output)[0].Body, &out)
	if out.JobID != id || out.Status != "failed" {
		t.Errorf("output message %+v", out)
	}
	// A task failing after its attempts is the job's outcome, not a poison
	// message: nothing was dead-lettered.
	if n := p.b.queueLen(p.cfg.Topology.DeadQueue); n != 0 {
		t.Errorf("%d dead letters, want none", n)
	}
}

func TestStopIsHonouredAtEveryStep(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	ctx := context.Background()
	start(t, p.relay(RelayOptions{}))

	// Stopped while its first task is queued: the executor refuses it.
	queued := p.submit(`"x"`, appendStep("a"), appendStep("b"))
	if _, err := jobs.Stop(ctx, p.cfg.Pool, p.cfg.Topology, queued); err != nil {
		t.Fatal(err)
	}
	// Stopped after its first step ran, before the result is handled: the
	// result handler ends it quietly.
	between := p.submit(`"x"`, appendStep("a"), appendStep("b"))
	start(t, p.executor(3))
	waitFor(t, "first step done", func() (bool, error) {
		return p.tasks(between)[0].Status == db.TaskStatusDone && p.tasks(queued)[0].Status == db.TaskStatusStopped, nil
	})
	p.waitRelayed()
	p.waitQueueLen(p.cfg.Topology.Tasks, 0)
	if _, err := jobs.Stop(ctx, p.cfg.Pool, p.cfg.Topology, between); err != nil {
		t.Fatal(err)
	}
	results := p.results()
	var handled atomic.Int32
	results.crashBeforeSettle = func(batch []*inbound) bool { handled.Add(int32(len(batch))); return false }
	start(t, results)
	waitFor(t, "the result handled", func() (bool, error) { return handled.Load() >= 1, nil })

	if got := p.tasks(queued); got[0].Status != db.TaskStatusStopped || got[0].Attempts != 0 {
		t.Errorf("queued job's first task %s after %d attempts, want stopped before any", got[0].Status, got[0].Attempts)
	}
	if got := p.tasks(between); got[0].Status != db.TaskStatusDone || got[1].Status != db.TaskStatusStopped {
		t.Errorf("stopped job's tasks %s, %s; want done, stopped", got[0].Status, got[1].Status)
	}
	for _, job := range []db.Job{p.job(queued), p.job(between)} {
		if job.Status != db.JobStatusStopped || job.StepsDone != 0 {
			t.Errorf("job %s: %s with %d steps done, want stopped with 0", job.ID, job.Status, job.StepsDone)
		}
		if got := p.eventCounts(job.ID); got["job.step_done"] != 0 || got["job.stopped"] != 1 {
			t.Errorf("job %s events %v", job.ID, got)
		}
	}
	p.waitRelayed()
	if n := p.b.queueLen(p.cfg.Topology.Output); n != 0 {
		t.Errorf("%d output messages for stopped jobs", n)
	}
}

// gathered returns the value of a counter family, or the sample count of a
// histogram family, by the value of its one label.
func gathered(registry *prometheus.Registry, name string) (map[string]float64, error) {
	families, err := registry.Gather()
	if err != nil {
		return nil, err
	}
	values := map[string]float64{}
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		for _, m := range family.GetMetric() {
			label := m.GetLabel()[0].GetValue()
			if h := m.GetHistogram(); h != nil {
				values[label] = float64(h.GetSampleCount())
			} else {
				values[label] = m.GetCounter().GetValue()
			}
		}
	}
	return values, nil
}
