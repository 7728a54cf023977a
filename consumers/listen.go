package consumers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// outboxChannel is the NOTIFY channel of the outbox's insert trigger
// (schema/0003_outbox_notify.sql), signalled when a writer commits.
const outboxChannel = "lockstep_outbox"

// listenOutbox signals wake whenever an outbox write commits, reconnecting
// its dedicated connection after errors. wake is buffered (1) and written
// without blocking: one pending wake-up covers any number of commits.
func listenOutbox(ctx context.Context, cfg Config, wake chan<- struct{}) {
	backoff := cfg.ReconnectBackoff
	for ctx.Err() == nil {
		err := listenOnce(ctx, cfg, wake)
		if ctx.Err() != nil {
			return
		}
		cfg.Logger.Warn("outbox listener failed, relying on polling until it reconnects", "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(2*backoff, cfg.MaxReconnectBackoff)
	}
}

func listenOnce(ctx context.Context, cfg Config, wake chan<- struct{}) error {
	// A dedicated connection: LISTEN is session state that must not leak
	// into the pool.
	conn, err := pgx.ConnectConfig(ctx, cfg.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect listener: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+outboxChannel); err != nil {
		return fmt.Errorf("listen %s: %w", outboxChannel, err)
	}
	signal(wake) // rows committed while nobody listened
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		signal(wake)
	}
}

func signal(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}
