package naive

import (
	"context"
	"fmt"

	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// LikePost is post.likes += 1; post.save() (S3): the new count is computed
// in Go from the value read, so two concurrent likes both write n+1 and one
// of them is lost.
func (s *Store) LikePost(ctx context.Context, id int64) error {
	post, err := s.queries.PostFind(ctx, id)
	if err != nil {
		return fmt.Errorf("find post %d: %w", id, err)
	}
	post.Likes++
	s.work()
	err = s.queries.PostSave(ctx, naivedb.PostSaveParams{ID: post.ID, Title: post.Title, Likes: post.Likes})
	if err != nil {
		return fmt.Errorf("save post %d: %w", id, err)
	}
	return nil
}
