package consumers

import (
	"context"
	"encoding/json"
	"errors"
)

// Handler does a task's work. params are the step's parameters from the
// job, input is the job's input for the first step and the previous step's
// output after that; the output becomes the next step's input, or the job's
// output after the last step.
//
// The executor runs Handle outside any database transaction, in one of its
// handler slots, with the step's timeout in ctx; ctx also ends when the
// job is stopped, when the task's lease was rescued by another worker, or
// at the shutdown deadline. [AttemptFrom] gives the attempt being run.
//
// Side effects are at-least-once: a crash after the handler's effect and
// before the executor records the outcome runs the handler again, in a new
// attempt. Work with outside effects must be idempotent; pass the
// attempt's IdempotencyKey (or the task id, to span attempts) to the
// systems it calls.
type Handler interface {
	Handle(ctx context.Context, params, input json.RawMessage) (output json.RawMessage, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, params, input json.RawMessage) (json.RawMessage, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, params, input json.RawMessage) (json.RawMessage, error) {
	return f(ctx, params, input)
}

// Handlers maps the handler names stored in task rows to handlers.
type Handlers map[string]Handler

// permanentError marks a handler error that another attempt cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the executor fails the task at once instead of
// retrying it (bad parameters, an unknown handler).
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
