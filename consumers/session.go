package consumers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// errConnectionClosed ends a session whose connection the broker or the
// network closed.
var errConnectionClosed = errors.New("amqp connection closed")

// session is one broker connection's worth of work. It returns when the work
// ends or fails, or when the connection closes (closed is the connection's
// NotifyClose channel, which the session may select on).
type session func(ctx context.Context, conn *amqp.Connection, closed <-chan *amqp.Error) error

// runSessions dials the broker and runs s until ctx ends, redialling with
// exponential backoff whenever the connection or a channel drops.
//
// Why a NotifyClose loop rather than library recovery: amqp091-go has no
// automatic recovery, and after a drop every channel, consumer tag and
// delivery tag is gone anyway. Rebuilding the whole session (connection,
// topology, channels, consumers) from scratch is the one path with no hidden
// state: unacked deliveries go back to their queue and are redelivered, and
// the inbox makes the redelivery harmless. Any channel error ends the whole
// session too, for the same reason.
func runSessions(ctx context.Context, cfg Config, role string, s session) error {
	backoff := cfg.ReconnectBackoff
	for {
		started := time.Now()
		err := runSession(ctx, cfg, role, s)
		if ctx.Err() != nil {
			return nil
		}
		if time.Since(started) > cfg.MaxReconnectBackoff {
			backoff = cfg.ReconnectBackoff // the last session was healthy
		}
		cfg.Logger.Warn("broker session ended, reconnecting", "role", role, "err", err, "in", backoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil
		}
		backoff = min(2*backoff, cfg.MaxReconnectBackoff)
	}
}

func runSession(ctx context.Context, cfg Config, role string, s session) error {
	conn, err := amqp.DialConfig(cfg.AMQPURL, amqp.Config{
		Heartbeat:  10 * time.Second,
		Locale:     "en_US",
		Dial:       amqp.DefaultDial(5 * time.Second), // shutdown never waits long on a dead broker
		Properties: amqp.Table{"connection_name": "lockstep " + role},
	})
	if err != nil {
		return fmt.Errorf("dial broker: %w", err)
	}
	defer conn.Close()
	// Buffered, and drained by the session or after it, so the library never
	// blocks delivering the close notice.
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	defer drainClose(closed)
	return s(ctx, conn, closed)
}

// drainClose empties a NotifyClose channel until the library closes it, so
// the library never blocks on it.
func drainClose(c <-chan *amqp.Error) {
	go func() {
		for range c {
		}
	}()
}

// openChannel opens a channel on conn and puts it in confirm mode, so that
// dead-letter copies and relayed messages are known to be stored before the
// original is acked or the outbox row marked.
func openChannel(conn *amqp.Connection, cfg Config) (*amqp.Channel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open channel: %w", err)
	}
	if err := ch.Confirm(false /* noWait */); err != nil {
		ch.Close()
		return nil, fmt.Errorf("enable publisher confirms: %w", err)
	}
	if err := DeclareTopology(ch, cfg.Topology, cfg.Quorum); err != nil {
		ch.Close()
		return nil, err
	}
	return ch, nil
}

// lifecycle gives a role an idempotent Close that stops a running Run and
// waits for it to finish its in-flight work. Roles embed it.
type lifecycle struct {
	mu     sync.Mutex
	closed bool
	cancel context.CancelFunc
	done   chan struct{}
}

// ErrClosed is returned by Run when Close was called before it.
var ErrClosed = errors.New("consumers: role closed")

// begin derives Run's context, which ends with ctx or with Close; Run calls
// the returned end when it has finished.
func (l *lifecycle) begin(ctx context.Context) (context.Context, func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, nil, ErrClosed
	}
	if l.done != nil {
		return nil, nil, errors.New("consumers: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	l.cancel, l.done = cancel, make(chan struct{})
	return ctx, func() { cancel(); close(l.done) }, nil
}

// Close stops Run, waits until its in-flight messages are settled, and
// returns. It may be called any number of times, before or after Run.
func (l *lifecycle) Close() error {
	l.mu.Lock()
	l.closed = true
	cancel, done := l.cancel, l.done
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}
