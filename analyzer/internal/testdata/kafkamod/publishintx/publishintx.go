// Package publishintx uses the real segmentio/kafka-go, so the publishintx
// analyzer is checked against its Writer and Conn.
package publishintx

import (
	"context"
	"database/sql"

	"github.com/segmentio/kafka-go"
)

const done = "UPDATE jobs SET status = 'done' WHERE id = $1"

// Writer writes a message while the transaction is open.
func Writer(ctx context.Context, db *sql.DB, w *kafka.Writer, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := w.WriteMessages(ctx, kafka.Message{Value: []byte("1")}); err != nil { // want `message published by WriteMessages at line 24 while transaction begun by BeginTx at line 16 is open`
		return err
	}
	return tx.Commit()
}

// Conn writes on a partition's connection before the commit.
func Conn(ctx context.Context, db *sql.DB, conn *kafka.Conn, id int64) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(done, id); err != nil {
		_ = tx.Rollback()
		return err
	}
	if _, err := conn.WriteMessages(kafka.Message{Value: []byte("1")}); err != nil { // want `message published by WriteMessages at line 40 while transaction begun by Begin at line 32 is open`
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Helper publishes through a helper called in the transaction.
func Helper(ctx context.Context, db *sql.DB, w *kafka.Writer, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		return err
	}
	if err := announce(ctx, w, id); err != nil { // want `message published by announce \(WriteMessages at publishintx\.go:64\) at line 57 while transaction begun by BeginTx at line 49 is open`
		return err
	}
	return tx.Commit()
}

func announce(ctx context.Context, w *kafka.Writer, id int64) error { // want announce:"publishes via WriteMessages at publishintx\\.go:64"
	return w.WriteMessages(ctx, kafka.Message{Key: []byte("job"), Value: []byte{byte(id)}})
}

// AfterCommit writes once the transaction committed.
func AfterCommit(ctx context.Context, db *sql.DB, w *kafka.Writer, id int64) error { // want AfterCommit:"publishes via WriteMessages at publishintx\\.go:64"
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
	return announce(ctx, w, id)
}

// Deferred writes when the function returns, after the commit.
func Deferred(ctx context.Context, db *sql.DB, w *kafka.Writer, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// ok: deferred, so it runs after the commit
	defer w.WriteMessages(ctx, kafka.Message{Value: []byte("1")})
	if _, err := tx.ExecContext(ctx, done, id); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Outbox writes the message in the transaction; reading is no publish.
func Outbox(ctx context.Context, db *sql.DB, r *kafka.Reader, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// ok: reading a message publishes nothing
	if _, err := r.ReadMessage(ctx); err != nil {
		return err
	}
	// ok: an outbox row
	if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (topic, body) VALUES ('jobs', $1)", id); err != nil {
		return err
	}
	return tx.Commit()
}
