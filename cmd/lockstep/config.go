package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/message"
)

const defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/lockstep?sslmode=disable"

// envOr returns the environment variable key, or def when it is unset.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// databaseFlag registers --database-url, defaulting to DATABASE_URL.
func databaseFlag(fs *flag.FlagSet) *string {
	return fs.String("database-url", envOr("DATABASE_URL", defaultDatabaseURL), "PostgreSQL URL (env DATABASE_URL)")
}

// openPool connects to PostgreSQL and checks the connection, so a wrong URL
// fails at start with a clear error.
func openPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	return openPoolOf(ctx, url, 0)
}

// openPoolOf is openPool with at most maxConns connections, unless the URL
// sets pool_max_conns itself; 0 keeps pgxpool's default.
func openPoolOf(ctx context.Context, url string, maxConns int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("invalid database URL: %w", err)
	}
	if maxConns > 0 && !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(maxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, nil
}

const defaultAMQPURL = "amqp://guest:guest@127.0.0.1:5672/"

// amqpFlag registers --amqp-url, defaulting to AMQP_URL.
func amqpFlag(fs *flag.FlagSet) *string {
	return fs.String("amqp-url", envOr("AMQP_URL", defaultAMQPURL), "RabbitMQ URL (env AMQP_URL)")
}

// prefixFlag registers --prefix, the topology's name prefix.
func prefixFlag(fs *flag.FlagSet) *string {
	return fs.String("prefix", envOr("LOCKSTEP_PREFIX", message.DefaultPrefix), "prefix of the RabbitMQ exchanges and queues (env LOCKSTEP_PREFIX)")
}

// validateAMQPURL fails at start on a URL the broker client cannot use.
func validateAMQPURL(url string) error {
	if _, err := amqp.ParseURI(url); err != nil {
		return fmt.Errorf("invalid AMQP URL: %w", err)
	}
	return nil
}

// parseWithJobID parses fs from args holding one job id, accepting flags
// before and after it (`status <id> --json`).
func parseWithJobID(fs *flag.FlagSet, args []string) (uuid.UUID, error) {
	if err := fs.Parse(args); err != nil {
		return uuid.Nil, err
	}
	if fs.NArg() == 0 {
		return uuid.Nil, fmt.Errorf("missing job id (usage: lockstep %s <job-id>)", fs.Name())
	}
	raw := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return uuid.Nil, err
	}
	if fs.NArg() > 0 {
		return uuid.Nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.Nil, fmt.Errorf("job id %q is not a UUID", raw)
	}
	return id, nil
}
