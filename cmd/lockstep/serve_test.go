package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/message"
)

// The api role serves until its context ends, then shuts down and stops
// accepting connections; Close after Run is harmless.
func TestAPIRoleServesAndShutsDown(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	run, err := newAPIRunner(roleDeps{
		pool:       pool,
		consumers:  consumers.Config{Topology: message.NewTopology("serve-test"), ShutdownTimeout: 5 * time.Second},
		registry:   prometheus.NewRegistry(),
		listenAddr: "127.0.0.1:0",
	})
	if err != nil {
		t.Fatalf("start api: %v", err)
	}
	url := "http://" + run.(*apiRunner).listener.Addr().String() + "/healthz"

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runAll(ctx, map[string]runner{"api": run}) }()

	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	var health map[string]string
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || health["postgres"] != "ok" {
		t.Fatalf("GET /healthz = %d %v %v", resp.StatusCode, health, err)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("runAll after shutdown: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Errorf("the server still accepts connections after shutdown")
	}
}

// A failing role stops the others and its error is returned.
func TestRunAllStopsEveryRoleWhenOneFails(t *testing.T) {
	t.Parallel()
	failing := &fakeRunner{err: errors.New("broker gone")}
	waiting := &fakeRunner{}
	err := runAll(context.Background(), map[string]runner{"failing": failing, "waiting": waiting})
	if err == nil || err.Error() != "failing: broker gone" {
		t.Errorf("runAll = %v, want the failing role's error", err)
	}
	if !failing.closed || !waiting.closed {
		t.Errorf("closed: failing %v, waiting %v; want both", failing.closed, waiting.closed)
	}
}

// fakeRunner fails at once with err, or waits for its context when err is nil.
type fakeRunner struct {
	err    error
	closed bool
}

func (f *fakeRunner) Run(ctx context.Context) error {
	if f.err != nil {
		return f.err
	}
	<-ctx.Done()
	return nil
}

func (f *fakeRunner) Close() error {
	f.closed = true
	return nil
}

// The broker check reports the state of one long-lived connection: up with
// the real broker, the dial's error with none listening.
func TestBrokerHealthKeepsOneConnection(t *testing.T) {
	t.Parallel()
	up := brokerHealth(t.Context(), envOr("AMQP_URL", defaultAMQPURL))
	down := brokerHealth(t.Context(), "amqp://guest:guest@127.0.0.1:1/")
	deadline := time.Now().Add(20 * time.Second)
	for up(t.Context()) != nil || down(t.Context()) == nil || !strings.Contains(down(t.Context()).Error(), "dial RabbitMQ") {
		if time.Now().After(deadline) {
			t.Fatalf("up: %v, down: %v; want nil and a dial error", up(t.Context()), down(t.Context()))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
