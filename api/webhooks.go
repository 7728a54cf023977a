package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/message"
)

// Limits on a webhook subscription.
const (
	minSecretLen = 16
	maxSecretLen = 256
	maxURLLen    = 2048
)

// eventTypes are the job events a webhook can subscribe to.
var eventTypes = []string{
	message.EventJobCreated,
	message.EventStepDone,
	message.EventJobDone,
	message.EventJobFailed,
	message.EventJobStopped,
}

var queries = db.New()

// subscribeRequest is the body of POST /webhooks.
type subscribeRequest struct {
	URL string `json:"url"`
	// Secret keys the HMAC signature of each delivery.
	Secret string `json:"secret"`
	// EventTypes filters the events delivered; empty means all.
	EventTypes []string `json:"event_types"`
}

// subscription is the response of POST /webhooks; the secret is never
// echoed.
type subscription struct {
	ID         uuid.UUID `json:"id"`
	URL        string    `json:"url"`
	EventTypes []string  `json:"event_types"`
	CreatedAt  time.Time `json:"created_at"`
}

// subscribeWebhook subscribes a URL to job events: 201 for a new
// subscription, 200 when the URL was subscribed before (its event types are
// replaced; its secret is kept).
func (s *server) subscribeWebhook(w http.ResponseWriter, r *http.Request) error {
	var req subscribeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := req.validate(s.Outbound); err != nil {
		return err
	}
	if req.EventTypes == nil {
		req.EventTypes = []string{}
	}
	row, err := queries.WebhookSubscribe(r.Context(), s.Pool, db.WebhookSubscribeParams{
		Url:        req.URL,
		Secret:     req.Secret,
		EventTypes: req.EventTypes,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if row.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, subscription{ID: row.ID, URL: row.Url, EventTypes: row.EventTypes, CreatedAt: row.CreatedAt})
	return nil
}

func (req subscribeRequest) validate(policy outbound.Policy) error {
	if len(req.URL) > maxURLLen {
		return badRequest("url is longer than %d bytes", maxURLLen)
	}
	if err := policy.ValidateURL(req.URL); err != nil {
		return badRequest("url: %v", err)
	}
	if len(req.Secret) < minSecretLen || len(req.Secret) > maxSecretLen {
		return badRequest("secret must be %d to %d bytes", minSecretLen, maxSecretLen)
	}
	for _, t := range req.EventTypes {
		if !slices.Contains(eventTypes, t) {
			return badRequest("unknown event type %q (known: %v)", t, eventTypes)
		}
	}
	return nil
}
