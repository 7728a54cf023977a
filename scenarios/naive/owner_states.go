package naive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// UpdateOrCreateState is update_or_create under REPEATABLE READ (S4): read the
// row, update it when found, insert it when missing, and when the insert hits
// a unique violation (another request created the row meanwhile) read it
// again and update. In MySQL the re-read misses the row (the snapshot
// predates it); in PostgreSQL the failed insert has aborted the transaction
// and the re-read itself fails, as does everything until rollback.
func (s *Store) UpdateOrCreateState(ctx context.Context, owner, thing, state string) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	q := s.queries.WithTx(tx)
	row, err := q.OwnerStateFind(ctx, naivedb.OwnerStateFindParams{Owner: owner, Thing: thing})
	if errors.Is(err, pgx.ErrNoRows) {
		s.work()
		err = q.OwnerStateInsert(ctx, naivedb.OwnerStateInsertParams{Owner: owner, Thing: thing, State: state})
		if err == nil {
			return commit(ctx, tx)
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
			return fmt.Errorf("create state: %w", err)
		}
		// The classic workaround: somebody else created it, so read it again.
		row, err = q.OwnerStateFind(ctx, naivedb.OwnerStateFindParams{Owner: owner, Thing: thing})
	}
	if err != nil {
		return fmt.Errorf("find state: %w", err)
	}
	err = q.OwnerStateSave(ctx, naivedb.OwnerStateSaveParams{
		Owner: owner, Thing: thing, State: state, Version: row.Version + 1, UpdatedAt: time.Now(),
	})
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return commit(ctx, tx)
}

func commit(ctx context.Context, tx pgx.Tx) error {
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
