package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
	"sqlcstd"
)

var q = sqlcpgx.New()

// Read and write as separate autocommit statements (S0, S3 likes counter).
func bumpPool(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 18 is written back by RecordSetCounter \(lost update: read it FOR UPDATE and write it in one transaction, or let SQL compute it; RecordAddCounter computes counter in SQL\)`
}

// A plain read in the same READ COMMITTED transaction protects nothing.
func bumpTx(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	if err := q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: r.ID, Counter: r.Counter + 1}); err != nil { // want `Counter read by RecordGet at line 32 is written back by RecordSetCounter \(lost update: read it FOR UPDATE in this transaction`
		return err
	}
	return tx.Commit(ctx)
}

// sqlc's "Using transactions" how-to, verbatim in shape.
func bumpCounter(ctx context.Context, db *sql.DB, queries *sqlcstd.Queries, id int32) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	qtx := queries.WithTx(tx)
	r, err := qtx.GetRecord(ctx, id)
	if err != nil {
		return err
	}
	if err := qtx.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ // want `Counter read by GetRecord at line 50 is written back by UpdateRecord \(lost update: read it FOR UPDATE in this transaction, or let SQL compute it; IncrementRecord computes counter in SQL\)`
		ID:      r.ID,
		Counter: r.Counter + 1,
	}); err != nil {
		return err
	}
	return tx.Commit()
}

// FOR UPDATE through the pool locks nothing by the time the transaction writes.
func lockThroughPool(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGetForUpdate(ctx, pool, id)
	if err != nil {
		return err
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}); err != nil { // want `Counter read by RecordGetForUpdate at line 65 is written back by RecordSetCounter \(lost update: RecordGetForUpdate FOR UPDATE outside a transaction locks nothing`
		return err
	}
	return tx.Commit(ctx)
}

// The value was read before the lock was taken.
func readBeforeLock(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, err := q.RecordGetForUpdate(ctx, tx, id); err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 82 is written back by RecordSetCounter \(lost update: it was read before RecordGetForUpdate locked the row at line 86: read it after the lock; RecordAddCounter computes counter in SQL\)`
}

// The lock ended with its transaction.
func lockInCommittedTx(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx1, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	r, err := q.RecordGetForUpdate(ctx, tx1, id)
	if err != nil {
		return err
	}
	if err := tx1.Commit(ctx); err != nil {
		return err
	}
	tx2, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx2.Rollback(ctx)
	if err := q.RecordSetCounter(ctx, tx2, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter - 1}); err != nil { // want `Counter read by RecordGetForUpdate at line 98 is written back by RecordSetCounter \(lost update: the FOR UPDATE lock is held by another transaction than the write's`
		return err
	}
	return tx2.Commit(ctx)
}

// S0: the executor saves the whole row it loaded earlier.
func saveWholeRow(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	t, err := q.TaskGet(ctx, pool, id)
	if err != nil {
		return err
	}
	return q.TaskSave(ctx, pool, sqlcpgx.TaskSaveParams{ // want `Attempts, Result read by TaskGet at line 118 are written back by TaskSave`
		ID:       t.ID,
		JobID:    t.JobID,
		Status:   "PROCESSING",
		Attempts: t.Attempts,
		Result:   t.Result,
	})
}

// A row converted to the params struct and saved.
func saveConverted(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	t, err := q.TaskGet(ctx, pool, id)
	if err != nil {
		return err
	}
	p := sqlcpgx.TaskSaveParams(t)
	p.Status = "DONE"
	return q.TaskSave(ctx, pool, p) // want `Attempts, Result read by TaskGet at line 133 are written back by TaskSave`
}

// ON CONFLICT DO UPDATE SET counter = EXCLUDED.counter writes the stale value.
func upsertExcluded(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	return q.RecordUpsert(ctx, pool, sqlcpgx.RecordUpsertParams{ID: id, Counter: r.Counter + 1, Name: r.Name}) // want `Counter read by RecordGet at line 144 is written back by RecordUpsert`
}

func next(n int64) int64 { return n + 1 } // want next:"flow"

// Through a local variable and a helper function.
func throughHelper(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	n := next(r.Counter)
	if n > 100 {
		n = 100
	}
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: n}) // want `Counter read by RecordGet at line 155 is written back by RecordSetCounter`
}

type Store struct {
	pool *pgxpool.Pool
}

func (s *Store) Record(ctx context.Context, id int64) (sqlcpgx.Record, error) {
	return q.RecordGet(ctx, s.pool, id)
}

func (s *Store) SetCounter(ctx context.Context, id, n int64) error {
	return q.RecordSetCounter(ctx, s.pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: n})
}

// Through wrappers on both ends.
func throughWrappers(ctx context.Context, s *Store, id int64) error {
	r, err := s.Record(ctx, id)
	if err != nil {
		return err
	}
	return s.SetCounter(ctx, id, r.Counter+1) // want `Counter read by Record at line 180 is written back by SetCounter`
}

// Literal SQL through pgx, scanned into a local.
func literalPgx(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	var n int64
	if err := pool.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id) // want `counter read by QueryRow at line 190 is written back by Exec`
	return err
}

// A scalar :one query.
func scalarRead(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	n, err := q.RecordGetCounter(ctx, pool, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: n * 2}) // want `counter read by RecordGetCounter at line 199 is written back by RecordSetCounter`
}

// Rows of a :many query.
func manyRows(ctx context.Context, pool *pgxpool.Pool, name string) error {
	rows, err := q.RecordList(ctx, pool, name)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: r.ID, Counter: r.Counter + 1}); err != nil { // want `Counter read by RecordList at line 208 is written back by RecordSetCounter`
			return err
		}
	}
	return nil
}

// database/sql literal SQL in a transaction.
func literalDatabaseSQL(ctx context.Context, db *sql.DB, id int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var likes int64
	if err := tx.QueryRowContext(ctx, "SELECT likes FROM posts WHERE id = $1", id).Scan(&likes); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE posts SET likes = $1 WHERE id = $2", likes+1, id); err != nil { // want `likes read by QueryRowContext at line 228 is written back by ExecContext`
		return err
	}
	return tx.Commit()
}

// A DBTX parameter: the caller may pass a transaction, but a plain read is
// unprotected in any READ COMMITTED transaction.
func bumpDBTX(ctx context.Context, db sqlcpgx.DBTX, id int64) error {
	r, err := q.RecordGet(ctx, db, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, db, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 240 is written back by RecordSetCounter`
}

// Inside a BeginFunc callback.
func inCallback(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		r, err := q.RecordGet(ctx, tx, id)
		if err != nil {
			return err
		}
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 250 is written back by RecordSetCounter \(lost update: read it FOR UPDATE in this transaction`
	})
}

// A string field computed from the stale value.
func renameStale(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name + " (copy)"}) // want `Name read by RecordGet at line 260 is written back by RecordRename`
}

// Read by a key other than the id: the id comes from the read.
func byName(ctx context.Context, pool *pgxpool.Pool, name string) error {
	r, err := q.RecordGetByName(ctx, pool, name)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: r.ID, Counter: r.Counter + 10}) // want `Counter read by RecordGetByName at line 269 is written back by RecordSetCounter`
}

// FOR SHARE does not stop another reader from reading the same value.
func forShare(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGetForShare(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGetForShare at line 278 is written back by RecordSetCounter`
}

// taskParams is the full row, as a model's save() writes it.
func taskParams(t sqlcpgx.Task) sqlcpgx.TaskSaveParams { // want taskParams:"flow"
	return sqlcpgx.TaskSaveParams{ID: t.ID, JobID: t.JobID, Status: t.Status, Attempts: t.Attempts, Result: t.Result}
}

// S0 through a helper that copies the row into the params struct.
func saveThroughHelper(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	t, err := q.TaskGet(ctx, pool, id)
	if err != nil {
		return err
	}
	t.Status = "DONE"
	return q.TaskSave(ctx, pool, taskParams(t)) // want `Attempts, Result read by TaskGet at line 292 are written back by TaskSave`
}

func newCode() string { return "c0de" }

// A name found empty is replaced by a fresh one and written: not written
// back, but two callers can both find it empty and the later one's code
// replaces the first one's.
func fillEmptyName(ctx context.Context, pool *pgxpool.Pool, id int64) (string, error) {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return "", err
	}
	name := r.Name
	if name == "" {
		name = newCode()
	}
	err = q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: id, Name: name}) // want `Name read by RecordGet at line 306 is replaced by a fresh value when empty and written by RecordRename \(lost update: two callers can both find it empty, and the later write replaces the value the first one set; set it only where it is still empty, in the UPDATE's WHERE\)`
	return name, err
}

// The same through the row struct.
func fillEmptyField(ctx context.Context, tx pgx.Tx, id int64) (sqlcpgx.Record, error) {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return r, err
	}
	if r.Name == "" {
		r.Name = newCode()
	}
	return r, q.RecordRename(ctx, tx, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name}) // want `Name read by RecordGet at line 320 is replaced by a fresh value when empty and written by RecordRename`
}

// Written back whether empty or not: the read value is also written when
// another field decides.
func fillOnOtherTest(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	name := r.Name
	if r.Counter == 0 {
		name = newCode()
	}
	return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: id, Name: name}) // want `Name read by RecordGet at line 333 is written back by RecordRename`
}

// SET TRANSACTION to the default level protects nothing.
func setReadCommitted(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED"); err != nil {
		return err
	}
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 354 is written back by RecordSetCounter`
}

// SET TRANSACTION after a query fails in PostgreSQL: the level stays the default.
func setTransactionLate(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"); err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 368 is written back by RecordSetCounter`
}

// A value kept when non-empty by an else branch.
func fillEmptyElse(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	var name string
	if len(r.Name) != 0 {
		name = r.Name
	} else {
		name = newCode()
	}
	return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: id, Name: name}) // want `Name read by RecordGet at line 380 is replaced by a fresh value when empty and written by RecordRename`
}

// Found non-empty by its length and returned early: only the fresh value is
// written, where the name was found empty, which two callers can both find;
// the first one's name, returned, is replaced.
func fillEmptyByLen(ctx context.Context, pool *pgxpool.Pool, id int64) (string, error) {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return "", err
	}
	name := r.Name
	if len(name) != 0 {
		return name, nil
	}
	name = randomCode()
	return name, q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: id, Name: name}) // want `Name read by RecordGet at line 397 is replaced by a fresh value when empty and written by RecordRename`
}
