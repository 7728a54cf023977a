// Package copyfrom publishes before and after CopyFrom and batches, which
// write like the statements they run.
package copyfrom

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"
)

// PublishThenCopy announces the entries before copying them in.
func PublishThenCopy(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, rows [][]any) error { // want PublishThenCopy:"publishes via PublishWithContext at copyfrom\\.go:15"
	if err := ch.PublishWithContext(ctx, "", "entries", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 15 before the write by CopyFrom at line 18`
		return err
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"entries"}, []string{"account_id", "key", "amount"}, pgx.CopyFromRows(rows))
	return err
}

// PublishThenBatch announces the entry before the batch writes it.
func PublishThenBatch(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error { // want PublishThenBatch:"publishes via PublishWithContext at copyfrom\\.go:24"
	if err := ch.PublishWithContext(ctx, "", "entries", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 24 before the write by Queue at line 28`
		return err
	}
	b := &pgx.Batch{}
	b.Queue("INSERT INTO entries (account_id, key, amount) VALUES ($1, 'open', 0)", id)
	return pool.SendBatch(ctx, b).Close()
}

// CopyThenPublish announces the entries once they are in.
func CopyThenPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, rows [][]any) error { // want CopyThenPublish:"publishes via PublishWithContext at copyfrom\\.go:37"
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"entries"}, []string{"account_id", "key", "amount"}, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "entries", false, false, amqp.Publishing{}) // ok: published after the write, outside a transaction
}

// PublishThenOutbox copies into the outbox after publishing.
func PublishThenOutbox(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, rows [][]any) error { // want PublishThenOutbox:"publishes via PublishWithContext at copyfrom\\.go:42"
	if err := ch.PublishWithContext(ctx, "", "entries", false, false, amqp.Publishing{}); err != nil { // ok: only the outbox is written after
		return err
	}
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"topic", "body"}, pgx.CopyFromRows(rows))
	return err
}
