package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/jobs"
)

// batchResult is what the demo found once every job was final.
type batchResult struct {
	byStatus  map[db.JobStatus]int
	stepsDone int
	events    int
	// elapsed runs from the first submission to the moment every job was
	// seen final.
	elapsed   time.Duration
	latencies []time.Duration // created to finished, per job
	problems  []string
	// counters are the pipeline's message counters from GET /metrics.
	counters []string
}

// counterPrefixes select the series the summary shows from GET /metrics.
var counterPrefixes = []string{"lockstep_messages_", "lockstep_outbox_published_total"}

// pipelineCounters reads the pipeline's message counters from its /metrics.
func pipelineCounters(ctx context.Context, c apiClient) ([]string, error) {
	resp, err := c.do(ctx, http.MethodGet, "/metrics", nil, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	var counters []string
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		line := lines.Text()
		if slices.ContainsFunc(counterPrefixes, func(p string) bool { return strings.HasPrefix(line, p) }) {
			counters = append(counters, line)
		}
	}
	if err := lines.Err(); err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}
	return counters, nil
}

// checkBatch reads every job's report and checks it is final and
// consistent with its tasks and events.
func checkBatch(ctx context.Context, pool *pgxpool.Pool, ids []uuid.UUID, elapsed time.Duration) (batchResult, error) {
	r := batchResult{byStatus: map[db.JobStatus]int{}, elapsed: elapsed}
	for _, id := range ids {
		report, err := jobs.Status(ctx, pool, id)
		if err != nil {
			return r, err
		}
		job := report.Job
		r.byStatus[job.Status]++
		r.stepsDone += job.StepsDone
		r.events += len(report.Events)
		if job.FinishedAt != nil {
			r.latencies = append(r.latencies, job.FinishedAt.Sub(job.CreatedAt))
		}
		for _, p := range report.Inconsistencies() {
			r.problems = append(r.problems, fmt.Sprintf("job %s: %s", id, p))
		}
	}
	slices.Sort(r.latencies)
	return r, nil
}

// print writes the summary and returns an error when a check failed.
func (r batchResult) print(w io.Writer) error {
	total := 0
	for _, n := range r.byStatus {
		total += n
	}
	fmt.Fprintf(w, "\njobs      %d: %d done, %d failed, %d stopped\n", total,
		r.byStatus[db.JobStatusDone], r.byStatus[db.JobStatusFailed], r.byStatus[db.JobStatusStopped])
	fmt.Fprintf(w, "steps     %d done in %s: %.0f steps/s, %.0f jobs/s\n", r.stepsDone, roundDuration(r.elapsed),
		float64(r.stepsDone)/r.elapsed.Seconds(), float64(total)/r.elapsed.Seconds())
	if len(r.latencies) > 0 {
		fmt.Fprintf(w, "job time  p50 %s, p90 %s, p99 %s, max %s (created to finished)\n",
			roundDuration(percentile(r.latencies, 0.50)), roundDuration(percentile(r.latencies, 0.90)),
			roundDuration(percentile(r.latencies, 0.99)), roundDuration(r.latencies[len(r.latencies)-1]))
	}
	if len(r.counters) > 0 {
		fmt.Fprintf(w, "metrics   %s\n", strings.Join(r.counters, "\n          "))
	}
	if len(r.problems) == 0 {
		fmt.Fprintf(w, "checks    every job and task final and consistent with its events (%d events)\n", r.events)
		return nil
	}
	fmt.Fprintf(w, "checks    %d problems:\n", len(r.problems))
	for i, p := range r.problems {
		if i == 20 {
			fmt.Fprintf(w, "  ... and %d more\n", len(r.problems)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
	return fmt.Errorf("%d consistency problems", len(r.problems))
}

// percentile returns the q-quantile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
