package consumers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/outbox"
)

// ExecutorOptions tune the task executor; zero fields take the defaults.
type ExecutorOptions struct {
	// Handlers by name; nil means DemoHandlers.
	Handlers Handlers
	// MaxAttempts bounds how often a task runs before it fails for good.
	MaxAttempts int
}

// DefaultMaxAttempts is the executor's default attempt bound.
const DefaultMaxAttempts = 3

// Executor consumes topo.Tasks (DESIGN.md step 3). Per message, in the
// batch's transaction: inbox insert, task queued -> processing (refused
// when the task is not queued or its job not running), the handler, then
// the task done or failed with a Result message, or back to queued with a
// new Task message while attempts remain. Acked after commit.
type Executor struct {
	*consumer
}

type executor struct {
	cfg  Config
	opts ExecutorOptions
}

// NewExecutor validates cfg and returns an executor ready to Run.
func NewExecutor(cfg Config, opts ExecutorOptions) (*Executor, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Handlers == nil {
		opts.Handlers = DemoHandlers()
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	e := &executor{cfg: cfg, opts: opts}
	return &Executor{newTxConsumer(txConsumer[message.Task]{
		cfg:       cfg,
		name:      "executor",
		validate:  validateTask,
		lockOrder: func(m message.Task) string { return m.TaskID.String() },
		apply:     e.apply,
	}, cfg.Topology.Tasks)}, nil
}

func validateTask(m message.Task) error {
	if m.TaskID == uuid.Nil {
		return errors.New("task_id missing")
	}
	return nil
}

func (e *executor) apply(ctx context.Context, tx pgx.Tx, msg message.Task) (string, error) {
	task, err := queries.TaskStart(ctx, tx, msg.TaskID)
	if errors.Is(err, pgx.ErrNoRows) {
		return e.notStarted(ctx, tx, msg)
	}
	if err != nil {
		return "", fmt.Errorf("start task %s: %w", msg.TaskID, err)
	}
	output, handlerErr := e.run(ctx, task)
	if task.QueuedAt != nil {
		e.cfg.Metrics.StepLatency.WithLabelValues(task.Handler).Observe(time.Since(*task.QueuedAt).Seconds())
	}
	if handlerErr == nil {
		return "", e.finish(ctx, tx, task, db.TaskStatusDone, output, nil)
	}
	errText := handlerErr.Error()
	if !IsPermanent(handlerErr) {
		_, err := queries.TaskRequeue(ctx, tx, db.TaskRequeueParams{Error: &errText, ID: task.ID, MaxAttempts: int32(e.opts.MaxAttempts)})
		if err == nil {
			_, err = outbox.Put(ctx, tx, e.cfg.Topology.Exchange, e.cfg.Topology.Tasks, message.Task{TaskID: task.ID, JobID: task.JobID})
			return "", err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return "", fmt.Errorf("requeue task %s: %w", task.ID, err)
		}
	}
	if err := e.finish(ctx, tx, task, db.TaskStatusFailed, nil, &errText); err != nil {
		return "", err
	}
	return fmt.Sprintf("task %s (%s) failed after %d attempts: %s", task.ID, task.Handler, task.Attempts, errText), nil
}

// notStarted tells a task that cannot start (already taken or ended, or its
// job stopped: ack quietly) from one that does not exist (dead-letter).
func (e *executor) notStarted(ctx context.Context, tx pgx.Tx, msg message.Task) (string, error) {
	task, err := queries.TaskGet(ctx, tx, msg.TaskID)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Sprintf("unknown task %s", msg.TaskID), nil
	}
	if err != nil {
		return "", fmt.Errorf("load task %s: %w", msg.TaskID, err)
	}
	e.cfg.Logger.Debug("task not started", "task_id", task.ID, "status", task.Status)
	return "", nil
}

// run calls the task's handler and checks its output.
func (e *executor) run(ctx context.Context, task db.Task) (json.RawMessage, error) {
	h, ok := e.opts.Handlers[task.Handler]
	if !ok {
		return nil, Permanent(fmt.Errorf("unknown handler %q", task.Handler))
	}
	input := json.RawMessage(task.Input)
	if len(input) == 0 {
		input = json.RawMessage("null")
	}
	output, err := h.Handle(ctx, task.Params, input)
	if err != nil {
		return nil, err
	}
	if len(output) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(output) {
		return nil, Permanent(fmt.Errorf("handler %q returned invalid JSON", task.Handler))
	}
	return output, nil
}

// finish ends the task and tells the result handler.
func (e *executor) finish(ctx context.Context, tx pgx.Tx, task db.Task, status db.TaskStatus, result []byte, errText *string) error {
	if _, err := queries.TaskFinish(ctx, tx, db.TaskFinishParams{Status: status, Result: result, Error: errText, ID: task.ID}); err != nil {
		return fmt.Errorf("finish task %s as %s: %w", task.ID, status, err)
	}
	_, err := outbox.Put(ctx, tx, e.cfg.Topology.Exchange, e.cfg.Topology.Results, message.Result{TaskID: task.ID, JobID: task.JobID})
	return err
}
