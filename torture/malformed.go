package torture

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/message"
)

// ProbeHeader marks a malformed message the run published itself; the
// dead-letter copy keeps it, so the check can find every one.
const ProbeHeader = "x-lockstep-torture-probe"

// probe is a malformed message published straight onto a queue.
type probe struct {
	ID      string // the ProbeHeader value
	Queue   string
	Variant string
}

// malformedVariant builds a body and a message id that no consumer can
// apply; each must end in the dead-letter queue with its reason.
type malformedVariant struct {
	name  string
	build func(rng *rand.Rand) (messageID string, body []byte)
}

func randomIDs() string {
	return fmt.Sprintf(`{"task_id": %q, "job_id": %q, "event_id": %q, "type": "job.done"}`,
		uuid.NewString(), uuid.NewString(), uuid.NewString())
}

var malformedVariants = []malformedVariant{
	{"invalid_json", func(*rand.Rand) (string, []byte) { return uuid.NewString(), []byte(`{"task_id": "`) }},
	{"empty", func(*rand.Rand) (string, []byte) { return uuid.NewString(), nil }},
	{"no_message_id", func(*rand.Rand) (string, []byte) { return "", []byte(randomIDs()) }},
	{"non_uuid_message_id", func(*rand.Rand) (string, []byte) { return "not-a-uuid", []byte(randomIDs()) }},
	{"missing_ids", func(*rand.Rand) (string, []byte) { return uuid.NewString(), []byte(`{}`) }},
	{"non_uuid_ids", func(*rand.Rand) (string, []byte) {
		return uuid.NewString(), []byte(`{"task_id": "42", "job_id": "x", "event_id": "y"}`)
	}},
	{"unknown_ids", func(*rand.Rand) (string, []byte) { return uuid.NewString(), []byte(randomIDs()) }},
	{"oversize", func(*rand.Rand) (string, []byte) {
		pad := strings.Repeat("x", consumers.DefaultMaxBodyBytes)
		return uuid.NewString(), []byte(fmt.Sprintf(`{"task_id": %q, "pad": %q}`, uuid.NewString(), pad))
	}},
	{"binary", func(rng *rand.Rand) (string, []byte) {
		b := make([]byte, 64)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		b[0] = 0xff // never valid UTF-8, never JSON
		return uuid.NewString(), b
	}},
}

// consumedQueues are the queues a role consumes; the output and dead
// queues have no consumer in the pipeline, so nothing there is checked.
func consumedQueues(topo message.Topology) []string {
	return []string{topo.Tasks, topo.Results, topo.Webhooks}
}

// brokerChannel dials the broker and opens a channel on the connection,
// which the caller closes.
func brokerChannel(amqpURL string) (*amqp.Connection, *amqp.Channel, error) {
	conn, err := amqp.DialConfig(amqpURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return nil, nil, fmt.Errorf("dial broker: %w", err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("open channel: %w", err)
	}
	return conn, ch, nil
}

// publishMalformed publishes n malformed messages, each of a random
// variant onto a random consumed queue, with confirms, and returns the
// probes the broker confirmed.
func publishMalformed(ctx context.Context, amqpURL string, topo message.Topology, rng *rand.Rand, n int) ([]probe, error) {
	conn, ch, err := brokerChannel(amqpURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := ch.Confirm(false /* noWait */); err != nil {
		return nil, fmt.Errorf("enable confirms: %w", err)
	}
	queues := consumedQueues(topo)
	var sent []probe
	for range n {
		v := malformedVariants[rng.IntN(len(malformedVariants))]
		p := probe{ID: uuid.NewString(), Queue: queues[rng.IntN(len(queues))], Variant: v.name}
		id, body := v.build(rng)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", p.Queue,
			true,  // mandatory: a missing queue is an error
			false, // immediate
			amqp.Publishing{MessageId: id, DeliveryMode: amqp.Persistent, Body: body,
				Headers: amqp.Table{ProbeHeader: p.ID}})
		if err == nil {
			var ok bool
			ok, err = dc.WaitContext(ctx)
			if err == nil && !ok {
				err = fmt.Errorf("broker refused it")
			}
		}
		cancel()
		if err != nil {
			return sent, fmt.Errorf("publish %s onto %s: %w", v.name, p.Queue, err)
		}
		sent = append(sent, p)
	}
	return sent, nil
}
