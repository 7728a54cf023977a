package naive

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/scenarios/naive/naivedb"
)

// CreatePost is a web request in ATOMIC_REQUESTS style (S1): it creates a
// post and enqueues a task with the post's id, then finishes its work and
// commits. The message is published while the transaction is open, so a
// worker can receive it before the commit and not find the post; and if the
// request fails after publishing, the task refers to a post that never
// existed.
func (s *Store) CreatePost(ctx context.Context, ch *amqp.Channel, exchange, routingKey, title string) (int64, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	post, err := s.queries.WithTx(tx).PostInsert(ctx, title)
	if err != nil {
		return 0, fmt.Errorf("create post: %w", err)
	}
	if err := publish(ctx, ch, exchange, routingKey, []int64{post.ID}); err != nil { // the task's arguments
		return 0, err
	}
	s.work()
	return post.ID, commit(ctx, tx)
}

// CreateJob creates a job with one task and its job.created event in one
// transaction and announces the event on the events exchange (S2). The event
// id is published before the commit, so the webhook worker that loads the
// event may not find it ("event matching query does not exist").
func (s *Store) CreateJob(ctx context.Context, ch *amqp.Channel, topo message.Topology, handler string) (uuid.UUID, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return uuid.Nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(ctx)
	q := s.queries.WithTx(tx)
	job, err := q.JobInsert(ctx, naivedb.JobInsertParams{Input: []byte("{}"), StepsTotal: 1, Status: naivedb.JobStatusRunning})
	if err != nil {
		return uuid.Nil, fmt.Errorf("create job: %w", err)
	}
	_, err = q.TaskInsert(ctx, naivedb.TaskInsertParams{JobID: job.ID, ExecutionOrder: 0, Handler: handler, Status: naivedb.TaskStatusQueued})
	if err != nil {
		return uuid.Nil, fmt.Errorf("create task: %w", err)
	}
	event, err := q.EventInsert(ctx, naivedb.EventInsertParams{JobID: job.ID, Type: message.EventJobCreated, Payload: []byte("{}")})
	if err != nil {
		return uuid.Nil, fmt.Errorf("store event: %w", err)
	}
	if err := publish(ctx, ch, topo.Events, event.Type, message.Event{EventID: event.ID, JobID: job.ID, Type: event.Type}); err != nil {
		return uuid.Nil, err
	}
	s.work()
	return job.ID, commit(ctx, tx)
}
