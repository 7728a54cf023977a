package consumers

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/db"
)

// A consumer whose connection drops reconnects and carries on.
func TestConsumerReconnectsAfterConnectionLoss(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	start(t, p.results())
	e := p.executor(3)
	conns := make(chan *amqp.Connection, 10)
	e.connected = func(c *amqp.Connection) { conns <- c }
	start(t, e)
	p.assertCompleted(p.submit(`"x"`, appendStep("a")), `"xa"`)
	(<-conns).Close()
	select {
	case <-conns: // the executor dialled again
	case <-time.After(20 * time.Second):
		t.Fatal("executor did not reconnect")
	}
	p.assertCompleted(p.submit(`"y"`, appendStep("b"), appendStep("c")), `"ybc"`)
}

// Close lets the batch in flight finish, commit and be acked: the task
// ends done after one attempt and its message does not come back.
func TestCloseFinishesInFlightWork(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	started := make(chan struct{}, 1)
	handlers := testHandlers()
	handlers["slow"] = HandlerFunc(func(ctx context.Context, _, input json.RawMessage) (json.RawMessage, error) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		return input, nil
	})
	e, err := NewExecutor(p.cfg, ExecutorOptions{Handlers: handlers})
	if err != nil {
		t.Fatal(err)
	}
	start(t, e)
	id := p.submit(`"x"`, step("slow", `{}`))
	<-started
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	task := p.tasks(id)[0]
	if task.Status != db.TaskStatusDone || task.Attempts != 1 {
		t.Fatalf("task %s after %d attempts, want done after 1", task.Status, task.Attempts)
	}
	if err := e.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	// The delivery was acked before Close returned: nothing is left to
	// redeliver once the closed consumer's connection is gone.
	waitFor(t, "the tasks queue to be empty", func() (bool, error) { return p.b.queueLen(p.cfg.Topology.Tasks) == 0, nil })
	p.waitRelayed()
	p.waitQueueLen(p.cfg.Topology.Results, 1)
}
