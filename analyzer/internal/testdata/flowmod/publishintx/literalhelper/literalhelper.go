// Package literalhelper publishes around a repository's methods that each
// run one statement of literal SQL: each call stands for its statement.
package literalhelper

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"example.com/flowmod/links"
)

// PublishThenCreate announces the link before inserting it.
func PublishThenCreate(ctx context.Context, s *links.Store, ch *amqp.Channel, code, target string) error { // want PublishThenCreate:"publishes via PublishWithContext at literalhelper\\.go:16"
	if err := ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 16 before the write by Create at line 19`
		return err
	}
	_, err := s.Create(ctx, nil, code, target)
	return err
}

// PublishThenCount announces the click before counting it.
func PublishThenCount(ctx context.Context, s *links.Store, ch *amqp.Channel, code string) error { // want PublishThenCount:"publishes via PublishWithContext at literalhelper\\.go:25"
	if err := ch.PublishWithContext(ctx, "", "clicks", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 25 before the write by AddClicks at line 28`
		return err
	}
	return s.AddClicks(ctx, nil, code, 1)
}

// PublishThenSetClicks announces the count before writing it.
func PublishThenSetClicks(ctx context.Context, s *links.Store, ch *amqp.Channel, code string, n int64) error { // want PublishThenSetClicks:"publishes via PublishWithContext at literalhelper\\.go:33"
	if err := ch.PublishWithContext(ctx, "", "clicks", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 33 before the write by SetClicks at line 36`
		return err
	}
	return s.SetClicks(ctx, nil, code, n)
}

// CreateThenPublish announces the link once it is in.
func CreateThenPublish(ctx context.Context, s *links.Store, ch *amqp.Channel, code, target string) error { // want CreateThenPublish:"publishes via PublishWithContext at literalhelper\\.go:44"
	if _, err := s.Create(ctx, nil, code, target); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}) // ok: published after the write, outside a transaction
}

// PublishThenRead reads after publishing.
func PublishThenRead(ctx context.Context, s *links.Store, ch *amqp.Channel, code string) (links.Link, error) { // want PublishThenRead:"publishes via PublishWithContext at literalhelper\\.go:49"
	if err := ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}); err != nil { // ok: only a read follows
		return links.Link{}, err
	}
	return s.ByCode(ctx, nil, code)
}

// PublishThenEnqueue writes to the outbox after publishing.
func PublishThenEnqueue(ctx context.Context, s *links.Store, ch *amqp.Channel, body []byte) error { // want PublishThenEnqueue:"publishes via PublishWithContext at literalhelper\\.go:57"
	if err := ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}); err != nil { // ok: only the outbox is written after
		return err
	}
	return s.Enqueue(ctx, nil, "links", body)
}

// Relay publishes an outbox message, then marks it sent.
func Relay(ctx context.Context, s *links.Store, ch *amqp.Channel, id int64) error { // want Relay:"publishes via PublishWithContext at literalhelper\\.go:65"
	if err := ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}); err != nil { // ok: the write after it is the outbox's
		return err
	}
	return s.MarkSent(ctx, nil, id)
}

// CreateInTx announces the link before the transaction inserting it
// commits.
func CreateInTx(ctx context.Context, pool *pgxpool.Pool, s *links.Store, ch *amqp.Channel, code, target string) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := s.Create(ctx, tx, code, target); err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 82 while transaction begun by Begin at line 74 is open`
		return err
	}
	return tx.Commit(ctx)
}

// RelayInTx marks the outbox message sent in the transaction that
// publishes it.
func RelayInTx(ctx context.Context, pool *pgxpool.Pool, s *links.Store, ch *amqp.Channel, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := s.MarkSent(ctx, tx, id); err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "links", false, false, amqp.Publishing{}); err != nil { // ok: the transaction's only statement is the outbox's, a relay claiming its row
		return err
	}
	return tx.Commit(ctx)
}
