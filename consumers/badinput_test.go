package consumers

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

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
