package notify

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Send publishes body to the tasks queue.
func Send(ctx context.Context, ch *amqp.Channel, body []byte) error { // want Send:"publishes via PublishWithContext at notify\\.go:11"
	return ch.PublishWithContext(ctx, "", "tasks", false, false, amqp.Publishing{Body: body})
}

// Announce publishes through Send: facts follow the chain.
func Announce(ctx context.Context, ch *amqp.Channel) error { // want Announce:"publishes via PublishWithContext at notify\\.go:11"
	return Send(ctx, ch, []byte("hello"))
}

// Dispatcher dispatches in-process events; it is not a message broker.
type Dispatcher struct{ handlers []func(string) }

// Dispatch calls the handlers in process.
func (d *Dispatcher) Dispatch(event string) {
	for _, h := range d.handlers {
		h(event)
	}
}

// Events is an in-process event bus whose method is named Publish.
type Events struct{ subscribers []chan string }

// Publish hands the event to in-process subscribers.
func (e *Events) Publish(event string) {
	for _, s := range e.subscribers {
		s <- event
	}
}

// Bus is a custom broker client named by the -publishintx.funcs flag.
type Bus struct{}

// Emit sends a message to the broker.
func (b *Bus) Emit(topic string, body []byte) error { return nil }
