// Package jobs submits, stops and reports on pipeline jobs. Every change is
// one transaction that also writes the messages and events announcing it to
// the outbox, so a job is either fully created and queued or not at all.
package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Limits on a job specification, so a single request cannot fill the
// database or the broker.
const (
	MaxSteps          = 100
	MaxInputBytes     = 256 << 10
	MaxParamsBytes    = 16 << 10
	MaxHandlerLen     = 64
	MaxIdempotencyKey = 200
	MaxTimeoutMS      = 24 * 60 * 60 * 1000
)

// ErrInvalid is wrapped by every validation error; callers map it to a bad
// request.
var ErrInvalid = errors.New("invalid job")

// Step is one ordered unit of work: the handler that runs it and the
// handler's parameters.
type Step struct {
	Handler string          `json:"handler"`
	Params  json.RawMessage `json:"params,omitempty"`
	// TimeoutMS bounds one attempt of the step's handler, in milliseconds;
	// 0 means the executor's default (--step-timeout).
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// Spec describes a job to submit.
type Spec struct {
	Steps []Step `json:"steps"`
	// Input is the first step's input; later steps get the result of the
	// step before them. Empty means {}.
	Input json.RawMessage `json:"input,omitempty"`
	// IdempotencyKey, when set, makes a repeated submission return the job
	// created by the first one instead of creating another.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// KnownHandler reports whether a handler name is served by the executor.
type KnownHandler func(name string) bool

// Validate reports the first problem with s, wrapping ErrInvalid. known,
// when not nil, rejects handler names the executor does not serve.
func (s Spec) Validate(known KnownHandler) error {
	if len(s.Steps) == 0 {
		return invalid("a job needs at least one step")
	}
	if len(s.Steps) > MaxSteps {
		return invalid("a job has at most %d steps, got %d", MaxSteps, len(s.Steps))
	}
	for i, step := range s.Steps {
		if err := step.validate(known); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	if len(s.Input) > MaxInputBytes {
		return invalid("input is %d bytes, the limit is %d", len(s.Input), MaxInputBytes)
	}
	if len(s.Input) > 0 && !json.Valid(s.Input) {
		return invalid("input is not valid JSON")
	}
	if len(s.IdempotencyKey) > MaxIdempotencyKey {
		return invalid("idempotency key is longer than %d bytes", MaxIdempotencyKey)
	}
	return nil
}

func (s Step) validate(known KnownHandler) error {
	switch {
	case s.Handler == "":
		return invalid("handler is missing")
	case len(s.Handler) > MaxHandlerLen:
		return invalid("handler name is longer than %d bytes", MaxHandlerLen)
	case known != nil && !known(s.Handler):
		return invalid("unknown handler %q", s.Handler)
	case len(s.Params) > MaxParamsBytes:
		return invalid("params are %d bytes, the limit is %d", len(s.Params), MaxParamsBytes)
	case len(s.Params) > 0 && !json.Valid(s.Params):
		return invalid("params are not valid JSON")
	case s.TimeoutMS < 0 || s.TimeoutMS > MaxTimeoutMS:
		return invalid("timeout_ms must be 0 (the default) to %d, got %d", MaxTimeoutMS, s.TimeoutMS)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// orEmptyObject returns raw, or {} when raw is empty or JSON null.
func orEmptyObject(raw json.RawMessage) []byte {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return []byte("{}")
	}
	return raw
}
