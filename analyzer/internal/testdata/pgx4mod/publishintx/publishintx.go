// Package publishintx uses the real pgx v4 with amqp091-go, so the
// publishintx analyzer sees v4's transactions.
package publishintx

import (
	"context"

	"github.com/jackc/pgx/v4"
	"github.com/jackc/pgx/v4/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"
)

// InFunc publishes inside BeginFunc's callback.
func InFunc(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error {
	return pool.BeginFunc(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = $1", id); err != nil {
			return err
		}
		return ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{}) // want `message published by PublishWithContext at line 19 while transaction of the BeginFunc callback at line 15 is open`
	})
}

// BeforeCommit publishes between Begin and Commit.
func BeforeCommit(ctx context.Context, conn *pgx.Conn, ch *amqp.Channel, id int64) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = $1", id); err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{}); err != nil { // want `message published by PublishWithContext at line 33 while transaction begun by Begin at line 25 is open`
		return err
	}
	return tx.Commit(ctx)
}

// InTxFunc publishes inside BeginTxFunc's callback on a connection.
func InTxFunc(ctx context.Context, conn *pgx.Conn, ch *amqp.Channel, id int64) error {
	return conn.BeginTxFunc(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM jobs WHERE id = $1", id); err != nil {
			return err
		}
		return ch.Publish("", "jobs", false, false, amqp.Publishing{}) // want `message published by Publish at line 45 while transaction of the BeginTxFunc callback at line 41 is open`
	})
}

// AfterCommit publishes once the transaction committed.
func AfterCommit(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error { // want AfterCommit:"publishes via PublishWithContext at publishintx\\.go:63"
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = $1", id); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	// ok: after commit
	return ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{})
}

// AfterFunc publishes after BeginFunc returned.
func AfterFunc(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error { // want AfterFunc:"publishes via PublishWithContext at publishintx\\.go:76"
	err := pool.BeginFunc(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = $1", id)
		return err
	})
	if err != nil {
		return err
	}
	// ok: the transaction has committed
	return ch.PublishWithContext(ctx, "", "jobs", false, false, amqp.Publishing{})
}

// Outbox writes the message in the transaction instead.
func Outbox(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pool.BeginFunc(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = $1", id); err != nil {
			return err
		}
		// ok: no publish, an outbox row
		_, err := tx.Exec(ctx, "INSERT INTO outbox (topic, body) VALUES ('jobs', $1)", id)
		return err
	})
}

// Rollback publishes after rolling back.
func Rollback(ctx context.Context, conn *pgx.Conn, ch *amqp.Channel, id int64) error { // want Rollback:"publishes via PublishWithContext at publishintx\\.go:100"
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = $1", id); err != nil {
		_ = tx.Rollback(ctx)
		// ok: rolled back
		return ch.PublishWithContext(ctx, "", "failures", false, false, amqp.Publishing{})
	}
	return tx.Commit(ctx)
}
