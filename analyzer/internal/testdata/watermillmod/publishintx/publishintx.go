// Package publishintx uses the real Watermill and watermill-sql, so the
// publishintx analyzer is checked against message.Publisher, a broker's
// publisher, and the SQL publisher that is an outbox when bound to the
// transaction.
package publishintx

import (
	"context"
	stdsql "database/sql"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

const done = "UPDATE jobs SET status = 'done' WHERE id = $1"

var logger = watermill.NopLogger{}

// Publisher publishes through the Publisher interface before the commit.
func Publisher(ctx context.Context, db *stdsql.DB, pub message.Publisher, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line 32 while transaction begun by BeginTx at line 24 is open`
		return err
	}
	return tx.Commit()
}

// GoChannel publishes on an in-process broker, held as a Publisher.
func GoChannel(ctx context.Context, db *stdsql.DB, id int64) error {
	var pub message.Publisher = gochannel.NewGoChannel(gochannel.Config{}, logger)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line 49 while transaction begun by BeginTx at line 41 is open`
		return err
	}
	return tx.Commit()
}

// SQLOnPool publishes with a SQL publisher made with the pool: its insert
// commits on its own, before the transaction does.
func SQLOnPool(ctx context.Context, db *stdsql.DB, id int64) error {
	pub, err := sql.NewPublisher(sql.BeginnerFromStdSQL(db), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
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
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line 70 while transaction begun by BeginTx at line 62 is open`
		return err
	}
	return tx.Commit()
}

// Outbox publishes with a SQL publisher bound to the transaction: the
// message commits with it.
func Outbox(ctx context.Context, db *stdsql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	pub, err := sql.NewPublisher(sql.TxFromStdSQL(tx), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
	if err != nil {
		return err
	}
	// ok: an outbox in the transaction
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil {
		return err
	}
	return tx.Commit()
}

// Forwarder wraps the transaction's SQL publisher in Watermill's
// forwarder, held as a Publisher: still an outbox.
func Forwarder(ctx context.Context, db *stdsql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var pub message.Publisher
	pub, err = sql.NewPublisher(sql.TxFromStdSQL(tx), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
	if err != nil {
		return err
	}
	pub = forwarder.NewPublisher(pub, forwarder.PublisherConfig{ForwarderTopic: "forward"})
	// ok: the forwarder stores the message through the outbox
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil {
		return err
	}
	return tx.Commit()
}

// OutboxInterface holds the transaction's SQL publisher as a Publisher.
func OutboxInterface(ctx context.Context, db *stdsql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	pub, err := newOutbox(tx)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	// ok: the outbox in the transaction, made by a helper returning it
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil {
		return err
	}
	return tx.Commit()
}

func newOutbox(tx *stdsql.Tx) (*sql.Publisher, error) {
	return sql.NewPublisher(sql.TxFromStdSQL(tx), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
}

// AfterCommit publishes once the transaction committed.
func AfterCommit(ctx context.Context, db *stdsql.DB, pub message.Publisher, id int64) error { // want AfterCommit:"publishes via Publish at publishintx\\.go:158"
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
	return pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil))
}
