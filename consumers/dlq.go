package consumers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/message"
)

// DeadAtHeader carries when a message was dead-lettered.
const DeadAtHeader = "x-lockstep-dead-at"

// DeadLetter is a message in the dead-letter queue.
type DeadLetter struct {
	MessageID string
	// Queue is the queue the message was taken from, where a replay puts
	// it back.
	Queue  string
	Reason string
	DeadAt time.Time
	Body   []byte
	// Headers are the message's headers, the ones above included.
	Headers amqp.Table
}

// DeadLetters operates the dead-letter queue of cfg.Topology: list,
// replay, purge. It holds one broker connection until Close.
type DeadLetters struct {
	cfg  Config
	conn *amqp.Connection
}

// OpenDeadLetters connects to the broker; of cfg it needs AMQPURL and
// Topology only.
func OpenDeadLetters(cfg Config) (*DeadLetters, error) {
	if cfg.AMQPURL == "" || cfg.Topology.DeadQueue == "" {
		return nil, errors.New("consumers: Config.AMQPURL and Config.Topology are required")
	}
	conn, err := amqp.DialConfig(cfg.AMQPURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return nil, fmt.Errorf("dial broker: %w", err)
	}
	return &DeadLetters{cfg: cfg, conn: conn}, nil
}

// Close closes the connection.
func (d *DeadLetters) Close() error { return d.conn.Close() }

// List returns up to limit dead letters, oldest first, and leaves them in
// the queue.
func (d *DeadLetters) List(ctx context.Context, limit int) ([]DeadLetter, error) {
	var letters []DeadLetter
	err := d.each(ctx, limit, func(_ *amqp.Channel, m amqp.Delivery) (bool, error) {
		letters = append(letters, deadLetterOf(m))
		return false, nil
	})
	return letters, err
}

// Replay puts the dead letters with the given message ids (every one when
// ids is empty) back on the queue they came from, with their message ids,
// so the consumers' inbox and compare-and-set queries apply each at most
// once; it returns how many it replayed. A replay is published with
// confirms before its dead letter is removed: a crash between the two
// replays it again, harmlessly.
func (d *DeadLetters) Replay(ctx context.Context, ids []string) (int, error) {
	replayed := 0
	err := d.each(ctx, 0, func(ch *amqp.Channel, m amqp.Delivery) (bool, error) {
		letter := deadLetterOf(m)
		if len(ids) > 0 && !slices.Contains(ids, letter.MessageID) {
			return false, nil
		}
		if letter.Queue == "" {
			return false, fmt.Errorf("dead letter %q does not say which queue it came from", letter.MessageID)
		}
		headers := amqp.Table{}
		for k, v := range m.Headers {
			headers[k] = v
		}
		delete(headers, message.ReasonHeader)
		delete(headers, QueueHeader)
		delete(headers, DeadAtHeader)
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", letter.Queue,
			true,  // mandatory: a missing queue is an error, not a silent drop
			false, // immediate
			amqp.Publishing{MessageId: m.MessageId, ContentType: m.ContentType, DeliveryMode: amqp.Persistent, Headers: headers, Body: m.Body})
		if err != nil {
			return false, fmt.Errorf("replay %q: %w", letter.MessageID, err)
		}
		if ok, err := dc.WaitContext(ctx); err != nil || !ok {
			return false, fmt.Errorf("replay %q not confirmed: %v", letter.MessageID, err)
		}
		replayed++
		return true, nil
	})
	return replayed, err
}

// Purge deletes every dead letter and returns how many there were.
func (d *DeadLetters) Purge(ctx context.Context) (int, error) {
	ch, err := d.conn.Channel()
	if err != nil {
		return 0, fmt.Errorf("open channel: %w", err)
	}
	defer ch.Close()
	n, err := ch.QueuePurge(d.cfg.Topology.DeadQueue, false /* noWait */)
	if err != nil {
		return 0, fmt.Errorf("purge %s: %w", d.cfg.Topology.DeadQueue, err)
	}
	return n, nil
}

// each gets the dead letters one by one (at most limit, 0 for all that are
// there now) and calls fn on each: true acks it (removes it), false leaves
// it. Left ones are back on the queue, in their order, when it returns.
func (d *DeadLetters) each(ctx context.Context, limit int, fn func(*amqp.Channel, amqp.Delivery) (bool, error)) error {
	ch, err := d.conn.Channel()
	if err != nil {
		return fmt.Errorf("open channel: %w", err)
	}
	defer ch.Close()
	if err := ch.Confirm(false /* noWait */); err != nil {
		return fmt.Errorf("enable publisher confirms: %w", err)
	}
	returns := ch.NotifyReturn(make(chan amqp.Return, 1))
	q, err := ch.QueueDeclarePassive(d.cfg.Topology.DeadQueue,
		true,  // durable
		false, // autoDelete
		false, // exclusive
		false, // noWait
		nil)
	if err != nil {
		return fmt.Errorf("dead-letter queue %s: %w", d.cfg.Topology.DeadQueue, err)
	}
	// Only the messages there now: a replayed message dead-lettered again
	// meanwhile waits for the next run.
	n := q.Messages
	if limit > 0 {
		n = min(n, limit)
	}
	// Put back what was only looked at before the channel closes: a close
	// alone requeues too, but after close-ok, so a List right after might
	// find the queue empty.
	var last uint64
	kept := false
	defer func() {
		if kept {
			_ = ch.Nack(last, true /* multiple */, true /* requeue */)
		}
	}()
	for range n {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m, ok, err := ch.Get(d.cfg.Topology.DeadQueue, false /* autoAck */)
		if err != nil {
			return fmt.Errorf("get dead letter: %w", err)
		}
		if !ok {
			return nil
		}
		remove, err := fn(ch, m)
		select {
		case r := <-returns:
			err = errors.Join(err, fmt.Errorf("replay %q: queue %q refused it: %s", r.MessageId, r.RoutingKey, r.ReplyText))
			remove = false
		default:
		}
		if err != nil {
			return err
		}
		if remove {
			if err := m.Ack(false /* multiple */); err != nil {
				return fmt.Errorf("remove dead letter: %w", err)
			}
		} else {
			last, kept = m.DeliveryTag, true
		}
	}
	return nil
}

func deadLetterOf(m amqp.Delivery) DeadLetter {
	letter := DeadLetter{MessageID: m.MessageId, Body: m.Body, Headers: m.Headers}
	letter.Queue, _ = m.Headers[QueueHeader].(string)
	letter.Reason, _ = m.Headers[message.ReasonHeader].(string)
	letter.DeadAt, _ = m.Headers[DeadAtHeader].(time.Time)
	return letter
}
