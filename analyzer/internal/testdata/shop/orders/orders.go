// Package orders has one of each race txvet finds, and one silenced.
package orders

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"example.com/shop/store"
)

// Reserve writes back a stock count it read without a lock.
func Reserve(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	var stock int64
	if err := pool.QueryRow(ctx, "SELECT stock FROM items WHERE id = $1", id).Scan(&stock); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, "UPDATE items SET stock = $1 WHERE id = $2", stock-1, id)
	return err
}

// Restock does the same, and says why it may.
func Restock(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	var stock int64
	if err := pool.QueryRow(ctx, "SELECT stock FROM items WHERE id = $1", id).Scan(&stock); err != nil {
		return err
	}
	//txvet:ignore lostupdate restocking runs from one cron job only
	_, err := pool.Exec(ctx, "UPDATE items SET stock = $1 WHERE id = $2", stock+10, id)
	return err
}

// Customer gets a customer by email or creates one: two callers both miss
// and both insert.
func Customer(ctx context.Context, pool *pgxpool.Pool, email string) (int64, error) {
	var id int64
	err := pool.QueryRow(ctx, "SELECT id FROM customers WHERE email = $1", email).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		err = pool.QueryRow(ctx, "INSERT INTO customers (email) VALUES ($1) RETURNING id", email).Scan(&id)
	}
	return id, err
}

// Place publishes the order before its transaction commits.
func Place(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, item int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO orders (item) VALUES ($1)", item); err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "orders", false, false, amqp.Publishing{Body: []byte("placed")}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Cancel publishes inside a transaction handed out through store.Runner.
func Cancel(ctx context.Context, r store.Runner, ch *amqp.Channel, order int64) error {
	return r.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE orders SET cancelled = true WHERE id = $1", order); err != nil {
			return err
		}
		return ch.PublishWithContext(ctx, "", "orders", false, false, amqp.Publishing{Body: []byte("cancelled")})
	})
}

// Ship emits an event on the shop's own bus before the commit.
func Ship(ctx context.Context, pool *pgxpool.Pool, ev store.Events, order int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "UPDATE orders SET shipped = true WHERE id = $1", order); err != nil {
		return err
	}
	if err := ev.Emit(ctx, "shipped"); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Audit counts a visit in a transaction, but reads the count without a lock.
func Audit(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var visits int64
	if err := tx.QueryRow(ctx, "SELECT visits FROM items WHERE id = $1", id).Scan(&visits); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE items SET visits = $1 WHERE id = $2", visits+1, id); err != nil {
		return err
	}
	return tx.Commit(ctx)
}
