package safe

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
)

// GetOrCreateSession gets or creates the session in one INSERT ... ON CONFLICT
// statement: concurrent callers with one token all get the same row.
func (s *Store) GetOrCreateSession(ctx context.Context, token, userName string) (int64, error) {
	row, err := s.queries.SessionGetOrCreate(ctx, s.pool, db.SessionGetOrCreateParams{Token: token, UserName: userName})
	if err != nil {
		return 0, fmt.Errorf("get or create session: %w", err)
	}
	return row.ID, nil
}

// LikePost lets the database compute likes + 1.
func (s *Store) LikePost(ctx context.Context, id int64) error {
	if _, err := s.queries.PostAddLikes(ctx, s.pool, db.PostAddLikesParams{ID: id, Delta: 1}); err != nil {
		return fmt.Errorf("like post %d: %w", id, err)
	}
	return nil
}

// SaveDomains inserts the names not yet present in one statement; nothing is
// read into memory and overlapping batches do not conflict.
func (s *Store) SaveDomains(ctx context.Context, names []string) error {
	if _, err := s.queries.DomainsInsert(ctx, s.pool, names); err != nil {
		return fmt.Errorf("insert %d domains: %w", len(names), err)
	}
	return nil
}

// CreateTransfer creates a transfer under the first token "<prefix>-<n>" that
// no live transfer holds. The partial unique index decides: an insert that
// finds the token taken returns no row and the next token is tried.
func (s *Store) CreateTransfer(ctx context.Context, prefix string, amount int64) (string, error) {
	for n := 0; ; n++ {
		token := fmt.Sprintf("%s-%d", prefix, n)
		_, err := s.queries.TransferCreate(ctx, s.pool, db.TransferCreateParams{Token: token, Amount: amount})
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create transfer %s: %w", token, err)
		}
		return token, nil
	}
}

// UpdateOrCreateState updates or creates the row in one INSERT ... ON
// CONFLICT DO UPDATE statement: no transaction ever sees an error to recover
// from, at any isolation level.
func (s *Store) UpdateOrCreateState(ctx context.Context, owner, thing, state string) error {
	_, err := s.queries.OwnerStateUpsert(ctx, s.pool, db.OwnerStateUpsertParams{Owner: owner, Thing: thing, State: state})
	if err != nil {
		return fmt.Errorf("update or create state: %w", err)
	}
	return nil
}
