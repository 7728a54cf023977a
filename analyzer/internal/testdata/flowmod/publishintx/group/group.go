// Package group publishes from closures that errgroup runs, inside and
// outside transactions.
package group

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"
	"golang.org/x/sync/errgroup"

	"example.com/flowmod/txctx"
)

func notify(ctx context.Context, ch *amqp.Channel) error { // want notify:"publishes via PublishWithContext at group.go:17"
	return ch.PublishWithContext(ctx, "", "accounts", false, false, amqp.Publishing{Body: []byte("changed")})
}

// FanOut publishes from a closure run while its transaction is open.
func FanOut(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var g errgroup.Group
	g.Go(func() error {
		_, err := tx.Exec(ctx, "UPDATE accounts SET balance = 0 WHERE id = $1", id)
		return err
	})
	g.Go(func() error {
		return ch.PublishWithContext(ctx, "", "accounts", false, false, amqp.Publishing{}) // want `message published by PublishWithContext at line \d+ while transaction begun by Begin at line \d+ is open`
	})
	if err := g.Wait(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// FanOutCallback publishes from a closure of a transaction's callback.
func FanOutCallback(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error {
			return notify(ctx, ch) // want `message published by notify \(PublishWithContext at group.go:\d+\) at line \d+ while transaction of the pgx.BeginFunc callback at line \d+ is open`
		})
		return g.Wait()
	})
}

// FanOutContext publishes from a closure inside a runner that carries the
// transaction in the context.
func FanOutContext(ctx context.Context, m *txctx.Manager, ch *amqp.Channel) error {
	return m.Within(ctx, func(ctx context.Context) error {
		g, ctx := errgroup.WithContext(ctx)
		g.Go(func() error {
			return notify(ctx, ch) // want `message published by notify \(PublishWithContext at group.go:\d+\) at line \d+ while transaction of the Within callback at line \d+ is open`
		})
		return g.Wait()
	})
}

// AfterCommit publishes from closures started once the transaction is
// committed.
func AfterCommit(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = 0 WHERE id = $1", id); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	var g errgroup.Group
	g.Go(func() error {
		return notify(ctx, ch) // ok: the transaction is committed before the closure starts
	})
	return g.Wait()
}

// NoTx publishes from closures with no transaction anywhere.
func NoTx(ctx context.Context, ch *amqp.Channel, n int) error {
	var g errgroup.Group
	for range n {
		g.Go(func() error {
			return notify(ctx, ch) // ok: no transaction is open
		})
	}
	return g.Wait()
}

// OwnTx runs a transaction per closure and publishes after its commit.
func OwnTx(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, ids []int64) error {
	var g errgroup.Group
	for _, id := range ids {
		g.Go(func() error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = 0 WHERE id = $1", id); err != nil {
				return err
			}
			if err := tx.Commit(ctx); err != nil {
				return err
			}
			return notify(ctx, ch) // ok: the closure's own transaction is committed
		})
	}
	return g.Wait()
}
