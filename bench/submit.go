package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/lockstep-dev/lockstep/api"
	"github.com/lockstep-dev/lockstep/internal/tokens"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/schema"
)

// SubmitOptions say how the API's submission rate is measured.
type SubmitOptions struct {
	DatabaseURL string
	// Jobs are submitted, steps steps of Handler each, by Clients
	// concurrent HTTP clients.
	Jobs, Steps, Clients int
	Handler              string
	// PoolSize bounds the API server's database connections.
	PoolSize int
	Timeout  time.Duration
}

// RunSubmit serves the real API on a loopback port over a scratch
// database and has opts.Clients clients POST /jobs until opts.Jobs were
// created. No role runs: this is what the API accepts, not what the
// pipeline does.
func RunSubmit(ctx context.Context, opts SubmitOptions, logger *slog.Logger) (Rate, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	scratch, err := NewScratch(ctx, opts.DatabaseURL, "lockstep_bench_submit")
	if err != nil {
		return Rate{}, err
	}
	defer scratch.dropLogged(logger)
	pool, err := scratch.Pool(ctx, opts.PoolSize, nil)
	if err != nil {
		return Rate{}, err
	}
	defer pool.Close()
	if _, err := schema.Migrate(ctx, pool); err != nil {
		return Rate{}, err
	}
	secret, _, err := tokens.Create(ctx, pool, "bench")
	if err != nil {
		return Rate{}, err
	}
	// No KnownHandler: every name is accepted, which spares a map lookup
	// and nothing else.
	server := &http.Server{Handler: api.New(api.Config{Pool: pool, Topology: message.NewTopology(scratch.Name), Logger: logger})}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Rate{}, err
	}
	go server.Serve(listener)
	defer server.Close()

	body, err := json.Marshal(jobSpec(opts.Steps, opts.Handler, nil))
	if err != nil {
		return Rate{}, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: opts.Clients}}
	defer client.CloseIdleConnections()
	url := "http://" + listener.Addr().String() + "/jobs"
	start := time.Now()
	err = concurrently(ctx, opts.Clients, opts.Jobs, func(int) error {
		return postJob(ctx, client, url, secret, body)
	})
	if err != nil {
		return Rate{}, fmt.Errorf("POST /jobs: %w", err)
	}
	return Rate{Count: int64(opts.Jobs), Elapsed: time.Since(start)}, nil
}

// postJob submits one job and wants it created.
func postJob(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// Reading to the end lets the connection be reused.
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return errors.New(resp.Status + ": " + string(answer))
	}
	return nil
}
