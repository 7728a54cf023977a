package consumers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lockstep-dev/lockstep/db"
)

// MaintenanceOptions tune the maintenance role; zero durations take the
// defaults, except EventRetention, where zero keeps events for ever.
type MaintenanceOptions struct {
	// Interval is how often the tables are pruned.
	Interval time.Duration
	// OutboxRetention is how long a published outbox row is kept.
	OutboxRetention time.Duration
	// InboxRetention is the inbox's deduplication window: a message
	// redelivered later than this is applied again, which changes nothing
	// (every transition is a compare-and-set, and a result whose next step
	// has moved on is recognised as applied).
	InboxRetention time.Duration
	// EventRetention, when set, prunes the events (and webhook deliveries)
	// of jobs that finished longer ago.
	EventRetention time.Duration
	// BatchSize bounds the rows one statement deletes, so pruning never
	// holds many locks or one long transaction.
	BatchSize int
}

// Maintenance defaults.
const (
	DefaultMaintenanceInterval = time.Minute
	DefaultOutboxRetention     = 24 * time.Hour
	DefaultInboxRetention      = 7 * 24 * time.Hour
	DefaultPruneBatch          = 1000
)

// Maintenance prunes the tables that grow with traffic (outbox, inbox, and
// optionally events and deliveries) in bounded batches, oldest first. Any
// number may run; they delete disjoint rows or nothing.
type Maintenance struct {
	lifecycle
	cfg  Config
	opts MaintenanceOptions
}

// NewMaintenance validates cfg and returns the role ready to Run.
func NewMaintenance(cfg Config, opts MaintenanceOptions) (*Maintenance, error) {
	if cfg.Pool == nil {
		return nil, fmt.Errorf("consumers: Config.Pool is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	orDefault(&opts.Interval, DefaultMaintenanceInterval)
	orDefault(&opts.OutboxRetention, DefaultOutboxRetention)
	orDefault(&opts.InboxRetention, DefaultInboxRetention)
	orDefault(&opts.BatchSize, DefaultPruneBatch)
	return &Maintenance{cfg: cfg, opts: opts}, nil
}

// Run prunes at once and then every Interval until ctx ends or Close is
// called.
func (m *Maintenance) Run(ctx context.Context) error {
	ctx, end, err := m.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	m.prune(ctx)
	repeat(ctx, m.opts.Interval, m.prune)
	return nil
}

// prune runs every pruning statement until it deletes less than a batch.
func (m *Maintenance) prune(ctx context.Context) {
	batch := int32(m.opts.BatchSize)
	type prune struct {
		table string
		run   func() (int64, error)
	}
	prunes := []prune{
		{"outbox", func() (int64, error) {
			return queries.OutboxPrune(ctx, m.cfg.Pool, db.OutboxPruneParams{RetentionSeconds: m.opts.OutboxRetention.Seconds(), BatchSize: batch})
		}},
		{"inbox", func() (int64, error) {
			return queries.InboxPrune(ctx, m.cfg.Pool, db.InboxPruneParams{RetentionSeconds: m.opts.InboxRetention.Seconds(), BatchSize: batch})
		}},
	}
	if m.opts.EventRetention > 0 {
		prunes = append(prunes, prune{"events", func() (int64, error) {
			return queries.EventPruneFinished(ctx, m.cfg.Pool, db.EventPruneFinishedParams{RetentionSeconds: m.opts.EventRetention.Seconds(), BatchSize: batch})
		}})
	}
	for _, p := range prunes {
		var total int64
		for ctx.Err() == nil {
			n, err := p.run()
			if err != nil {
				m.cfg.Logger.Warn("pruning failed; retrying at the next interval", "table", p.table, "err", err)
				break
			}
			total += n
			if n < int64(batch) {
				break
			}
		}
		if total > 0 {
			m.cfg.Logger.Info("pruned", "table", p.table, "rows", total)
		}
	}
}
