package api

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/jobs"
)

// IdempotencyKeyHeader names the header that makes POST /jobs retry-safe.
const IdempotencyKeyHeader = "Idempotency-Key"

// submitRequest is the body of POST /jobs.
type submitRequest struct {
	Steps []jobs.Step     `json:"steps"`
	Input json.RawMessage `json:"input"`
}

// submitJob creates a job: 201 with the job, or 200 with the job a previous
// request with the same Idempotency-Key created.
func (s *server) submitJob(w http.ResponseWriter, r *http.Request) error {
	var req submitRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	spec := jobs.Spec{Steps: req.Steps, Input: req.Input, IdempotencyKey: r.Header.Get(IdempotencyKeyHeader)}
	if err := spec.Validate(s.CheckStep); err != nil {
		return err
	}
	job, created, err := jobs.Submit(r.Context(), s.Pool, s.Topology, spec)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/jobs/"+job.ID.String())
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, job)
	return nil
}

// getJob answers the job with its tasks, their timings and its events.
func (s *server) getJob(w http.ResponseWriter, r *http.Request) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	report, err := jobs.Status(r.Context(), s.Pool, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, report)
	return nil
}

// stopJob stops a pending or running job; 409 when it already ended.
func (s *server) stopJob(w http.ResponseWriter, r *http.Request) error {
	id, err := jobID(r)
	if err != nil {
		return err
	}
	job, err := jobs.Stop(r.Context(), s.Pool, s.Topology, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, job)
	return nil
}

func jobID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, badRequest("job id %q is not a UUID", r.PathValue("id"))
	}
	return id, nil
}
