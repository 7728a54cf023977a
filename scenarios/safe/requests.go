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

// SubmitJob submits a job of steps tasks of handler through the pipeline:
// the job, its tasks, the first task's message and the job.created event are
// stored in one transaction and published by the relay after the commit.
func (s *Store) SubmitJob(ctx context.Context, topo message.Topology, handler string, steps int) (uuid.UUID, error) {
	spec := jobs.Spec{Steps: make([]jobs.Step, steps)}
	for i := range spec.Steps {
		spec.Steps[i] = jobs.Step{Handler: handler}
	}
	job, _, err := jobs.Submit(ctx, s.pool, topo, spec)
	if err != nil {
		return uuid.Nil, err
	}
	return job.ID, nil
}
