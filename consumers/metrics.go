package consumers

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus series. Create one set per process
// with NewMetrics and share it between the roles.
type Metrics struct {
	Consumed     *prometheus.CounterVec
	Acked        *prometheus.CounterVec
	DeadLettered *prometheus.CounterVec
	Requeued     *prometheus.CounterVec
	Published    prometheus.Counter
	Deferred     prometheus.Counter
	OutboxLag    prometheus.Gauge
	OutboxAge    prometheus.Gauge
	StepLatency  *prometheus.HistogramVec
	StepRun      *prometheus.HistogramVec

	WebhookAttempts     *prometheus.CounterVec
	WebhookSending      prometheus.Gauge
	WebhookPending      prometheus.Gauge
	WebhookFailed       prometheus.Gauge
	WebhookOpenBreakers prometheus.Gauge
}

// NewMetrics creates the series and registers them on reg; a nil reg leaves
// them unregistered. It panics when reg already holds them, as
// prometheus.MustRegister does.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lockstep_messages_consumed_total",
			Help: "Messages received by a consumer.",
		}, []string{"consumer"}),
		Acked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lockstep_messages_acked_total",
			Help: "Messages acknowledged after their transaction committed (dead-lettered ones included).",
		}, []string{"consumer"}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lockstep_messages_dead_lettered_total",
			Help: "Messages sent to the dead-letter queue.",
		}, []string{"consumer"}),
		Requeued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lockstep_messages_requeued_total",
			Help: "Messages returned to their queue after a processing error.",
		}, []string{"consumer"}),
		Published: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lockstep_outbox_published_total",
			Help: "Outbox messages published and confirmed by the broker.",
		}),
		Deferred: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lockstep_outbox_deferred_total",
			Help: "Outbox messages the broker refused, rescheduled for a later attempt.",
		}),
		OutboxLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lockstep_outbox_pending",
			Help: "Outbox messages not yet published.",
		}),
		OutboxAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lockstep_outbox_oldest_seconds",
			Help: "Age of the oldest unpublished outbox message.",
		}),
		StepLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lockstep_step_seconds",
			Help:    "Time from a task being queued to its attempt finishing, by handler.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"handler"}),
		StepRun: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lockstep_step_run_seconds",
			Help:    "A handler's own run time per attempt, by handler.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"handler"}),
		WebhookAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lockstep_webhook_attempts_total",
			Help: "Webhook delivery attempts recorded, by outcome: delivered, retry (scheduled again), failed (schedule spent), superseded (outlived its lease; another sender took the delivery over).",
		}, []string{"outcome"}),
		WebhookSending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lockstep_webhook_sending",
			Help: "Webhook requests this process has in flight.",
		}),
		WebhookPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lockstep_webhook_pending",
			Help: "Webhook deliveries not yet delivered nor failed, at the deliverer's last sweep.",
		}),
		WebhookFailed: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lockstep_webhook_failed",
			Help: "Webhook deliveries whose retry schedule ran out (lockstep webhooks failed), at the last sweep.",
		}),
		WebhookOpenBreakers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lockstep_webhook_open_breakers",
			Help: "Webhook subscriptions whose circuit breaker is open, at the last sweep.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Consumed, m.Acked, m.DeadLettered, m.Requeued,
			m.Published, m.Deferred, m.OutboxLag, m.OutboxAge, m.StepLatency, m.StepRun,
			m.WebhookAttempts, m.WebhookSending, m.WebhookPending, m.WebhookFailed, m.WebhookOpenBreakers)
	}
	return m
}
