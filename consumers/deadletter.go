package consumers

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/message"
)

// QueueHeader names the queue a dead-lettered message was taken from.
const QueueHeader = "x-lockstep-queue"

// publishDeadLetter copies in to the dead-letter exchange with the reason
// in message.ReasonHeader and waits for the broker's confirm; the caller
// acks the original afterwards. (Nack without requeue would dead-letter
// through the queue's x-dead-letter-exchange too, but cannot add a header.)
func (c *consumer) publishDeadLetter(ctx context.Context, ch *amqp.Channel, in *inbound) error {
	headers := amqp.Table{}
	for k, v := range in.Headers {
		headers[k] = v
	}
	headers[message.ReasonHeader] = in.deadLetter
	headers[QueueHeader] = c.queue
	headers[DeadAtHeader] = time.Now().UTC().Truncate(time.Second)
	// The copy must reach the broker even during shutdown: the original is
	// acked right after.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, c.cfg.Topology.DeadLetter, c.queue,
		false, // mandatory
		false, // immediate
		amqp.Publishing{
			MessageId:    in.MessageId,
			ContentType:  in.ContentType,
			DeliveryMode: amqp.Persistent,
			Timestamp:    in.Timestamp,
			Headers:      headers,
			Body:         in.Body,
		})
	if err != nil {
		return fmt.Errorf("dead-letter message %q: %w", in.MessageId, err)
	}
	acked, err := dc.WaitContext(ctx)
	if err != nil || !acked {
		return fmt.Errorf("dead-letter message %q not confirmed: %v", in.MessageId, err)
	}
	c.cfg.Metrics.DeadLettered.WithLabelValues(c.name).Inc()
	c.cfg.Logger.Warn("message dead-lettered", "consumer", c.name, "queue", c.queue,
		"message_id", in.MessageId, "reason", in.deadLetter)
	return nil
}
