package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/scenarios"
	"github.com/lockstep-dev/lockstep/schema"
)

func runRace(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("race", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: lockstep race [flags]

Runs the race scenarios of docs/scenarios.md on a fresh database (created on the
server of --database-url and dropped afterwards) and RabbitMQ: each
scenario's naive port, then its safe version, with the same concurrent
workers. Prints a table of anomalies; exits non-zero when a safe variant
shows any.

flags:
`)
		fs.PrintDefaults()
	}
	dbURL := databaseFlag(fs)
	amqpURL := fs.String("amqp-url", scenarios.AMQPURL(), "RabbitMQ URL (env AMQP_URL)")
	name := fs.String("scenario", "", "run only this scenario (S0, S1, S2, S3, S3-likes, ...; S3 selects every S3 case)")
	workers := fs.Int("workers", scenarios.DefaultWorkers, "concurrent workers per variant")
	ops := fs.Int("ops", scenarios.DefaultOps, "operations per variant")
	think := fs.Duration("think", scenarios.DefaultThink, "naive ports' pause between read and write, standing for a request's work (0: none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	selected, err := scenarios.Select(*name)
	if err != nil {
		return err
	}
	suffix := randomHex(4)
	pool, drop, err := createRaceDatabase(ctx, *dbURL, "lockstep_race_"+suffix, *workers)
	if err != nil {
		return err
	}
	defer drop()

	env := scenarios.Env{Pool: pool, AMQPURL: *amqpURL, Prefix: "lockstep_race_" + suffix}
	opts := scenarios.Options{Workers: *workers, Ops: *ops, Think: *think}
	if isTerminal(os.Stderr) {
		opts.OnProgress = printProgress
	}
	results, err := scenarios.Run(ctx, env, opts, selected)
	if opts.OnProgress != nil {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if err != nil {
		return err
	}
	fmt.Printf("lockstep race --workers %d --ops %d (think %s)\n\n", *workers, *ops, *think)
	if err := scenarios.WriteTable(os.Stdout, results); err != nil {
		return err
	}
	for _, r := range results {
		if r.Variant == scenarios.Naive && r.Anomalies == 0 {
			slog.Warn("naive variant showed no anomaly; raise --workers, --ops or --think", "scenario", r.Scenario)
		}
	}
	if bad := scenarios.SafeAnomalies(results); len(bad) > 0 {
		return fmt.Errorf("%d safe variants showed anomalies", len(bad))
	}
	return nil
}

// isTerminal reports whether f is a terminal, where a progress line that
// rewrites itself makes sense.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// printProgress rewrites the progress line on stderr.
func printProgress(p scenarios.Progress) {
	fmt.Fprintf(os.Stderr, "\r\033[K%s %s: %d/%d operations", p.Scenario, p.Variant, p.Done, p.Total)
}

// createRaceDatabase creates and migrates a database named name on the
// server of url and returns a pool on it and a function that closes the pool
// and drops the database.
func createRaceDatabase(ctx context.Context, url, name string, workers int) (*pgxpool.Pool, func(), error) {
	admin, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid database URL: %w", err)
	}
	// The maintenance database exists on every server, the URL's may not yet.
	admin.Database = "postgres"
	adminExec := func(ctx context.Context, sql string) error {
		conn, err := pgx.ConnectConfig(ctx, admin)
		if err != nil {
			return fmt.Errorf("connect to PostgreSQL at %s:%d: %w", admin.Host, admin.Port, err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
		return nil
	}
	if err := adminExec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	drop := func() {
		// The run's context may be cancelled by now; the drop must still run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			slog.Error("drop race database", "database", name, "err", err)
		}
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("invalid database URL: %w", err)
	}
	cfg.ConnConfig.Database = name
	// Every worker holds a connection, plus room for consumers and relays.
	cfg.MaxConns = int32(max(workers+8, int(cfg.MaxConns)))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("connect to race database: %w", err)
	}
	if _, err := schema.Migrate(ctx, pool); err != nil {
		pool.Close()
		drop()
		return nil, nil, err
	}
	return pool, func() { pool.Close(); drop() }, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error (crypto/rand docs)
	return hex.EncodeToString(b)
}
