package main

import (
	"context"
	"flag"
	"log/slog"

	"github.com/lockstep-dev/lockstep/schema"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "migrate", "Apply every pending database migration.")
	dbURL := databaseFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	pool, err := openPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	applied, err := schema.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	slog.Info("migrations applied", "versions", applied)
	return nil
}
