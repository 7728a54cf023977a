package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os/exec"
	"strconv"
	"time"
)

// RiverOptions say how the River chains run.
type RiverOptions struct {
	// Binary is the built bench/river command.
	Binary      string
	DatabaseURL string
	Chains      int
	Steps       int
	Submitters  int
	// Workers is River's MaxWorkers for the queue.
	Workers  int
	PoolSize int
	Timeout  time.Duration
}

// RiverResult is what the River chains measured.
type RiverResult struct {
	// Steps counts the steps done, from the first insert to the commit of
	// the last step.
	Steps     Rate
	Submitted time.Duration
}

// RunRiver runs the bench/river binary on a scratch database and reads
// its result line.
func RunRiver(ctx context.Context, opts RiverOptions, logger *slog.Logger) (RiverResult, error) {
	scratch, err := NewScratch(ctx, opts.DatabaseURL, "lockstep_bench_river")
	if err != nil {
		return RiverResult{}, err
	}
	defer func() {
		if err := scratch.Drop(); err != nil {
			logger.Error("drop scratch database", "database", scratch.Name, "err", err)
		}
	}()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Binary,
		"--database-url", scratch.URL,
		"--chains", strconv.Itoa(opts.Chains),
		"--steps", strconv.Itoa(opts.Steps),
		"--submitters", strconv.Itoa(opts.Submitters),
		"--workers", strconv.Itoa(opts.Workers),
		"--pool-size", strconv.Itoa(opts.PoolSize),
		"--timeout", opts.Timeout.String())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return RiverResult{}, fmt.Errorf("%s: %w\n%s", opts.Binary, err, stderr.Bytes())
	}
	var line struct {
		Steps     int64   `json:"steps"`
		Seconds   float64 `json:"seconds"`
		Submitted float64 `json:"submitted_seconds"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &line); err != nil {
		return RiverResult{}, fmt.Errorf("read %s result %q: %w", opts.Binary, stdout.Bytes(), err)
	}
	return RiverResult{
		Steps:     Rate{Count: line.Steps, Elapsed: seconds(line.Seconds)},
		Submitted: seconds(line.Submitted),
	}, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
