// Package bench measures the pipeline against the database it runs on:
// the server's own commit rate for one small UPDATE per transaction, the
// pipeline's steps/s, and (through bench/river, a separate module) River's
// chained jobs, all on the same machine in one run, so ratios hold even
// when the machine's absolute speed does not.
//
// Every run works in scratch databases and a scratch RabbitMQ topology that
// it creates and drops, so nothing is left behind.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Scratch is a database created for one measurement.
type Scratch struct {
	Name string
	// URL reaches the scratch database with the credentials of the server
	// URL it was created from.
	URL   string
	admin *pgx.ConnConfig
}

// NewScratch creates an empty database named prefix plus a random suffix
// on the server of serverURL.
func NewScratch(ctx context.Context, serverURL, prefix string) (*Scratch, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, fmt.Errorf("database URL %q is not a postgres:// URL", serverURL)
	}
	admin, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return nil, fmt.Errorf("invalid database URL: %w", err)
	}
	// The maintenance database exists on every server, the URL's may not.
	admin.Database = "postgres"
	s := &Scratch{Name: prefix + "_" + RandomSuffix(), admin: admin}
	if err := s.adminExec(ctx, "CREATE DATABASE "+s.Name); err != nil {
		return nil, err
	}
	u.Path = "/" + s.Name
	s.URL = u.String()
	return s, nil
}

// Pool opens a pool of at most maxConns connections on the scratch
// database; tracer, when not nil, sees every statement.
func (s *Scratch) Pool(ctx context.Context, maxConns int, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(s.URL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(maxConns)
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.Name, err)
	}
	return pool, nil
}

// Drop drops the scratch database, closing any connection still open.
func (s *Scratch) Drop() error {
	// The run's context may be cancelled by now; the drop must still run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return s.adminExec(ctx, "DROP DATABASE IF EXISTS "+s.Name+" WITH (FORCE)")
}

// dropLogged drops the scratch database and logs a failure: deferred,
// it has no caller to return the error to.
func (s *Scratch) dropLogged(logger *slog.Logger) {
	if err := s.Drop(); err != nil {
		logger.Error("drop scratch database", "database", s.Name, "err", err)
	}
}

func (s *Scratch) adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.ConnectConfig(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL at %s:%d: %w", s.admin.Host, s.admin.Port, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// RandomSuffix returns 8 random hex digits for scratch names.
func RandomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b) // never returns an error (crypto/rand docs)
	return hex.EncodeToString(b)
}
