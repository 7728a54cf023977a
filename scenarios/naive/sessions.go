package naive

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// GetOrCreateSession is get_or_create(token=...): look the session up and
// insert it when it is missing (S3). Two requests with a new token both miss
// and both insert: the loser fails with a duplicate key (without the unique
// constraint it would leave a duplicate row).
func (s *Store) GetOrCreateSession(ctx context.Context, token, userName string) (int64, error) {
	session, err := s.queries.SessionFindByToken(ctx, token)
	if err == nil {
		return session.ID, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("find session: %w", err)
	}
	s.work()
	session, err = s.queries.SessionInsert(ctx, naivedb.SessionInsertParams{Token: token, UserName: userName})
	if err != nil {
		return 0, fmt.Errorf("create session: %w", err)
	}
	return session.ID, nil
}
