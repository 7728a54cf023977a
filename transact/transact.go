// Package transact runs a function in a PostgreSQL transaction and retries
// it when the server aborts the transaction for a reason that a fresh attempt
// can overcome: a serialization failure (40001) or a deadlock (40P01).
package transact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Beginner starts transactions; *pgxpool.Pool and *pgx.Conn are Beginners.
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Options tune Run. The zero value runs at the server's default isolation
// (READ COMMITTED) with DefaultAttempts and DefaultBackoff.
type Options struct {
	Isolation pgx.TxIsoLevel
	// Attempts bounds how often fn runs, the first run included.
	Attempts int
	// Backoff is the mean pause before the second attempt; it doubles after
	// each further failure, up to MaxBackoff, and is jittered so racing
	// retries spread out.
	Backoff time.Duration
}

// Defaults used for zero Options fields.
const (
	DefaultAttempts = 5
	DefaultBackoff  = 5 * time.Millisecond
	// MaxBackoff caps the mean pause, so a long run of conflicts never
	// stalls a caller for seconds.
	MaxBackoff = 200 * time.Millisecond
)

// Run runs fn in a transaction and commits it when fn returns nil. It rolls
// back when fn returns an error or panics. When the transaction fails with a
// retryable error, Run waits and runs fn again in a new transaction, so fn
// must do nothing outside the transaction that it cannot repeat.
func Run(ctx context.Context, db Beginner, opts Options, fn func(pgx.Tx) error) error {
	attempts := opts.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	backoff := opts.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	txOpts := pgx.TxOptions{IsoLevel: opts.Isolation}
	for attempt := 1; ; attempt++ {
		err := pgx.BeginTxFunc(ctx, db, txOpts, fn)
		if err == nil || !Retryable(err) {
			return err
		}
		if attempt == attempts {
			return fmt.Errorf("transaction gave up after %d attempts: %w", attempts, err)
		}
		// Full jitter: a random pause in [0, 2*backoff).
		pause := time.Duration(rand.Int64N(int64(2 * backoff)))
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		}
		backoff = min(2*backoff, MaxBackoff)
	}
}

// Retryable reports whether err means PostgreSQL aborted the transaction in
// a way that a new attempt of the same work can succeed.
func Retryable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "40001", "40P01": // serialization_failure, deadlock_detected
		return true
	}
	return false
}

// Transient reports whether err is a failure of the moment rather than of
// the work: the transaction aborts Retryable covers, a lost, refused or
// terminated connection (SQLSTATE classes 08 and 57P, a network error, a
// closed connection), an overloaded server (class 53) or a timeout. Work
// that failed transiently is retried later, never treated as poison.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	if Retryable(err) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code := pgErr.Code
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") || strings.HasPrefix(code, "57P")
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
