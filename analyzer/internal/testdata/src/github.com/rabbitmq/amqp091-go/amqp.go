// Package amqp091 is a minimal fake of github.com/rabbitmq/amqp091-go for analyzer tests.
// Signatures are copied from v1.16.0.
package amqp091

import "context"

// Table is a field table for headers and arguments.
type Table map[string]any

// Publishing is a message sent to the server.
type Publishing struct {
	Headers      Table
	ContentType  string
	DeliveryMode uint8
	MessageId    string
	Body         []byte
}

// Delivery is a message delivered by the server.
type Delivery struct {
	MessageId string
	Body      []byte
}

// Ack acknowledges the delivery.
func (d Delivery) Ack(multiple bool) error { return nil }

// Nack negatively acknowledges the delivery.
func (d Delivery) Nack(multiple, requeue bool) error { return nil }

// Reject rejects the delivery.
func (d Delivery) Reject(requeue bool) error { return nil }

// Queue is a declared queue.
type Queue struct{ Name string }

// Connection is an AMQP connection.
type Connection struct{}

// Dial connects to url.
func Dial(url string) (*Connection, error) { return &Connection{}, nil }

// Channel opens a channel.
func (c *Connection) Channel() (*Channel, error) { return &Channel{}, nil }

// Close closes the connection.
func (c *Connection) Close() error { return nil }

// Channel is an AMQP channel.
type Channel struct{}

// Close closes the channel.
func (ch *Channel) Close() error { return nil }

// Confirm puts the channel into confirm mode.
func (ch *Channel) Confirm(noWait bool) error { return nil }

// QueueDeclare declares a queue.
func (ch *Channel) QueueDeclare(name string, durable, autoDelete, exclusive, noWait bool, args Table) (Queue, error) {
	return Queue{Name: name}, nil
}

// Consume starts delivering messages.
func (ch *Channel) Consume(queue, consumer string, autoAck, exclusive, noLocal, noWait bool, args Table) (<-chan Delivery, error) {
	return nil, nil
}

// Publish sends a message.
func (ch *Channel) Publish(exchange, key string, mandatory, immediate bool, msg Publishing) error {
	return nil
}

// PublishWithContext sends a message.
func (ch *Channel) PublishWithContext(ctx context.Context, exchange, key string, mandatory, immediate bool, msg Publishing) error {
	return nil
}

// PublishWithDeferredConfirm sends a message and returns its confirmation.
func (ch *Channel) PublishWithDeferredConfirm(exchange, key string, mandatory, immediate bool, msg Publishing) (*DeferredConfirmation, error) {
	return &DeferredConfirmation{}, nil
}

// PublishWithDeferredConfirmWithContext sends a message and returns its confirmation.
func (ch *Channel) PublishWithDeferredConfirmWithContext(ctx context.Context, exchange, key string, mandatory, immediate bool, msg Publishing) (*DeferredConfirmation, error) {
	return &DeferredConfirmation{}, nil
}

// DeferredConfirmation is the broker's answer to one publishing.
type DeferredConfirmation struct{}

// Wait blocks until the confirmation arrives and reports whether it was an ack.
func (d *DeferredConfirmation) Wait() bool { return true }

// WaitContext is Wait with a context.
func (d *DeferredConfirmation) WaitContext(ctx context.Context) (bool, error) { return true, nil }
