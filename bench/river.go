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

// River's modes, as bench/river names them: the same shapes the pipeline
// runs with RunPipeline (chains, io) and RunBurndown.
const (
	RiverChains   = "chains"
	RiverIO       = "io"
	RiverBurndown = "burndown"
)

// RiverOptions say what River runs.
type RiverOptions struct {
	// Binary is the built bench/river command.
	Binary      string
	DatabaseURL string
	// Mode is RiverChains, RiverIO or RiverBurndown.
	Mode string
	// Jobs are chains of Steps steps in RiverChains mode, one-step jobs
	// otherwise.
	Jobs, Steps int
	// Sleep is each job's work in RiverIO mode.
	Sleep      time.Duration
	Submitters int
	// Workers is River's MaxWorkers for the queue.
	Workers int
	// FetchCooldown is River's least time between fetches; zero is
	// River's default (100ms).
	FetchCooldown time.Duration
	PoolSize      int
	Timeout       time.Duration
}

// RiverResult is what River measured.
type RiverResult struct {
	// Steps counts the steps (jobs, outside chains) done over the measured
	// time: from the first insert, or in burn-down from the client's start,
	// to the last completion.
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
	defer scratch.dropLogged(logger)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Binary,
		"--database-url", scratch.URL,
		"--mode", opts.Mode,
		"--jobs", strconv.Itoa(opts.Jobs),
		"--steps", strconv.Itoa(opts.Steps),
		"--sleep", opts.Sleep.String(),
		"--submitters", strconv.Itoa(opts.Submitters),
		"--workers", strconv.Itoa(opts.Workers),
		"--fetch-cooldown", opts.FetchCooldown.String(),
		"--pool-size", strconv.Itoa(opts.PoolSize),
		"--timeout", opts.Timeout.String())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return RiverResult{}, fmt.Errorf("%s --mode %s: %w\n%s", opts.Binary, opts.Mode, err, stderr.Bytes())
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
