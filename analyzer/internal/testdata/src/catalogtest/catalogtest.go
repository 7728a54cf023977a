package catalogtest

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
	"sqlcstd"
)

type Store struct {
	q    *sqlcpgx.Queries
	pool *pgxpool.Pool
}

// GetRecord forwards to one query: calls of it are calls of RecordGet.
func (s *Store) GetRecord(ctx context.Context, id int64) (sqlcpgx.Record, error) {
	return s.q.RecordGet(ctx, s.pool, id) // want `RecordGet: read records \[\$1=id\] exec \*pgxpool.Pool fields \[ID Counter Name Version\]`
}

// SetCounter forwards with the executor as a parameter.
func SetCounter(ctx context.Context, db sqlcpgx.DBTX, id, n int64) error {
	q := sqlcpgx.New()
	return q.RecordSetCounter(ctx, db, sqlcpgx.RecordSetCounterParams{ID: id, Counter: n}) // want `RecordSetCounter: update records \[\$1=t\d+.ID \$2=t\d+.Counter\] exec sqlcpgx.DBTX fields \[\]`
}

func use(ctx context.Context, s *Store, tx pgx.Tx, db *sql.DB, stx *sql.Tx, r sqlcpgx.Record) {
	s.GetRecord(ctx, r.ID)                                                             // want `GetRecord: read records \[\$1=t\d+\] exec \*catalogtest.Store fields \[ID Counter Name Version\]`
	SetCounter(ctx, tx, r.ID, 3)                                                       // want `SetCounter: update records \[\$1=t\d+ \$2=3:int64\] exec pgx.Tx fields \[\]`
	tx.Exec(ctx, "UPDATE records SET counter = counter + $1 WHERE id = $2", 1, r.ID)   // want `Exec: update atomic records \[\$1=1:int \$2=\*t\d+\] exec pgx.Tx fields \[\]`
	s.pool.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1 FOR UPDATE", r.ID) // want `QueryRow: read FOR UPDATE records \[\$1=\*t\d+\] exec \*pgxpool.Pool fields \[\]`
	tx.Exec(ctx, "this is not SQL")                                                    // want `Exec: unknown \[\] exec pgx.Tx fields \[\]`
	db.ExecContext(ctx, "DELETE FROM sessions WHERE token = $1", "x")                  // want `ExecContext: delete sessions \[\$1="x":string\] exec \*sql.DB fields \[\]`
	stx.QueryRow("SELECT id FROM sessions WHERE token = $1", "x")                      // want `QueryRow: read sessions \[\$1="x":string\] exec \*sql.Tx fields \[\]`
	stmt, _ := db.PrepareContext(ctx, "INSERT INTO sessions (token) VALUES ($1)")
	stmt.ExecContext(ctx, "y") // want `ExecContext: insert sessions \[\$1="y":string\] exec \*sql.DB fields \[\]`

	q := sqlcstd.New(db)
	q.WithTx(stx).GetRecord(ctx, 1)                                    // want `GetRecord: read records \[\$1=1:int32\] exec \*sqlcstd.Queries fields \[ID Counter\]`
	q.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: 1, Counter: 2}) // want `UpdateRecord: update records \[\$1=t\d+.ID \$2=t\d+.Counter\] exec \*sqlcstd.Queries fields \[\]`
	var sq *sqlcpgx.Queries
	sq.TaskSetStatus(ctx, tx, sqlcpgx.TaskSetStatusParams{ID: r.ID}) // want `TaskSetStatus: update cas tasks \[\$1=t\d+.ID \$2=t\d+.Status \$3=t\d+.From\] exec pgx.Tx fields \[ID JobID Status Attempts Result\]`
	sq.RecordUpsert(ctx, tx, sqlcpgx.RecordUpsertParams{})           // want `RecordUpsert: upsert records`
	sq.SessionListByUser(ctx, tx, 1)                                 // want `SessionListByUser: read sessions \[\$1=1:int64\] exec pgx.Tx fields \[ID Token UserID\]`
}

// batch queues statements: each is seen where its result is read, with
// the queue call's arguments, on the handle the batch is sent to.
func batch(ctx context.Context, tx pgx.Tx, conn *pgx.Conn, id int64) {
	b := &pgx.Batch{}
	b.Queue("SELECT counter FROM records WHERE id = $1", id)
	b.Queue("UPDATE records SET counter = $1 WHERE id = $2", 5, id)
	b.Queue("DELETE FROM sessions WHERE token = $1", "x") // want `Queue: delete sessions \[\$1="x":string\] exec pgx.Tx fields \[\]`
	br := tx.SendBatch(ctx, b)
	br.QueryRow() // want `QueryRow: read records \[\$1=parameter id : int64] exec pgx.Tx fields \[\]`
	br.Exec()     // want `Exec: update records \[\$1=5:int \$2=parameter id : int64] exec pgx.Tx fields \[\]`
	br.Close()
	cb := &pgx.Batch{}
	cb.Queue("SELECT counter FROM records WHERE id = $1", id).QueryRow(func(row pgx.Row) error { return nil }) // want `QueryRow: read records \[\$1=parameter id : int64] exec \*pgx.Conn fields \[\]`
	conn.SendBatch(ctx, cb).Close()
	conn.CopyFrom(ctx, pgx.Identifier{"public", "sessions"}, []string{"token"}, pgx.CopyFromRows(nil)) // want `CopyFrom: insert sessions \[\] exec \*pgx.Conn fields \[\]`
}
