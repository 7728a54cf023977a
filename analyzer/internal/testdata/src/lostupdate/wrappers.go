package lostupdate

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"

	"lostupdate/repo"
	"sqlcpgx"
	"sqlcstd"
)

func wrapperSerializable(ctx context.Context, rp *repo.Repo, id int64) error {
	return rp.InSerializableTx(ctx, func(tx pgx.Tx) error {
		r, err := q.RecordGet(ctx, tx, id)
		if err != nil {
			return err
		}
		// ok: the wrapper's transaction is SERIALIZABLE (its first statement says so)
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
	})
}

func wrapperRepeatableRead(ctx context.Context, rp *repo.Repo, id int64) error {
	return rp.InRepeatableReadTx(ctx, func(tx pgx.Tx) error {
		r, err := q.RecordGet(ctx, tx, id)
		if err != nil {
			return err
		}
		// ok: the wrapper runs the callback at REPEATABLE READ
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
	})
}

func wrapperLocked(ctx context.Context, rp *repo.Repo, id int64) error {
	return rp.WithRecordLocked(ctx, id, func(tx pgx.Tx) error {
		r, err := q.RecordGet(ctx, tx, id)
		if err != nil {
			return err
		}
		// ok: the wrapper locked the record FOR UPDATE before running the callback
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1})
	})
}

// The wrapper locks a task, not the record written.
func wrapperLocksOther(ctx context.Context, rp *repo.Repo, id int64) error {
	return rp.WithTaskLocked(ctx, id, func(tx pgx.Tx) error {
		r, err := q.RecordGet(ctx, tx, id)
		if err != nil {
			return err
		}
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 50 is written back by RecordSetCounter`
	})
}

func wrapperQueries(ctx context.Context, rp *repo.Repo, db *sql.DB, id int32) error {
	return rp.InSerializableQueries(ctx, db, func(qs *sqlcstd.Queries) error {
		r, err := qs.GetRecord(ctx, id)
		if err != nil {
			return err
		}
		// ok: the queries are bound to the wrapper's SERIALIZABLE transaction
		return qs.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1})
	})
}

// The same at the default level: the callback's queries run in one READ
// COMMITTED transaction.
func wrapperQueriesDefault(ctx context.Context, rp *repo.Repo, db *sql.DB, id int32) error {
	return rp.InQueries(ctx, db, func(qs *sqlcstd.Queries) error {
		r, err := qs.GetRecord(ctx, id)
		if err != nil {
			return err
		}
		return qs.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1}) // want `Counter read by GetRecord at line 73 is written back by UpdateRecord \(lost update: read it FOR UPDATE in this transaction`
	})
}
