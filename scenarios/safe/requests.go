package safe

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
	"github.com/lockstep-dev/lockstep/transact"
)

// CreatePost creates a post and stores the task message with its id in the
// outbox, in one transaction. The relay publishes the message only after the
// commit, so the worker always finds the post; and a request that fails
// leaves neither post nor message.
func (s *Store) CreatePost(ctx context.Context, exchange, routingKey, title string) (int64, error) {
	var id int64
	err := transact.Run(ctx, s.pool, transact.Options{}, func(tx pgx.Tx) error {
		post, err := s.queries.PostCreate(ctx, tx, title)
		if err != nil {
			return fmt.Errorf("create post: %w", err)
		}
		id = post.ID
		_, err = outbox.Put(ctx, tx, exchange, routingKey, []int64{post.ID}) // the task's arguments
		return err
	})
	return id, err
}

// CreateJob submits a one-step job through the pipeline: the job, its task
// and its job.created event are stored with their messages in one
// transaction and published by the relay after the commit.
func (s *Store) CreateJob(ctx context.Context, topo message.Topology, handler string) (uuid.UUID, error) {
	job, _, err := jobs.Submit(ctx, s.pool, topo, jobs.Spec{Steps: []jobs.Step{{Handler: handler}}})
	if err != nil {
		return uuid.Nil, err
	}
	return job.ID, nil
}
