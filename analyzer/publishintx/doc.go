// Package publishintx defines an Analyzer that reports messages published to
// a broker while a database transaction is open, or before a database write
// the message's consumer depends on.
//
// # Analyzer publishintx
//
// publishintx: report publishes inside an open transaction or before a write
//
// A consumer can receive a message the moment it is published. Published
// between Begin and Commit, the message may be handled before the commit
// makes the rows it refers to visible (the consumer reads "no rows"), or
// even when the transaction rolls back (the message announces something that
// never happened). Published before a write in the same function, the
// consumer may act and write first, and the later write then overwrites the
// consumer's result from a stale copy.
//
// WRONG:
//
//	tx, err := pool.Begin(ctx)
//	...
//	q.JobCreate(ctx, tx, job)
//	ch.PublishWithContext(ctx, "", "tasks", false, false, msg) // consumer may not see the job
//	return tx.Commit(ctx)
//
// RIGHT: write the message to an outbox table in the same transaction and
// let a relay publish it after commit:
//
//	q.JobCreate(ctx, tx, job)
//	q.OutboxInsert(ctx, tx, outboxMessage)
//	return tx.Commit(ctx)
//
// Publishes are amqp091-go's (*Channel).Publish, PublishWithContext,
// PublishWithDeferredConfirm and PublishWithDeferredConfirmWithContext;
// nats.go's (*Conn).Publish, PublishMsg, Request, RequestMsg (a request is
// a message too), the legacy JetStreamContext's and the jetstream package's
// Publish, PublishMsg, PublishAsync and PublishMsgAsync; kafka-go's
// WriteMessages on a Writer or a Conn; Watermill's message.Publisher and
// its brokers' publishers; the functions named with -publishintx.funcs
// (pkg.Func or (*pkg.T).Method), and calls of functions that publish
// (followed across packages through facts). Methods that are merely named
// Publish or Dispatch are not publishes. An interface call whose
// receiver's concrete type is in sight is judged as that type's method. A
// watermill-sql publisher is an outbox: its Publish inserts the message
// with the executor it was made with, so it is reported only when that
// executor is seen to be a pool or connection (sql.NewPublisher(
// sql.BeginnerFromStdSQL(db), ...)), not the transaction
// (sql.TxFromStdSQL(tx)) or anything txvet cannot see; Watermill's
// forwarder around it is no publish either, nor is a decorator of your own
// whose Publish forwards to a field of its receiver when the caller built it
// in sight with such an outbox in that field (Tracing{Publisher: outbox}).
// Open transactions come from package txn: Begin/BeginTx until Commit or
// Rollback on the path, parameters of transaction type, and the callbacks of
// pgx.BeginFunc, pgx.BeginTxFunc (pgx v4: the pool's and the connection's
// BeginFunc and BeginTxFunc), GORM's db.Transaction (also nested: the outer
// transaction is open in the savepoint) and wrappers of them (a named
// function passed as the callback counts as a publish at the call; so
// does a wrapper handing its callback the transaction in a context);
// GORM's db.Begin until Commit or Rollback. A closure called directly,
// started with go, or run by errgroup's Go or TryGo publishes where it is
// started: inside the transaction open there.
//
// Not reported: a publish after Commit or Rollback, in the branch where
// Begin failed, after the function that ran the transaction returned, or
// deferred; a publish in a transaction whose only statements touch an
// outbox table (a relay claiming rows); a publish followed only by reads, by
// writes to an outbox table (a relay marking rows published), by a write on
// the branch where the publish failed, or by a write in the next iteration
// of a loop.
//
// Silence one finding with //txvet:ignore publishintx <reason>.
package publishintx
