package lostupdate

import (
	"context"

	"github.com/jackc/pgx/v5"

	"lostupdate/repo"
	"sqlcpgx"
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
		return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 48 is written back by RecordSetCounter`
	})
}
