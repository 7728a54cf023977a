package naive

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// CreateTransfer creates a transfer under the first token "<prefix>-<n>" that
// no live transfer holds (S3). Uniqueness is enforced by reading in a loop:
// concurrent callers all see the same token free and all insert it. The
// partial unique index turns the duplicates into errors here; without it they
// would be silent duplicate live tokens.
func (s *Store) CreateTransfer(ctx context.Context, prefix string, amount int64) (string, error) {
	var token string
	for n := 0; ; n++ {
		token = fmt.Sprintf("%s-%d", prefix, n)
		_, err := s.queries.TransferFindLive(ctx, token)
		if errors.Is(err, pgx.ErrNoRows) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("check token %s: %w", token, err)
		}
	}
	s.work()
	if _, err := s.queries.TransferInsert(ctx, naivedb.TransferInsertParams{Token: token, Amount: amount}); err != nil {
		return "", fmt.Errorf("create transfer %s: %w", token, err)
	}
	return token, nil
}
