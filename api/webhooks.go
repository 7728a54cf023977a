package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/webhook"
)

// Limits on a webhook subscription.
const maxURLLen = 2048

// RotationOverlap is how long a rotated-out secret keeps signing deliveries
// beside the new one, so receivers can switch without missing any.
const RotationOverlap = 24 * time.Hour

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
	// Secret signs each delivery (a "whsec_" secret); empty means the
	// server makes one and returns it.
	Secret string `json:"secret"`
	// EventTypes filters the events delivered; empty means all.
	EventTypes []string `json:"event_types"`
}

// subscription is a subscription as the API shows it. The secret is shown
// only when it was just made (a new subscription, a rotation).
type subscription struct {
	ID         uuid.UUID `json:"id"`
	URL        string    `json:"url"`
	EventTypes []string  `json:"event_types"`
	CreatedAt  time.Time `json:"created_at"`
	Secret     string    `json:"secret,omitempty"`
	// PreviousSecretUntil is when a rotated-out secret stops signing.
	PreviousSecretUntil *time.Time `json:"previous_secret_until,omitempty"`
}

func subscriptionOf(row db.WebhookSubscription) subscription {
	return subscription{ID: row.ID, URL: row.Url, EventTypes: row.EventTypes, CreatedAt: row.CreatedAt, PreviousSecretUntil: row.PreviousUntil}
}

// subscribeWebhook subscribes a URL to job events for the request's token:
// 201 for a new subscription (with its secret), 200 when the token
// subscribed the URL before (its event types are replaced, its secret
// kept), 409 when another token owns the URL.
func (s *server) subscribeWebhook(w http.ResponseWriter, r *http.Request) error {
	var req subscribeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.validateSubscription(req); err != nil {
		return err
	}
	if req.EventTypes == nil {
		req.EventTypes = []string{}
	}
	secret := req.Secret
	if secret == "" {
		secret = webhook.NewSecret()
	}
	row, err := queries.WebhookSubscribe(r.Context(), s.Pool, db.WebhookSubscribeParams{
		Url:        req.URL,
		Secret:     secret,
		EventTypes: req.EventTypes,
		TokenID:    uuid.NullUUID{UUID: tokenOf(r).ID, Valid: true},
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return &requestError{status: http.StatusConflict, message: "url is subscribed by another token"}
	}
	if err != nil {
		return err
	}
	sub := subscriptionOf(db.WebhookSubscription{ID: row.ID, Url: row.Url, EventTypes: row.EventTypes, CreatedAt: row.CreatedAt, PreviousUntil: row.PreviousUntil})
	status := http.StatusOK
	if row.Created {
		status, sub.Secret = http.StatusCreated, row.Secret
	}
	writeJSON(w, status, sub)
	return nil
}

func (s *server) validateSubscription(req subscribeRequest) error {
	if len(req.URL) > maxURLLen {
		return badRequest("url is longer than %d bytes", maxURLLen)
	}
	if err := s.Outbound.ValidateURL(req.URL); err != nil {
		return badRequest("url: %v", err)
	}
	if req.Secret != "" {
		if err := webhook.ValidSecret(req.Secret); err != nil {
			return badRequest("secret: %v (leave it out to get one)", err)
		}
	}
	for _, t := range req.EventTypes {
		if !slices.Contains(eventTypes, t) {
			return badRequest("unknown event type %q (known: %v)", t, eventTypes)
		}
	}
	return nil
}

// listWebhooks lists the request's token's subscriptions, without secrets.
func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	rows, err := queries.WebhookListByToken(r.Context(), s.Pool, uuid.NullUUID{UUID: tokenOf(r).ID, Valid: true})
	if err != nil {
		return err
	}
	subs := make([]subscription, len(rows))
	for i, row := range rows {
		subs[i] = subscriptionOf(row)
	}
	writeJSON(w, http.StatusOK, map[string][]subscription{"webhooks": subs})
	return nil
}

// deleteWebhook deletes one of the token's subscriptions; another token's
// is as unknown as a missing one (404).
func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	n, err := queries.WebhookDelete(r.Context(), s.Pool, db.WebhookDeleteParams{ID: id, TokenID: uuid.NullUUID{UUID: tokenOf(r).ID, Valid: true}})
	if err != nil {
		return err
	}
	if n == 0 {
		return &requestError{status: http.StatusNotFound, message: "webhook not found"}
	}
	writeJSON(w, http.StatusOK, map[string]uuid.UUID{"deleted": id})
	return nil
}

// rotateRequest is the optional body of POST /webhooks/{id}/rotate.
type rotateRequest struct {
	Secret string `json:"secret"`
}

// rotateWebhook gives one of the token's subscriptions a new secret and
// returns it; the old one signs too for RotationOverlap.
func (s *server) rotateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := webhookID(r)
	if err != nil {
		return err
	}
	var req rotateRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if req.Secret == "" {
		req.Secret = webhook.NewSecret()
	} else if err := webhook.ValidSecret(req.Secret); err != nil {
		return badRequest("secret: %v", err)
	}
	row, err := queries.WebhookRotateSecret(r.Context(), s.Pool, db.WebhookRotateSecretParams{
		Secret: req.Secret, OverlapSeconds: RotationOverlap.Seconds(), ID: id, TokenID: uuid.NullUUID{UUID: tokenOf(r).ID, Valid: true},
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return &requestError{status: http.StatusNotFound, message: "webhook not found"}
	}
	if err != nil {
		return err
	}
	sub := subscriptionOf(row)
	sub.Secret = row.Secret
	writeJSON(w, http.StatusOK, sub)
	return nil
}

func webhookID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, badRequest("webhook id %q is not a UUID", r.PathValue("id"))
	}
	return id, nil
}
