// Package ctxbegin publishes around transactions that a manager begins
// and hands out in a context, ended by the manager's Commit or Rollback
// of that context.
package ctxbegin

import (
	"context"

	amqp "github.com/rabbitmq/amqp091-go"

	"example.com/flowmod/txctx"
)

var msg = amqp.Publishing{Body: []byte("credited")}

// Credit publishes between Begin and Commit.
func Credit(ctx context.Context, m *txctx.Manager, r *txctx.Repo, ch *amqp.Channel, id, balance int64) error {
	ctx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	if err := r.SetBalance(ctx, id, balance); err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "accounts", false, false, msg); err != nil { // want `message published by PublishWithContext at line \d+ while transaction begun by Begin at line \d+ is open`
		return err
	}
	return m.Commit(ctx)
}

// CreditCtx publishes between BeginCtx and Commit.
func CreditCtx(ctx context.Context, m *txctx.Manager, ch *amqp.Channel, id, balance int64) error {
	ctx, tx, err := m.BeginCtx(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(ctx)
	if _, err := tx.Exec(ctx, "UPDATE accounts SET balance = $2 WHERE id = $1", id, balance); err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "accounts", false, false, msg); err != nil { // want `message published by PublishWithContext at line \d+ while transaction begun by BeginCtx at line \d+ is open`
		return err
	}
	return m.Commit(ctx)
}

// CreditBeforeRollback publishes before an explicit Rollback.
func CreditBeforeRollback(ctx context.Context, m *txctx.Manager, r *txctx.Repo, ch *amqp.Channel, id, balance int64) error {
	ctx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	if err := r.SetBalance(ctx, id, balance); err != nil {
		ch.PublishWithContext(ctx, "", "failures", false, false, msg) // want `message published by PublishWithContext at line \d+ while transaction begun by Begin at line \d+ is open`
		return m.Rollback(ctx)
	}
	return m.Commit(ctx)
}

// CreditThenPublish publishes once Commit has ended the transaction.
func CreditThenPublish(ctx context.Context, m *txctx.Manager, r *txctx.Repo, ch *amqp.Channel, id, balance int64) error { // want CreditThenPublish:"publishes via PublishWithContext at ctxbegin.go:74"
	txCtx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	defer m.Rollback(txCtx)
	if err := r.SetBalance(txCtx, id, balance); err != nil {
		return err
	}
	if err := m.Commit(txCtx); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "accounts", false, false, msg) // ok: Commit of the context ended the transaction
}

// CreditBeginFailed publishes in the branch where Begin failed.
func CreditBeginFailed(ctx context.Context, m *txctx.Manager, ch *amqp.Channel) error { // want CreditBeginFailed:"publishes via PublishWithContext at ctxbegin.go:81"
	ctx, err := m.Begin(ctx)
	if err != nil {
		return ch.PublishWithContext(ctx, "", "failures", false, false, msg) // ok: no transaction began
	}
	return m.Commit(ctx)
}

// CreditRolledBack publishes after Rollback ended the transaction.
func CreditRolledBack(ctx context.Context, m *txctx.Manager, r *txctx.Repo, ch *amqp.Channel, id, balance int64) error { // want CreditRolledBack:"publishes via PublishWithContext at ctxbegin.go:96"
	ctx, err := m.Begin(ctx)
	if err != nil {
		return err
	}
	if err := r.SetBalance(ctx, id, balance); err != nil {
		if err := m.Rollback(ctx); err != nil {
			return err
		}
		return ch.PublishWithContext(ctx, "", "failures", false, false, msg) // ok: Rollback of the context ended the transaction
	}
	return m.Commit(ctx)
}
