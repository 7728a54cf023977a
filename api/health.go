package api

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout bounds each dependency check, so a hung dependency makes
// /healthz fail rather than hang.
const healthTimeout = 2 * time.Second

// healthBody reports each dependency as "ok" or its error.
type healthBody struct {
	Status   string `json:"status"`
	Postgres string `json:"postgres"`
	RabbitMQ string `json:"rabbitmq,omitempty"`
}

// health answers 200 when PostgreSQL (and the broker, when a check was
// given) answer, 503 otherwise.
func (s *server) health(w http.ResponseWriter, r *http.Request) error {
	body := healthBody{Status: "ok", Postgres: check(r.Context(), s.Pool.Ping)}
	if s.BrokerHealth != nil {
		body.RabbitMQ = check(r.Context(), s.BrokerHealth)
	}
	status := http.StatusOK
	if body.Postgres != "ok" || (body.RabbitMQ != "" && body.RabbitMQ != "ok") {
		body.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, status, body)
	return nil
}

func check(ctx context.Context, ping func(context.Context) error) string {
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	if err := ping(ctx); err != nil {
		return err.Error()
	}
	return "ok"
}
