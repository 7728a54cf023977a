package consumers

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
)

// Every batch the relay publishes is published a second time, so every
// message type (task, result, event, output) reaches its consumer twice.
func TestDuplicateDeliveriesChangeNothing(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	receiver := newWebhookReceiver(t, 0)
	p.subscribe(receiver)
	r := p.relay(RelayOptions{})
	published := map[uuid.UUID]bool{} // only the relay's goroutine touches it
	r.afterConfirm = func(rows []db.Outbox) error {
		again := false
		for _, row := range rows {
			again = again || !published[row.MessageID]
			published[row.MessageID] = true
		}
		if again {
			return errors.New("publish the batch again")
		}
		return nil
	}
	start(t, r)
	start(t, p.executor(3))
	start(t, p.results())
	start(t, p.webhooks(WebhookOptions{}))
	id := p.submit(`"x"`, appendStep("a"), appendStep("b"), appendStep("c"))
	p.assertCompleted(id, `"xabc"`)
	p.waitRelayed()
	// Downstream sees the output twice, with one message id to dedupe by.
	p.waitQueueLen(p.cfg.Topology.Output, 2)
	outputs := p.b.drain(p.cfg.Topology.Output)
	if outputs[0].MessageId != outputs[1].MessageId {
		t.Errorf("output copies have ids %s and %s, want one id", outputs[0].MessageId, outputs[1].MessageId)
	}
	// Each of the 5 events has exactly one successful delivery row. The
	// receiver may see an event twice when both copies are handled at the
	// same moment (webhooks are at-least-once; receivers dedupe by the
	// event id header), but never an event that does not exist.
	p.waitWebhooksDelivered(id, 5)
	if n := receiver.requests.Load(); n < 5 {
		t.Errorf("receiver got %d requests, want at least 5", n)
	}
	distinct := map[string]bool{}
	for len(receiver.eventIDs) > 0 {
		distinct[<-receiver.eventIDs] = true
	}
	if len(distinct) != 5 {
		t.Errorf("receiver saw %d distinct events, want 5", len(distinct))
	}
}

// A consumer killed after its transaction committed and before the ack
// gets the batch again; the inbox turns the redelivery into a no-op.
func TestConsumerKilledBetweenCommitAndAck(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	start(t, p.relay(RelayOptions{}))
	crashOnce := func() func([]*inbound) bool {
		var crashed atomic.Bool
		return func([]*inbound) bool { return crashed.CompareAndSwap(false, true) }
	}
	e := p.executor(3)
	e.crashBeforeSettle = crashOnce()
	h := p.results()
	h.crashBeforeSettle = crashOnce()
	start(t, e)
	start(t, h)
	id := p.submit(`"x"`, appendStep("a"), appendStep("b"), appendStep("c"))
	p.assertCompleted(id, `"xabc"`)
	p.waitRelayed()
	p.waitQueueLen(p.cfg.Topology.Output, 1)
}

// A relay killed after the broker confirmed a batch and before marking it
// publishes the batch again; consumers absorb the duplicates.
func TestRelayKilledBetweenPublishAndMark(t *testing.T) {
	t.Parallel()
	p := newPipeline(t)
	r := p.relay(RelayOptions{})
	var crashed atomic.Bool
	r.afterConfirm = func([]db.Outbox) error {
		if crashed.CompareAndSwap(false, true) {
			return errors.New("relay killed after confirm")
		}
		return nil
	}
	start(t, r)
	start(t, p.executor(3))
	start(t, p.results())
	id := p.submit(`"x"`, appendStep("a"), appendStep("b"), appendStep("c"))
	p.assertCompleted(id, `"xabc"`)
	p.waitRelayed()
	p.waitQueueLen(p.cfg.Topology.Output, 1)
}
