package consumers

import (
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/message"
)

// Config is what every role needs. Zero numeric fields take the defaults
// below; Pool, AMQPURL and Topology are required.
type Config struct {
	Pool     *pgxpool.Pool
	AMQPURL  string
	Topology message.Topology
	// Quorum declares the work queues as quorum queues (for a RabbitMQ
	// cluster). Existing queues keep their type: RabbitMQ refuses to
	// redeclare a queue with other arguments.
	Quorum bool
	// Prefetch is the Qos prefetch count of each consumer channel.
	Prefetch int
	// Workers is the number of consumer goroutines per role, each with its
	// own channel.
	Workers int
	// MaxBatch bounds how many already-delivered messages share one
	// transaction and one multiple-ack.
	MaxBatch int
	// BatchLinger is how long a consumer waits for more deliveries to join
	// a batch once it has one.
	BatchLinger time.Duration
	// MaxBodyBytes bounds a message body; larger ones are dead-lettered.
	MaxBodyBytes int
	// ReconnectBackoff is the first pause before redialling the broker; it
	// doubles up to MaxReconnectBackoff.
	ReconnectBackoff    time.Duration
	MaxReconnectBackoff time.Duration
	// Outbound says which addresses webhook deliveries and the http
	// handler may reach; the zero value refuses every inward address
	// (loopback, private, link-local, ...).
	Outbound outbound.Policy
	// ShutdownTimeout bounds how long a role takes to stop once its context
	// ends or Close is called: work still running at the deadline is
	// abandoned to redelivery or to the lease rescue.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	// Metrics receives the counters; nil records into unregistered ones.
	Metrics *Metrics
}

// Defaults for zero Config fields.
const (
	DefaultPrefetch            = 64
	DefaultWorkers             = 2
	DefaultMaxBatch            = 32
	DefaultBatchLinger         = time.Millisecond
	DefaultMaxBodyBytes        = 64 << 10
	DefaultReconnectBackoff    = 100 * time.Millisecond
	DefaultMaxReconnectBackoff = 10 * time.Second
	DefaultShutdownTimeout     = 15 * time.Second
)

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("consumers: Config.Pool is required"))
	}
	if c.AMQPURL == "" {
		errs = append(errs, errors.New("consumers: Config.AMQPURL is required"))
	}
	if c.Topology.Exchange == "" {
		errs = append(errs, errors.New("consumers: Config.Topology is required (message.NewTopology)"))
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	if c.Prefetch <= 0 {
		c.Prefetch = DefaultPrefetch
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	if c.MaxBatch > c.Prefetch {
		c.MaxBatch = c.Prefetch
	}
	if c.BatchLinger <= 0 {
		c.BatchLinger = DefaultBatchLinger
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ReconnectBackoff <= 0 {
		c.ReconnectBackoff = DefaultReconnectBackoff
	}
	if c.MaxReconnectBackoff <= 0 {
		c.MaxReconnectBackoff = DefaultMaxReconnectBackoff
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
	return c, nil
}
