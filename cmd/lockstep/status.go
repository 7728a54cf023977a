package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/lockstep-dev/lockstep/jobs"
)

func runStatus(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "status <job-id> [--json]", "Show a job's state, its tasks with their timings, and its events.")
	dbURL := databaseFlag(fs)
	asJSON := fs.Bool("json", false, "print the full report as JSON")
	id, err := parseWithJobID(fs, args)
	if err != nil {
		return err
	}
	pool, err := openPool(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	report, err := jobs.Status(ctx, pool, id)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	return printReport(os.Stdout, report)
}

// printReport writes the report as a header line and a table of tasks.
func printReport(w io.Writer, r jobs.Report) error {
	job := r.Job
	fmt.Fprintf(w, "job     %s\nstatus  %s (%d/%d steps done)\ncreated %s\n",
		job.ID, job.Status, job.StepsDone, job.StepsTotal, job.CreatedAt.Format(time.RFC3339Nano))
	if job.FinishedAt != nil {
		fmt.Fprintf(w, "took    %s\n", roundDuration(job.FinishedAt.Sub(job.CreatedAt)))
	}
	if job.Error != "" {
		fmt.Fprintf(w, "error   %s\n", job.Error)
	}
	if len(job.Output) > 0 {
		fmt.Fprintf(w, "output  %s\n", job.Output)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// QUEUED and FINISHED count from the job's creation; WAITED is queued to
	// the last attempt's claim, RAN that attempt's claim to its record (the
	// handler's own run time, plus milliseconds of bookkeeping).
	fmt.Fprintln(tw, "STEP\tHANDLER\tSTATUS\tATTEMPTS\tQUEUED\tWAITED\tRAN\tFINISHED\tERROR")
	for _, t := range r.Tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", t.ExecutionOrder, t.Handler, t.Status, t.Attempts,
			span(&job.CreatedAt, t.QueuedAt), span(t.QueuedAt, t.StartedAt), span(t.StartedAt, t.FinishedAt),
			span(&job.CreatedAt, t.FinishedAt), t.Error)
	}
	fmt.Fprintf(tw, "\nEVENT\tAT\n")
	for _, e := range r.Events {
		fmt.Fprintf(tw, "%s\t%s\n", e.Type, e.CreatedAt.Format(time.RFC3339Nano))
	}
	return tw.Flush()
}

// span is the time between two timestamps, or "-" while one is unset.
func span(from, to *time.Time) string {
	if from == nil || to == nil {
		return "-"
	}
	return roundDuration(to.Sub(*from)).String()
}

// roundDuration keeps three significant digits or so: 1.23ms, 45.6ms, 2.35s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < time.Second:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Millisecond)
	}
}
