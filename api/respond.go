package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/lockstep-dev/lockstep/jobs"
)

// errorBody is the body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

// requestError is a client mistake answered with its status and message.
type requestError struct {
	status  int
	message string
}

func (e *requestError) Error() string { return e.message }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// writeError maps err to a status: client mistakes and the jobs package's
// sentinel errors keep their message; anything else is logged and
// answered with a generic 500 so internals do not leak.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var reqErr *requestError
	switch {
	case errors.As(err, &reqErr):
		writeJSON(w, reqErr.status, errorBody{Error: reqErr.message})
	case errors.Is(err, jobs.ErrInvalid):
		writeJSON(w, http.StatusBadRequest, errorBody{Error: err.Error()})
	case errors.Is(err, jobs.ErrNotFound):
		writeJSON(w, http.StatusNotFound, errorBody{Error: jobs.ErrNotFound.Error()})
	case errors.Is(err, jobs.ErrKeyReused):
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{Error: jobs.ErrKeyReused.Error()})
	case errors.Is(err, jobs.ErrEnded):
		writeJSON(w, http.StatusConflict, errorBody{Error: err.Error()})
	default:
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		slog.Debug("write response", "err", err) // the client went away
	}
}

// decodeJSON reads exactly one JSON object into v from a body of at most
// MaxBodyBytes, rejecting unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return &requestError{status: http.StatusUnsupportedMediaType, message: "Content-Type must be application/json"}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("body must hold a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return &requestError{status: http.StatusRequestEntityTooLarge, message: fmt.Sprintf("body is larger than %d bytes", tooBig.Limit)}
	case errors.Is(err, io.EOF):
		return badRequest("body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntax):
		return badRequest("body is not valid JSON")
	case errors.As(err, &typ):
		return badRequest("field %q must be %s", typ.Field, typ.Type)
	default:
		// json reports unknown fields with an error of its own text only.
		return badRequest("invalid body: %v", err)
	}
}
