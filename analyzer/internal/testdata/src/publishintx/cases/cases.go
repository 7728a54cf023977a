package cases

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"publishintx/notify"
	"sqlcpgx"
)

var q = sqlcpgx.New()

func msg(id int64) amqp.Publishing { return amqp.Publishing{MessageId: "m", Body: []byte{byte(id)}} }

// S1: the row is created and the task published before the commit.
func createThenPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	r, err := q.RecordCreate(ctx, tx, "x")
	if err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "tasks", false, false, msg(r.ID)); err != nil { // want `message published by PublishWithContext at line 31 while transaction begun by Begin at line 22 is open \(the consumer can run before commit; write it to the outbox instead\)`
		return err
	}
	return tx.Commit(ctx)
}

// S2: an event row stored, its id published, in one database/sql transaction.
func webhookEvent(ctx context.Context, db *sql.DB, ch *amqp.Channel) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO events (kind) VALUES ($1)", "paid"); err != nil {
		tx.Rollback()
		return err
	}
	ch.Publish("", "webhooks", false, false, msg(1)) // want `message published by Publish at line 47 while transaction begun by BeginTx at line 39 is open`
	return tx.Commit()
}

// Inside a BeginFunc callback the whole body is in the transaction.
func inCallback(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE jobs SET status = 'queued' WHERE id = $1", 1); err != nil {
			return err
		}
		_, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", "tasks", false, false, msg(1)) // want `message published by PublishWithDeferredConfirmWithContext at line 57 while transaction of the pgx.BeginFunc callback at line 53 is open`
		return err
	})
}

// BeginTxFunc with options: still open.
func inTxFuncCallback(ctx context.Context, conn *pgx.Conn, ch *amqp.Channel) error {
	return pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.Serializable}, func(tx pgx.Tx) error {
		_, err := ch.PublishWithDeferredConfirm("", "tasks", false, false, msg(2)) // want `message published by PublishWithDeferredConfirm at line 65 while transaction of the pgx\.BeginTxFunc callback at line 64 is open`
		return err
	})
}

// A helper in another package publishes; the call is inside the transaction.
func helperAcrossPackages(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ($1)", "j"); err != nil {
		return err
	}
	if err := notify.Announce(ctx, ch); err != nil { // want `message published by Announce \(PublishWithContext at notify\.go:11\) at line 80 while transaction begun by Begin at line 72 is open`
		return err
	}
	return tx.Commit(ctx)
}

// A local helper publishes; found through the package's own summary.
func publishResult(ctx context.Context, ch *amqp.Channel, id int64) error { // want publishResult:"publishes via PublishWithContext at cases\\.go:88"
	return ch.PublishWithContext(ctx, "", "results", false, false, msg(id))
}

func localHelper(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	publishResult(ctx, ch, 7) // want `message published by publishResult \(PublishWithContext at cases\.go:88\) at line 96 while transaction begun by Begin at line 92 is open`
	return tx.Commit(ctx)
}

// The transaction arrives as a parameter: it is open for the whole function.
func withTxParam(ctx context.Context, tx pgx.Tx, ch *amqp.Channel) error {
	if _, err := q.RecordCreate(ctx, tx, "y"); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "tasks", false, false, msg(3)) // want `message published by PublishWithContext at line 105 while transaction received as parameter tx at line 101 is open`
}

// Commit only on one branch: the publish may still be inside the transaction.
func commitOnOneBranch(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, fast bool) {
	tx, _ := pool.Begin(ctx)
	tx.Exec(ctx, "UPDATE jobs SET status = 'done' WHERE id = 1")
	if fast {
		tx.Commit(ctx)
	}
	ch.Publish("", "output", false, false, msg(4)) // want `message published by Publish at line 115 while transaction begun by Begin at line 110 is open`
	tx.Rollback(ctx)
}

// A closure called inside the transaction publishes.
func closureInTx(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) {
	tx, _ := pool.Begin(ctx)
	send := func() {
		ch.Publish("", "tasks", false, false, msg(5)) // want `message published by Publish at line 123 while transaction begun by Begin at line 121 is open`
	}
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('a')")
	send()
	tx.Commit(ctx)
}

// A goroutine started inside the transaction publishes concurrently with it.
func goroutineInTx(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) {
	tx, _ := pool.Begin(ctx)
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('b')")
	go notify.Send(ctx, ch, nil) // want `message published by Send \(PublishWithContext at notify\.go:11\) at line 134 while transaction begun by Begin at line 132 is open`
	tx.Commit(ctx)
}

// S0's executor: publish to results, then save PROCESSING from the stale copy.
func executor(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error { // want executor:"publishes via PublishWithContext at cases\\.go:144"
	task, err := q.TaskGet(ctx, pool, id)
	if err != nil {
		return err
	}
	if err := ch.PublishWithContext(ctx, "", "results", false, false, msg(id)); err != nil { // want `message published by PublishWithContext at line 144 before the write by TaskSave at line 147`
		return err
	}
	return q.TaskSave(ctx, pool, sqlcpgx.TaskSaveParams{ID: task.ID, Status: "processing"})
}

// The write that follows runs in a transaction begun after the publish.
func publishThenTx(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want publishThenTx:"publishes via PublishWithContext at notify\\.go:11"
	notify.Send(ctx, ch, nil) // want `message published by Send \(PublishWithContext at notify\.go:11\) at line 152 before the write by TaskSetStatus at line 154`
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := q.TaskSetStatus(ctx, tx, sqlcpgx.TaskSetStatusParams{ID: 1, Status: "processing"})
		return err
	})
}

// A publish function named by -publishintx.funcs.
func configuredPublish(ctx context.Context, pool *pgxpool.Pool, bus *notify.Bus) {
	tx, _ := pool.Begin(ctx)
	bus.Emit("jobs", nil) // want `message published by Emit at line 162 while transaction begun by Begin at line 161 is open`
	tx.Commit(ctx)
}

// Helpers returning a transaction and its commit function.
func begin(ctx context.Context, pool *pgxpool.Pool) (pgx.Tx, func() error, error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	return tx, func() error { return tx.Commit(ctx) }, nil
}

func commitFuncHelper(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want commitFuncHelper:"publishes via Publish at cases\\.go:185"
	tx, commit, err := begin(ctx, pool)
	if err != nil {
		return err
	}
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('c')")
	ch.Publish("", "tasks", false, false, msg(6)) // want `while transaction begun by begin at line 176 is open`
	if err := commit(); err != nil {
		return err
	}
	ch.Publish("", "tasks", false, false, msg(6)) // ok: after the returned commit function ran
	return nil
}

// ---- negatives a naive checker would flag ----

func publishAfterCommit(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want publishAfterCommit:"publishes via PublishWithContext at cases\\.go:203"
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) // ok: a deferred Rollback runs at return, after the publish, and is a no-op after Commit
	if _, err := tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('d')"); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "tasks", false, false, msg(8)) // ok: after Commit
}

func publishAfterRollback(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want publishAfterRollback:"publishes via PublishWithContext at cases\\.go:213"
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('e')"); err != nil {
		tx.Rollback(ctx)
		return ch.PublishWithContext(ctx, "", "failures", false, false, msg(9)) // ok: after Rollback
	}
	return tx.Commit(ctx)
}

func publishWhenBeginFailed(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want publishWhenBeginFailed:"publishes via Publish at cases\\.go:221"
	tx, err := pool.Begin(ctx)
	if err != nil {
		ch.Publish("", "failures", false, false, msg(10)) // ok: Begin failed, there is no transaction
		return err
	}
	return tx.Commit(ctx)
}

func save(ctx context.Context, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('f')"); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func publishAfterSaveReturns(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want publishAfterSaveReturns:"publishes via PublishWithContext at notify\\.go:11"
	if err := save(ctx, pool); err != nil {
		return err
	}
	return notify.Send(ctx, ch, nil) // ok: the transaction's function has returned
}

func outboxInTx(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('g')"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO outbox (exchange, routing_key, body) VALUES ('', 'tasks', $1)", []byte("x")) // ok: an outbox insert, not a publish
		return err
	})
}

func publishNotCalledInTx(ctx context.Context, ch *amqp.Channel) error { // want publishNotCalledInTx:"publishes via PublishWithContext at cases\\.go:256"
	return ch.PublishWithContext(ctx, "", "tasks", false, false, msg(11)) // ok: no transaction here, and callers call it after commit
}

func callsPublisherAfterCommit(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want callsPublisherAfterCommit:"publishes via PublishWithContext at cases\\.go:256"
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('h')")
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return publishNotCalledInTx(ctx, ch) // ok: called after Commit
}

func readsAfterPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) (sqlcpgx.Task, error) { // want readsAfterPublish:"publishes via PublishWithContext at cases\\.go:272"
	if err := ch.PublishWithContext(ctx, "", "tasks", false, false, msg(id)); err != nil { // ok: only reads follow
		return sqlcpgx.Task{}, err
	}
	return q.TaskGet(ctx, pool, id)
}

func inProcessDispatch(ctx context.Context, pool *pgxpool.Pool, d *notify.Dispatcher, e *notify.Events) {
	tx, _ := pool.Begin(ctx)
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('i')")
	d.Dispatch("created") // ok: Dispatch is an in-process call, not a broker
	e.Publish("created")  // ok: a method named Publish that is not a broker call
	tx.Commit(ctx)
}

func writeAfterFailedPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, id int64) error { // want writeAfterFailedPublish:"publishes via PublishWithContext at cases\\.go:287"
	if err := ch.PublishWithContext(ctx, "", "tasks", false, false, msg(id)); err != nil { // ok: the write runs only when the publish failed
		_, werr := pool.Exec(ctx, "UPDATE tasks SET status = 'failed' WHERE id = $1", id)
		return errors.Join(err, werr)
	}
	return nil
}

func loopPublishThenNextWrite(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, ids []int64) { // want loopPublishThenNextWrite:"publishes via Publish at cases\\.go:297"
	for _, id := range ids {
		pool.Exec(ctx, "UPDATE tasks SET status = 'queued' WHERE id = $1", id)
		ch.Publish("", "tasks", false, false, msg(id)) // ok: the next write belongs to the next message, after this one's write landed
	}
}

func relayClaim(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, "SELECT id, body FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT 100 FOR UPDATE SKIP LOCKED")
	if err != nil {
		return err
	}
	rows.Close()
	dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", "tasks", false, false, msg(12)) // ok: a relay's transaction touches only the outbox
	if err != nil || !dc.Wait() {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE outbox SET published_at = now() WHERE id = $1", 1); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func relayMarkAfterPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want relayMarkAfterPublish:"publishes via PublishWithContext at cases\\.go:323"
	if err := ch.PublishWithContext(ctx, "", "tasks", false, false, msg(13)); err != nil { // ok: the write that follows only marks the outbox row
		return err
	}
	_, err := pool.Exec(ctx, "UPDATE outbox SET published_at = now() WHERE id = $1", 13)
	return err
}

func commitOnEveryBranch(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, ok bool) { // want commitOnEveryBranch:"publishes via Publish at cases\\.go:338"
	tx, _ := pool.Begin(ctx)
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('j')")
	if ok {
		tx.Commit(ctx)
	} else {
		tx.Rollback(ctx)
	}
	ch.Publish("", "tasks", false, false, msg(14)) // ok: committed or rolled back on every path
}

func closureCalledAfterCommit(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) { // want closureCalledAfterCommit:"publishes via Publish at cases\\.go:344"
	tx, _ := pool.Begin(ctx)
	send := func() {
		ch.Publish("", "tasks", false, false, msg(15)) // ok: the closure is only called after Commit
	}
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('k')")
	tx.Commit(ctx)
	send()
}

func loopOfTransactions(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel, n int) { // want loopOfTransactions:"publishes via Publish at cases\\.go:356"
	for i := 0; i < n; i++ {
		tx, _ := pool.Begin(ctx)
		tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('l')")
		tx.Commit(ctx)
		ch.Publish("", "tasks", false, false, msg(int64(i))) // ok: this iteration's transaction committed; the next one has not begun
	}
}

func savepointRolledBack(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want savepointRolledBack:"publishes via PublishWithContext at cases\\.go:370"
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	sp, _ := tx.Begin(ctx)
	sp.Rollback(ctx)
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "tasks", false, false, msg(16)) // ok: the savepoint and the transaction both ended
}

func deferredPublish(ctx context.Context, ch *amqp.Channel, pool *pgxpool.Pool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer ch.Publish("", "tasks", false, false, msg(19)) // ok: deferred, it runs after Commit has returned
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('m')")
	return tx.Commit(ctx)
}

func autocommitWritesThenPublish(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) error { // want autocommitWritesThenPublish:"publishes via PublishWithContext at cases\\.go:387"
	if _, err := pool.Exec(ctx, "INSERT INTO jobs (name) VALUES ('n')"); err != nil {
		return err
	}
	return ch.PublishWithContext(ctx, "", "tasks", false, false, msg(17)) // ok: the autocommit write landed before the publish
}

func ignored(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) {
	tx, _ := pool.Begin(ctx)
	tx.Exec(ctx, "INSERT INTO jobs (name) VALUES ('o')")
	//txvet:ignore publishintx the consumer retries until the row is visible
	ch.Publish("", "tasks", false, false, msg(18))
	tx.Commit(ctx)
}

func ignoreWithoutReason(ctx context.Context, pool *pgxpool.Pool, ch *amqp.Channel) {
	tx, _ := pool.Begin(ctx)
	/* want `txvet:ignore directive for publishintx needs a reason` */ //txvet:ignore publishintx
	ch.Publish("", "tasks", false, false, msg(20))                     // want `message published by Publish at line 401 while transaction begun by Begin at line 399 is open`
	tx.Commit(ctx)
}

func ignoreSilencingNothing(ctx context.Context, ch *amqp.Channel) { // want ignoreSilencingNothing:"publishes via Publish at cases\\.go:407"
	//txvet:ignore publishintx stale directive // want `txvet:ignore directive for publishintx silences no finding`
	ch.Publish("", "tasks", false, false, msg(21)) // ok: no transaction and no write after it
}

type service struct {
	pool *pgxpool.Pool
	ch   *amqp.Channel
}

func (s *service) announceAll(tx pgx.Tx) error {
	return notify.Announce(context.Background(), s.ch) // want `message published by Announce \(PublishWithContext at notify\.go:11\) at line 416 while transaction received as parameter tx at line 415 is open`
}

func (s *service) publishOnly(ctx context.Context) error { // want publishOnly:"publishes via PublishWithContext at notify\\.go:11"
	return notify.Send(ctx, s.ch, nil)
}

func runInTx(ctx context.Context, pool *pgxpool.Pool, fn func(context.Context) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(ctx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (s *service) namedCallback(ctx context.Context) error {
	return runInTx(ctx, s.pool, s.publishOnly) // want `message published by callback publishOnly \(PublishWithContext at notify\.go:11\) at line 436 while transaction of the runInTx callback at line 436 is open`
}

func (s *service) methodValueOutsideTx(ctx context.Context, run func(context.Context, func(context.Context) error) error) error {
	return run(ctx, s.publishOnly) // ok: run is an unknown function, not a transaction runner
}
