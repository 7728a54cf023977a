package lostupdatefix

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"

	"sqlcpgx"
	"sqlcstd"
)

// sqlc's "Using transactions" how-to: the counter read, plus one, written
// back; IncrementRecord adds one in SQL and takes the same context and id.
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
	if err := qtx.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1}); err != nil { // want `Counter read by GetRecord at line 22 is written back by UpdateRecord`
		return err
	}
	return tx.Commit()
}

// No fix: rewriting the arguments would drop the comment inside them.
func bumpCounterLines(ctx context.Context, queries *sqlcstd.Queries, id int32) error {
	r, err := queries.GetRecord(ctx, id)
	if err != nil {
		return err
	}
	return queries.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ // want `Counter read by GetRecord at line 34 is written back by UpdateRecord`
		ID:      id,
		Counter: r.Counter + 1,
	})
}

// No fix: IncrementRecord adds one, not two.
func bumpByTwo(ctx context.Context, queries *sqlcstd.Queries, id int32) error {
	r, err := queries.GetRecord(ctx, id)
	if err != nil {
		return err
	}
	return queries.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 2}) // want `Counter read by GetRecord at line 46 is written back by UpdateRecord`
}

// No fix: the value is changed between the read and the write.
func bumpChanged(ctx context.Context, queries *sqlcstd.Queries, id int32) error {
	r, err := queries.GetRecord(ctx, id)
	if err != nil {
		return err
	}
	r.Counter *= 2
	return queries.UpdateRecord(ctx, sqlcstd.UpdateRecordParams{ID: r.ID, Counter: r.Counter + 1}) // want `Counter read by GetRecord at line 55 is written back by UpdateRecord`
}

// RecordAddCounter returns the new count where RecordSetCounter returns
// only an error, so it cannot stand in for it; RecordBumpCounter can.
func bumpPgx(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: r.ID, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 66 is written back by RecordSetCounter`
}

// A decrement by a named constant.
const refund = 3

func refundPgx(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{Counter: r.Counter - refund, ID: r.ID}) // want `Counter read by RecordGet at line 77 is written back by RecordSetCounter`
}

// No fix: the amount is not a constant.
func bumpBy(ctx context.Context, tx pgx.Tx, id, n int64) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + n}) // want `Counter read by RecordGet at line 86 is written back by RecordSetCounter`
}

// No fix: the rewritten call would leave r unused, which does not compile.
func bumpUnused(ctx context.Context, tx pgx.Tx, id int64) error {
	r, err := q.RecordGet(ctx, tx, id)
	if err != nil {
		return err
	}
	return q.RecordSetCounter(ctx, tx, sqlcpgx.RecordSetCounterParams{ID: id, Counter: r.Counter + 1}) // want `Counter read by RecordGet at line 95 is written back by RecordSetCounter`
}
