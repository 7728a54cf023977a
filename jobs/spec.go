// Package jobs submits, stops and reports on pipeline jobs. Every change is
// one transaction that also writes the messages and events announcing it to
// the outbox, so a job is either fully created and queued or not at all.
package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
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

// CheckStep tells whether the executor serves handler and accepts params
// for it; a non-nil error says why not.
type CheckStep func(handler string, params json.RawMessage) error

// Validate reports the first problem with s, wrapping ErrInvalid. check,
// when not nil, rejects steps the executor cannot run.
func (s Spec) Validate(check CheckStep) error {
	if len(s.Steps) == 0 {
		return invalid("a job needs at least one step")
	}
	if len(s.Steps) > MaxSteps {
		return invalid("a job has at most %d steps, got %d", MaxSteps, len(s.Steps))
	}
	for i, step := range s.Steps {
		if err := step.validate(check); err != nil {
			return fmt.Errorf("step %d: %w", i+1, err)
		}
	}
	if len(s.Input) > MaxInputBytes {
		return invalid("input is %d bytes, the limit is %d", len(s.Input), MaxInputBytes)
	}
	if len(s.Input) > 0 && !json.Valid(s.Input) {
		return invalid("input is not valid JSON")
	}
	if err := storableText(s.Input); err != nil {
		return invalid("input: %v", err)
	}
	if len(s.IdempotencyKey) > MaxIdempotencyKey {
		return invalid("idempotency key is longer than %d bytes", MaxIdempotencyKey)
	}
	return nil
}

func (s Step) validate(check CheckStep) error {
	switch {
	case s.Handler == "":
		return invalid("handler is missing")
	case len(s.Handler) > MaxHandlerLen:
		return invalid("handler name is longer than %d bytes", MaxHandlerLen)
	case len(s.Params) > MaxParamsBytes:
		return invalid("params are %d bytes, the limit is %d", len(s.Params), MaxParamsBytes)
	case len(s.Params) > 0 && !json.Valid(s.Params):
		return invalid("params are not valid JSON")
	case s.TimeoutMS < 0 || s.TimeoutMS > MaxTimeoutMS:
		return invalid("timeout_ms must be 0 (the default) to %d, got %d", MaxTimeoutMS, s.TimeoutMS)
	}
	if err := storableText(s.Params); err != nil {
		return invalid("params: %v", err)
	}
	if check != nil {
		if err := check(s.Handler, s.Params); err != nil {
			return invalid("%v", err)
		}
	}
	return nil
}

// storableText refuses what valid JSON may hold but PostgreSQL's jsonb
// cannot store, or stores altered: invalid UTF-8 (Go's decoder would
// replace it), a \u0000 escape, a lone UTF-16 surrogate escape, and a
// number beyond PostgreSQL's numeric.
func storableText(raw []byte) error {
	if !utf8.Valid(raw) {
		return errors.New("invalid UTF-8")
	}
	if err := storableNumbers(raw); err != nil {
		return err
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // an escaped character, possibly a backslash
			continue
		}
		r, ok := hex4(raw[i+2:])
		switch {
		case !ok:
			return errors.New("malformed \\u escape")
		case r == 0:
			return errors.New("\\u0000 (NUL) cannot be stored")
		case r >= 0xD800 && r <= 0xDBFF:
			low, ok := hex4(raw[min(i+8, len(raw)):])
			if i+7 >= len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' || !ok || low < 0xDC00 || low > 0xDFFF {
				return fmt.Errorf("lone UTF-16 surrogate \\u%04x", r)
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return fmt.Errorf("lone UTF-16 surrogate \\u%04x", r)
		default:
			i += 5
		}
	}
	return nil
}

// PostgreSQL's numeric holds at most this many digits before the decimal
// point and after it.
const (
	maxNumericWeight = 131072
	maxNumericScale  = 16383
	// maxNumericExponent is the bound numeric's input puts on an
	// exponent (INT_MAX / 2).
	maxNumericExponent = 1<<30 - 1
)

// storableNumbers refuses a JSON number numeric cannot hold.
func storableNumbers(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or invalid JSON, which json.Valid reports
		}
		if n, ok := tok.(json.Number); ok && !numericFits(string(n)) {
			return fmt.Errorf("number %.40s is beyond what PostgreSQL stores", n)
		}
	}
}

// numericFits reports whether a JSON number's digits, once its exponent is
// applied, fit numeric's weight and scale.
func numericFits(n string) bool {
	mantissa, exp, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(n, "-")), "e")
	e := 0
	if exp != "" {
		v, err := strconv.Atoi(exp)
		if err != nil || v >= maxNumericExponent || v <= -maxNumericExponent {
			return false // PostgreSQL refuses such exponents even on 0
		}
		e = v
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	if len(frac)-e > maxNumericScale {
		return false
	}
	digits := intPart + frac
	first := strings.IndexFunc(digits, func(r rune) bool { return r != '0' })
	return first < 0 || len(intPart)-first+e <= maxNumericWeight
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(v), err == nil
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
