package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/lockstep-dev/lockstep/api"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

func runSubmit(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("submit", flag.ContinueOnError)
	fs.Usage = usageOf(fs, "submit (-f job.json | --steps h1,h2 [--input JSON]) [--api URL]",
		"Submit a job and print its id. The file holds the body of POST /jobs:\n"+
			`{"steps": [{"handler": "uppercase", "params": {}}], "input": {"text": "hi"}}`)
	dbURL := databaseFlag(fs)
	prefix := prefixFlag(fs)
	file := fs.String("f", "", "read the job from this JSON file (- for standard input)")
	steps := fs.String("steps", "", "comma-separated handler names, one step each, without params")
	input := fs.String("input", "", "the job's input as JSON (with --steps)")
	key := fs.String("idempotency-key", "", "submitting again with the same key returns the first job")
	apiURL := fs.String("api", "", "submit through the HTTP API at this base URL instead of the database, with the token in LOCKSTEP_TOKEN")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	spec, err := specFromFlags(*file, *steps, *input)
	if err != nil {
		return err
	}
	if *key != "" {
		spec.IdempotencyKey = *key
	}
	// Checked as serve checks it, with the same outbound allow list.
	policy, err := outbound.ParseAllow(envOr("LOCKSTEP_OUTBOUND_ALLOW", ""))
	if err != nil {
		return err
	}
	if err := spec.Validate(stepChecker(policy)); err != nil {
		return err
	}
	var job jobs.Job
	if *apiURL != "" {
		job, err = submitThroughAPI(ctx, newAPIClient(*apiURL), spec)
	} else {
		job, err = submitToDatabase(ctx, *dbURL, message.NewTopology(*prefix), spec)
	}
	if err != nil {
		return err
	}
	fmt.Println(job.ID)
	return nil
}

// specFromFlags reads the job from a file or builds it from --steps and
// --input; exactly one of file and steps is set.
func specFromFlags(file, steps, input string) (jobs.Spec, error) {
	var spec jobs.Spec
	switch {
	case file != "" && (steps != "" || input != ""):
		return spec, errors.New("-f cannot be combined with --steps or --input")
	case file != "":
		raw, err := readFileOrStdin(file)
		if err != nil {
			return spec, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			return spec, fmt.Errorf("read job from %s: %w", file, err)
		}
	case steps != "":
		for name := range strings.SplitSeq(steps, ",") {
			spec.Steps = append(spec.Steps, jobs.Step{Handler: strings.TrimSpace(name)})
		}
		spec.Input = json.RawMessage(input)
	default:
		return spec, errors.New("give the job with -f FILE or --steps h1,h2 (see --help)")
	}
	return spec, nil
}

func readFileOrStdin(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

func submitToDatabase(ctx context.Context, dbURL string, topo message.Topology, spec jobs.Spec) (jobs.Job, error) {
	pool, err := openPool(ctx, dbURL)
	if err != nil {
		return jobs.Job{}, err
	}
	defer pool.Close()
	job, _, err := jobs.Submit(ctx, pool, topo, spec)
	return job, err
}

// submitThroughAPI posts the spec to POST /jobs.
func submitThroughAPI(ctx context.Context, c apiClient, spec jobs.Spec) (jobs.Job, error) {
	body, err := json.Marshal(struct {
		Steps []jobs.Step     `json:"steps"`
		Input json.RawMessage `json:"input,omitempty"`
	}{spec.Steps, spec.Input})
	if err != nil {
		return jobs.Job{}, fmt.Errorf("encode job: %w", err)
	}
	header := http.Header{}
	if spec.IdempotencyKey != "" {
		header.Set(api.IdempotencyKeyHeader, spec.IdempotencyKey)
	}
	resp, err := c.do(ctx, http.MethodPost, "/jobs", header, bytes.NewReader(body))
	if err != nil {
		return jobs.Job{}, err
	}
	defer resp.Body.Close()
	var reply struct {
		jobs.Job
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return jobs.Job{}, fmt.Errorf("POST /jobs: %s: unreadable body: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		return jobs.Job{}, fmt.Errorf("POST /jobs: %s: %s", resp.Status, reply.Error)
	}
	return reply.Job, nil
}
