package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

func runStop(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("stop", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "stop <job-id>", "Stop a pending or running job and its unfinished tasks.")
	dbURL := databaseFlag(fs)
	prefix := prefixFlag(fs)
	id, err := parseWithJobID(fs, args)
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	job, err := jobs.Stop(ctx, pool, message.NewTopology(*prefix), id)
	if err != nil {
		return err
	}
	fmt.Printf("job %s stopped after %d of %d steps\n", job.ID, job.StepsDone, job.StepsTotal)
	return nil
}
