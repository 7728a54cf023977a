// Package publishintx uses the real nats.go, core NATS and both JetStream
// APIs, so the publishintx analyzer is checked against them.
package publishintx

import (
	"context"
	"database/sql"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const done = "UPDATE jobs SET status = 'done' WHERE id = $1"

// CorePublish publishes on the connection before the commit.
func CorePublish(ctx context.Context, db *sql.DB, nc *nats.Conn, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := nc.Publish("jobs.done", []byte("1")); err != nil { // want `message published by Publish at line 26 while transaction begun by BeginTx at line 18 is open`
		return err
	}
	return tx.Commit()
}

// Request asks a service while the transaction is open: the request is a
// message too.
func Request(ctx context.Context, db *sql.DB, nc *nats.Conn, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if _, err := nc.Request("jobs.notify", []byte("1"), time.Second); err != nil { // want `message published by Request at line 43 while transaction begun by BeginTx at line 35 is open`
		return err
	}
	return tx.Commit()
}

// LegacyJetStream publishes with the JetStreamContext of nats.go.
func LegacyJetStream(ctx context.Context, db *sql.DB, js nats.JetStreamContext, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if _, err := js.PublishMsg(&nats.Msg{Subject: "jobs.done"}); err != nil { // want `message published by PublishMsg at line 59 while transaction begun by BeginTx at line 51 is open`
		return err
	}
	return tx.Commit()
}

// NewJetStream publishes with the jetstream package's JetStream.
func NewJetStream(ctx context.Context, db *sql.DB, nc *nats.Conn, id int64) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if _, err := js.PublishAsync("jobs.done", []byte("1")); err != nil { // want `message published by PublishAsync at line 79 while transaction begun by BeginTx at line 71 is open`
		return err
	}
	return tx.Commit()
}

// AfterCommit publishes once the transaction committed.
func AfterCommit(ctx context.Context, db *sql.DB, js jetstream.JetStream, id int64) error { // want AfterCommit:"publishes via Publish at publishintx\\.go:99"
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// ok: after commit
	_, err = js.Publish(ctx, "jobs.done", []byte("1"))
	return err
}

// RolledBack publishes the failure after rolling back.
func RolledBack(ctx context.Context, db *sql.DB, nc *nats.Conn, id int64) error { // want RolledBack:"publishes via PublishMsg at publishintx\\.go:112"
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		_ = tx.Rollback()
		// ok: rolled back
		return nc.PublishMsg(&nats.Msg{Subject: "jobs.failed"})
	}
	return tx.Commit()
}

// Outbox writes the message in the transaction and subscribes, which
// publishes nothing.
func Outbox(ctx context.Context, db *sql.DB, nc *nats.Conn, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	// ok: an outbox row, and a subscription is no publish
	if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (subject, body) VALUES ('jobs.done', $1)", id); err != nil {
		return err
	}
	if _, err := nc.SubscribeSync("jobs.replies"); err != nil {
		return err
	}
	return tx.Commit()
}

// BeginFailed reports the failure when no transaction began.
func BeginFailed(ctx context.Context, db *sql.DB, nc *nats.Conn) error { // want BeginFailed:"publishes via Publish at publishintx\\.go:143"
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		// ok: no transaction is open here
		return nc.Publish("db.down", nil)
	}
	return tx.Rollback()
}
