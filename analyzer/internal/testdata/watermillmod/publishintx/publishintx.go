// Package publishintx uses the real Watermill and watermill-sql, so the
// publishintx analyzer is checked against message.Publisher, a broker's
// publisher, and the SQL publisher that is an outbox when bound to the
// transaction.
package publishintx

import (
	"context"
	stdsql "database/sql"

	"github.com/ThreeDotsLabs/watermill"
	sqlv2 "github.com/ThreeDotsLabs/watermill-sql/v2/pkg/sql"
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
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line 33 while transaction begun by BeginTx at line 25 is open`
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
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line 50 while transaction begun by BeginTx at line 42 is open`
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
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line 71 while transaction begun by BeginTx at line 63 is open`
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
func AfterCommit(ctx context.Context, db *stdsql.DB, pub message.Publisher, id int64) error { // want AfterCommit:"publishes via Publish at publishintx\\.go:159"
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

// Tracing decorates a publisher, as tracing middleware does: its Publish
// publishes whatever its field holds.
type Tracing struct {
	message.Publisher
}

func (t Tracing) Publish(topic string, msgs ...*message.Message) error { // want Publish:"publishes via Publish at publishintx\\.go:169"
	return t.Publisher.Publish(topic, msgs...)
}

// Metrics is a pointer decorator with a named field.
type Metrics struct {
	next message.Publisher
}

func (m *Metrics) Publish(topic string, msgs ...*message.Message) error { // want Publish:"publishes via Publish at publishintx\\.go:178"
	return m.next.Publish(topic, msgs...)
}

// DecoratedBroker decorates a broker's publisher inside the transaction.
func DecoratedBroker(ctx context.Context, db *stdsql.DB, id int64) error {
	pub := Tracing{Publisher: gochannel.NewGoChannel(gochannel.Config{}, logger)}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line \d+ while transaction begun by BeginTx at line \d+ is open`
		return err
	}
	return tx.Commit()
}

// DecoratedPoolOutbox decorates a SQL publisher made with the pool.
func DecoratedPoolOutbox(ctx context.Context, db *stdsql.DB, id int64) error {
	sqlPub, err := sql.NewPublisher(sql.BeginnerFromStdSQL(db), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
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
	pub := &Metrics{next: sqlPub}
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line \d+ while transaction begun by BeginTx at line \d+ is open`
		return err
	}
	return tx.Commit()
}

// DecoratedUnknown decorates a publisher it is given: it may be a broker's.
func DecoratedUnknown(ctx context.Context, db *stdsql.DB, next message.Publisher, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	pub := Tracing{Publisher: next}
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil { // want `message published by Publish at line \d+ while transaction begun by BeginTx at line \d+ is open`
		return err
	}
	return tx.Commit()
}

// DecoratedOutbox decorates the transaction's SQL publisher.
func DecoratedOutbox(ctx context.Context, db *stdsql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	sqlPub, err := sql.NewPublisher(sql.TxFromStdSQL(tx), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
	if err != nil {
		return err
	}
	pub := Tracing{Publisher: sqlPub}
	// ok: the decorator publishes through the outbox in the transaction
	if err := pub.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil {
		return err
	}
	return tx.Commit()
}

// DecoratedOutboxPointer is the same with a pointer decorator.
func DecoratedOutboxPointer(ctx context.Context, db *stdsql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sqlPub, err := sql.NewPublisher(sql.TxFromStdSQL(tx), sql.PublisherConfig{SchemaAdapter: sql.DefaultPostgreSQLSchema{}}, logger)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	// ok: the named field holds the outbox in the transaction
	if err := (&Metrics{next: sqlPub}).Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil)); err != nil {
		return err
	}
	return tx.Commit()
}

// OutboxV2 uses watermill-sql v2, whose publisher takes the *sql.Tx itself.
func OutboxV2(ctx context.Context, db *stdsql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	pub, err := sqlv2.NewPublisher(tx, sqlv2.PublisherConfig{SchemaAdapter: sqlv2.DefaultPostgreSQLSchema{}}, logger)
	if err != nil {
		return err
	}
	// ok: a v2 outbox in the transaction, behind the tracing decorator
	return Tracing{Publisher: pub}.Publish("jobs.done", message.NewMessage(watermill.NewUUID(), nil))
}
