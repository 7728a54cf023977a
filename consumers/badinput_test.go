package consumers

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
)

func TestBadMessagesAreDeadLetteredWithReason(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	p.cfg.MaxBodyBytes = 1024
	p.startAll()
	start(t, p.webhooks(WebhookOptions{}))
	topo := p.cfg.Topology
	taskBody := `{"task_id":"` + uuid.NewString() + `","job_id":"` + uuid.NewString() + `"}`
	cases := []struct {
		name, exchange, key, messageID, body, reason string
	}{
		{"unparsable", topo.Exchange, topo.Tasks, uuid.NewString(), `not json`, "unparsable body"},
		{"no message id", topo.Exchange, topo.Tasks, "", taskBody, "missing or malformed message id"},
		{"malformed message id", topo.Exchange, topo.Tasks, "m-1", taskBody, "missing or malformed message id"},
		{"no task id", topo.Exchange, topo.Tasks, uuid.NewString(), `{}`, "task_id missing"},
		{"malformed task id", topo.Exchange, topo.Tasks, uuid.NewString(), `{"task_id":"t-1"}`, "unparsable body"},
		{"unknown task", topo.Exchange, topo.Tasks, uuid.NewString(), taskBody, "unknown task"},
		{"oversize", topo.Exchange, topo.Tasks, uuid.NewString(), `"` + strings.Repeat("x", 2000) + `"`, "exceeds the limit"},
		{"result without job", topo.Exchange, topo.Results, uuid.NewString(), `{"task_id":"` + uuid.NewString() + `"}`, "job_id missing"},
		{"result of unknown job", topo.Exchange, topo.Results, uuid.NewString(), taskBody, "unknown task"},
		{"unknown event", topo.Events, "", uuid.NewString(), `{"event_id":"` + uuid.NewString() + `"}`, "unknown event"},
	}
	for _, c := range cases {
		if err := p.b.ch.PublishWithContext(context.Background(), c.exchange, c.key,
			false, // mandatory
			false, // immediate
			amqp.Publishing{MessageId: c.messageID, Body: []byte(c.body), Headers: amqp.Table{"case": c.name}}); err != nil {
			t.Fatalf("publish %s: %v", c.name, err)
		}
	}
	p.waitQueueLen(topo.DeadQueue, len(cases))
	reasons := map[string]string{}
	for _, d := range p.b.drain(topo.DeadQueue) {
		name, _ := d.Headers["case"].(string)
		reasons[name], _ = d.Headers[message.ReasonHeader].(string)
	}
	for _, c := range cases {
		if !strings.Contains(reasons[c.name], c.reason) {
			t.Errorf("%s: reason %q, want it to mention %q", c.name, reasons[c.name], c.reason)
		}
	}
	// The consumers live on and nothing loops back.
	p.assertCompleted(p.submit(`"x"`, appendStep("a")), `"xa"`)
	for _, q := range []string{topo.Tasks, topo.Results, topo.DeadQueue} {
		if n := p.b.queueLen(q); n != 0 {
			t.Errorf("%d messages left in %s", n, q)
		}
	}
}

// When the executor cannot tell unknown tasks from taken ones (its
// database is gone for the moment), it requeues the unclaimed messages
// instead of acking them: one for an unknown task must still reach the
// dead-letter queue on its redelivery, not vanish.
func TestUnclaimedMessagesRequeuedWhenTasksCannotBeLookedUp(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	e, err := NewExecutor(testConfig(t, pool, message.NewTopology("unclaimed-"+uuid.NewString()[:8])), ExecutorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claimed, unknown := uuid.New(), uuid.New()
	explain := func() map[uuid.UUID]*inbound {
		byID := map[uuid.UUID][]*inbound{claimed: {{}}, unknown: {{}}}
		e.x.explainUnclaimed(context.Background(), []uuid.UUID{claimed, unknown}, []db.Task{{ID: claimed}}, byID)
		return map[uuid.UUID]*inbound{claimed: byID[claimed][0], unknown: byID[unknown][0]}
	}

	live := explain()
	if got := live[unknown]; got.requeue || !strings.Contains(got.deadLetter, "unknown task") {
		t.Errorf("database up: unknown task's message requeue=%v deadLetter=%q, want it dead-lettered", got.requeue, got.deadLetter)
	}
	pool.Close()
	down := explain()
	if got := down[unknown]; !got.requeue || got.deadLetter != "" {
		t.Errorf("database down: unknown task's message requeue=%v deadLetter=%q, want it requeued", got.requeue, got.deadLetter)
	}
	for name, in := range map[string]*inbound{"up": live[claimed], "down": down[claimed]} {
		if in.requeue || in.deadLetter != "" {
			t.Errorf("database %s: claimed task's message requeue=%v deadLetter=%q, want it acked", name, in.requeue, in.deadLetter)
		}
	}
}
