package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/lockstep-dev/lockstep/torture"
)

func runTorture(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("torture", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "torture [--duration 3m] [--json] [--broker-restart] [--db-restart]",
		"Run the pipeline as separate processes on a scratch database and vhost, submit jobs while\n"+
			"injecting faults, drain, check every invariant over the whole history and remove the scratch\n"+
			"database, role and vhost. Exits non-zero on any anomaly.")
	dbURL := databaseFlag(fs)
	amqpURL := amqpFlag(fs)
	duration := fs.Duration("duration", 3*time.Minute, "how long jobs are submitted and faults injected")
	asJSON := fs.Bool("json", false, "print a one-line JSON summary as the last line of stdout")
	seed := fs.Uint64("seed", 0, "the fault and load schedule's seed (0: a random one, printed)")
	brokerRestart := fs.Bool("broker-restart", false, "also restart the broker application (rabbitmqctl stop_app/start_app): every user of the broker notices")
	dbRestart := fs.Bool("db-restart", false, "also restart the PostgreSQL cluster (pg_ctlcluster restart): every user of the server notices")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *duration <= 0 {
		return errors.New("--duration must be positive")
	}
	if err := validateAMQPURL(*amqpURL); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	res, err := torture.Run(ctx, torture.Options{
		Binary: self, DatabaseURL: *dbURL, AMQPURL: *amqpURL, Duration: *duration, Seed: *seed,
		BrokerRestart: *brokerRestart, DBRestart: *dbRestart, Out: os.Stdout, Logger: slog.Default(),
	})
	if err != nil {
		return err
	}
	if err := res.PrintTable(os.Stdout); err != nil {
		return err
	}
	if res.LogDir != "" {
		fmt.Printf("the processes' logs are kept in %s\n", res.LogDir)
	}
	if *asJSON {
		fmt.Println(res.JSON())
	}
	if len(res.Anomalies) > 0 {
		return fmt.Errorf("%d anomalies (seed %d)", len(res.Anomalies), res.Seed)
	}
	return nil
}
