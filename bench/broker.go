package bench

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// BrokerOptions say how the broker's own rates are measured.
type BrokerOptions struct {
	AMQPURL string
	// Messages are published, then consumed, on a scratch queue.
	Messages int
	// Window bounds the unconfirmed publishes and is the consumer's
	// prefetch.
	Window  int
	Timeout time.Duration
}

// BrokerResult holds the broker's rates: the ceilings of anything that
// publishes with confirms or consumes with acks through it.
type BrokerResult struct {
	// Publish is persistent publishing with publisher confirms, at most
	// Window unconfirmed.
	Publish Rate
	// Consume is consuming the same messages with a manual ack each.
	Consume       Rate
	ServerVersion string
}

// brokerBody is as large as a task message.
var brokerBody = []byte(`{"task_id":"0b5bd1a4-6a3e-4b57-9b0e-2f3c8d7f6a51","job_id":"7f1c2e9a-3b4d-4e5f-8a6b-9c0d1e2f3a4b"}`)

// RunBroker publishes opts.Messages persistent messages with confirms to a
// durable scratch queue, then consumes them with manual acks, and deletes
// the queue.
func RunBroker(ctx context.Context, opts BrokerOptions, logger *slog.Logger) (BrokerResult, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	conn, err := amqp.Dial(opts.AMQPURL)
	if err != nil {
		return BrokerResult{}, fmt.Errorf("connect to RabbitMQ: %w", err)
	}
	defer conn.Close()
	result := BrokerResult{ServerVersion: fmt.Sprint(conn.Properties["version"])}
	ch, err := conn.Channel()
	if err != nil {
		return result, err
	}
	queue := "lockstep_bench_broker_" + RandomSuffix()
	if _, err := ch.QueueDeclare(queue,
		true,  // durable
		false, // autoDelete
		false, // exclusive
		false, // noWait
		nil); err != nil {
		return result, fmt.Errorf("declare %s: %w", queue, err)
	}
	defer func() {
		// A fresh channel: an error may have closed the first.
		del, err := conn.Channel()
		if err == nil {
			_, err = del.QueueDelete(queue,
				false, // ifUnused
				false, // ifEmpty
				false) // noWait
			del.Close()
		}
		if err != nil {
			logger.Error("delete scratch queue", "queue", queue, "err", err)
		}
	}()
	if result.Publish, err = publishConfirmed(ctx, ch, queue, opts.Messages, opts.Window); err != nil {
		return result, err
	}
	if result.Consume, err = consumeAcked(ctx, ch, queue, opts.Messages, opts.Window); err != nil {
		return result, err
	}
	return result, nil
}

// publishConfirmed publishes n messages to queue, waiting for the oldest
// confirm whenever window are unconfirmed, and for all at the end.
func publishConfirmed(ctx context.Context, ch *amqp.Channel, queue string, n, window int) (Rate, error) {
	if err := ch.Confirm(false /* noWait */); err != nil {
		return Rate{}, fmt.Errorf("enable publisher confirms: %w", err)
	}
	inFlight := make([]*amqp.DeferredConfirmation, 0, window)
	// waitOldest waits for the first unconfirmed publish.
	waitOldest := func() error {
		acked, err := inFlight[0].WaitContext(ctx)
		if err != nil {
			return fmt.Errorf("wait for a confirm: %w", err)
		}
		if !acked {
			return fmt.Errorf("broker refused publish %d", inFlight[0].DeliveryTag)
		}
		inFlight = inFlight[1:]
		return nil
	}
	start := time.Now()
	for range n {
		if len(inFlight) == window {
			if err := waitOldest(); err != nil {
				return Rate{}, err
			}
		}
		confirm, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue,
			false, // mandatory
			false, // immediate
			amqp.Publishing{ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: brokerBody})
		if err != nil {
			return Rate{}, fmt.Errorf("publish to %s: %w", queue, err)
		}
		inFlight = append(inFlight, confirm)
	}
	for len(inFlight) > 0 {
		if err := waitOldest(); err != nil {
			return Rate{}, err
		}
	}
	return Rate{Count: int64(n), Elapsed: time.Since(start)}, nil
}

// consumeAcked consumes n messages from queue with prefetch, acking each.
func consumeAcked(ctx context.Context, ch *amqp.Channel, queue string, n, prefetch int) (Rate, error) {
	if err := ch.Qos(prefetch, 0, false /* global */); err != nil {
		return Rate{}, fmt.Errorf("set prefetch: %w", err)
	}
	tag := "bench-" + RandomSuffix()
	start := time.Now()
	deliveries, err := ch.ConsumeWithContext(ctx, queue, tag,
		false, // autoAck
		false, // exclusive
		false, // noLocal
		false, // noWait
		nil)
	if err != nil {
		return Rate{}, fmt.Errorf("consume %s: %w", queue, err)
	}
	for consumed := 0; consumed < n; consumed++ {
		select {
		case d, ok := <-deliveries:
			if !ok {
				return Rate{}, fmt.Errorf("consumer of %s closed after %d messages", queue, consumed)
			}
			if err := d.Ack(false /* multiple */); err != nil {
				return Rate{}, fmt.Errorf("ack: %w", err)
			}
		case <-ctx.Done():
			return Rate{}, fmt.Errorf("%d of %d messages consumed: %w", consumed, n, ctx.Err())
		}
	}
	elapsed := time.Since(start)
	if err := ch.Cancel(tag, false /* noWait */); err != nil {
		return Rate{}, fmt.Errorf("cancel consumer: %w", err)
	}
	return Rate{Count: int64(n), Elapsed: elapsed}, nil
}
