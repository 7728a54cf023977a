package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"sqlcpgx"
	"sqlcstd"
)

func lockedSameTx(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	r, err := q.RecordGetForUpdate(ctx, tx, id)
	if err != nil {
		return err
	}
	// ok: read FOR UPDATE in the writing transaction
	if err := q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func lockedNoKeyUpdate(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGetNoKeyUpdate(ctx, tx, id)
	if err != nil {
		return err
	}
	// ok: FOR NO KEY UPDATE in the same transaction
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
}

func serializable(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	// ok: SERIALIZABLE aborts one of two concurrent read-modify-writes
	if err := q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func repeatableReadSQL(ctx context.Context, db *sql.DB, queries *sqlcstd.Queries, id int32) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	qtx := queries.WithTx(tx)
	r, err := qtx.GetRecord(ctx, id)
	if err != nil {
		return err
	}
	// ok: REPEATABLE READ fails the second writer
	if err := qtx.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1}); err != nil {
		return err
	}
	return tx.Commit()
}

func beginTxFuncSerializable(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		r, err := q.RecordGet(ctx, tx, id)
		if err != nil {
			return err
		}
		// ok: the callback runs at REPEATABLE READ
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
	})
}

func casOnVersion(ctx context.Context, pool *pgxpool.Pool, id int64) (bool, error) {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return false, err
	}
	// ok: compare-and-set on the version read with the value
	n, err := q.RecordSetCounterCAS(ctx, pool, sqlcpgx.RecordSetCounterCASParams{ID: r.ID, Counter: r.Counter + 1, Version: r.Version})
	return n == 1, err
}

func identityOnly(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	// ok: only the id flows from the read, into WHERE
	return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: r.ID, Name: "renamed"})
}

func atomicInSQL(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	// ok: SET counter = counter + $1 is computed by the database
	_, err = q.RecordAddCounter(ctx, pool, sqlcpgx.RecordAddCounterParams{Delta: 1, ID: r.ID})
	return err
}

func insertDoNothing(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	// ok: ON CONFLICT DO NOTHING never overwrites a row
	return q.RecordInsertIgnore(ctx, pool, sqlcpgx.RecordInsertIgnoreParams{ID: id + 1, Counter: r.Counter, Name: r.Name})
}

func upsertAdds(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	// ok: DO UPDATE SET counter = records.counter + EXCLUDED.counter adds in SQL
	return q.RecordUpsertAdd(ctx, pool, sqlcpgx.RecordUpsertAddParams{ID: id, Counter: r.Counter, Name: "x"})
}

func otherTable(ctx context.Context, pool *pgxpool.Pool, taskID, id int64) error {
	t, err := q.TaskGet(ctx, pool, taskID)
	if err != nil {
		return err
	}
	// ok: the value comes from another table than the one written
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: int64(t.Attempts)})
}

func otherRow(ctx context.Context, pool *pgxpool.Pool, from, to int64) error {
	r, err := q.RecordGet(ctx, pool, from)
	if err != nil {
		return err
	}
	// ok: copies a value to another row, it does not write back the row read
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: to, Counter: r.Counter})
}

func lockThroughCallerHandle(ctx context.Context, db sqlcpgx.DBTX, id int64) error {
	r, err := q.RecordGetForUpdate(ctx, db, id)
	if err != nil {
		return err
	}
	// ok: locked through the caller's handle, which the caller binds to its transaction
	return q.RecordSetCounter(ctx, db, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
}

func notFromRead(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	if _, err := q.RecordGet(ctx, pool, id); err != nil {
		return err
	}
	// ok: the new value does not come from the read
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: 0})
}

func onlyDecides(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	if r.Counter > 10 {
		// ok: the read only decides whether to write; the value is constant
		return q.RecordRename(ctx, pool, sqlcpgx.RecordRenameParams{ID: id, Name: "busy"})
	}
	return nil
}

func literalAtomic(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	// ok: the literal SQL increments in the database
	_, err = pool.Exec(ctx, "UPDATE records SET counter = counter + 1 WHERE id = $1", r.ID)
	return err
}

func literalLockedSameTx(ctx context.Context, tx pgx.Tx, id int64) error {
	var n int64
	if err := tx.QueryRow(ctx, "SELECT counter FROM records WHERE id = $1 FOR UPDATE", id).Scan(&n); err != nil {
		return err
	}
	// ok: literal SELECT ... FOR UPDATE in the same transaction
	_, err := tx.Exec(ctx, "UPDATE records SET counter = $1 WHERE id = $2", n+1, id)
	return err
}

func lockThenRead(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := q.RecordGetForUpdate(ctx, tx, id); err != nil {
		return err
	}
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	// ok: the row was locked before this read, in the same transaction
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
}

func withTxForUpdate(ctx context.Context, db *sql.DB, queries *sqlcstd.Queries, id int32) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	qtx := queries.WithTx(tx)
	r, err := qtx.GetRecordForUpdate(ctx, id)
	if err != nil {
		return err
	}
	// ok: FOR UPDATE through the same Queries bound with WithTx
	if err := qtx.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1}); err != nil {
		return err
	}
	return tx.Commit()
}

func ignored(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	//txvet:ignore lostupdate single writer by construction: only the nightly job updates counters
	return q.RecordSetCounter(ctx, pool, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
}

func writesReturnedRow(ctx context.Context, tx pgx.Tx, id int64) error {
	t, err := q.TaskSetStatus(ctx, tx, sqlcpgx.TaskSetStatusParams{ID: id, Status: "RUNNING", From: []string{"QUEUED"}})
	if err != nil {
		return err
	}
	// ok: the row came back from an UPDATE, which locked it in this transaction
	return q.TaskSave(ctx, tx, sqlcpgx.TaskSaveParams{ID: t.ID, JobID: t.JobID, Status: "DONE", Attempts: t.Attempts, Result: t.Result})
}

func fillEmptyGuarded(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	r, err := q.RecordGet(ctx, pool, id)
	if err != nil {
		return err
	}
	name := r.Name
	if name == "" {
		name = newCode()
	}
	// ok: the UPDATE sets the name only where it is still empty
	_, err = q.RecordSetNameIfEmpty(ctx, pool, sqlcpgx.RecordSetNameIfEmptyParams{ID: id, Name: name})
	return err
}

func fillEmptyLocked(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGetForUpdate(ctx, tx, id)
	if err != nil {
		return err
	}
	if r.Name == "" {
		r.Name = newCode()
	}
	// ok: the row is locked; no other caller sees it empty meanwhile
	return q.RecordRename(ctx, tx, sqlcpgx.RecordRenameParams{ID: r.ID, Name: r.Name})
}

func setTransactionFirst(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return err
	}
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	// ok: the transaction's first statement set it to REPEATABLE READ
	if err := q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func setTransactionSQL(ctx context.Context, db *sql.DB, queries *sqlcstd.Queries, id int32) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"); err != nil {
		return err
	}
	qtx := queries.WithTx(tx)
	r, err := qtx.GetRecord(ctx, id)
	if err != nil {
		return err
	}
	// ok: SET TRANSACTION through database/sql
	if err := qtx.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1}); err != nil {
		return err
	}
	return tx.Commit()
}
