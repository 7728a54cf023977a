package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/internal/tokens"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
)

// Every role of serve, wired as serve wires them, runs jobs submitted
// through the API to a final state consistent with their tasks and events.
func TestServeRunsJobsEndToEnd(t *testing.T) {
	t.Parallel()
	pool, client, _ := startServe(t, 5*time.Second)

	specs := map[string]jobs.Spec{
		"upper": {Steps: []jobs.Step{{Handler: "uppercase"}, {Handler: "sleep", Params: json.RawMessage(`{"ms": 1}`)}, {Handler: "uppercase"}},
			Input: json.RawMessage(`{"text": "hi"}`)},
		"failing": {Steps: []jobs.Step{{Handler: "uppercase"}, {Handler: "fail"}, {Handler: "uppercase"}}},
	}
	ids := map[string]uuid.UUID{}
	for name, spec := range specs {
		job, err := submitThroughAPI(context.Background(), client, spec)
		if err != nil {
			t.Fatalf("submit %s: %v", name, err)
		}
		ids[name] = job.ID
	}

	waitCtx, stopWaiting := context.WithTimeout(context.Background(), time.Minute)
	defer stopWaiting()
	if err := waitFinal(waitCtx, pool, []uuid.UUID{ids["upper"], ids["failing"]}); err != nil {
		t.Fatalf("wait for the jobs: %v", err)
	}
	want := map[string]db.JobStatus{"upper": db.JobStatusDone, "failing": db.JobStatusFailed}
	for name, id := range ids {
		report, err := jobs.Status(context.Background(), pool, id)
		if err != nil {
			t.Fatalf("status of %s: %v", name, err)
		}
		if report.Job.Status != want[name] {
			t.Errorf("%s job is %s, want %s", name, report.Job.Status, want[name])
		}
		if problems := report.Inconsistencies(); len(problems) > 0 {
			t.Errorf("%s job is inconsistent: %q", name, problems)
		}
		if name == "upper" && !bytes.Equal(report.Job.Output, []byte(`{"text": "HI"}`)) {
			t.Errorf("output = %s, want the upper-cased input", report.Job.Output)
		}
	}

	resp, err := http.Get(client.baseURL + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	var health map[string]string
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if err != nil || health["rabbitmq"] != "ok" || health["postgres"] != "ok" {
		t.Errorf("healthz = %v, %v; want both ok", health, err)
	}
}

// startServe runs every role as serve wires them, each role stopping within
// shutdownTimeout, until the test ends or the returned stop is called
// (which waits for serve to return).
func startServe(t *testing.T, shutdownTimeout time.Duration) (*pgxpool.Pool, apiClient, func()) {
	pool := testdb.New(t)
	amqpURL := envOr("AMQP_URL", defaultAMQPURL)
	suffix := make([]byte, 6)
	rand.Read(suffix)
	topo := message.NewTopology("lockstep_test_" + hex.EncodeToString(suffix))
	t.Cleanup(func() { deleteTopology(t, amqpURL, topo) })

	registry := prometheus.NewRegistry()
	deps := roleDeps{
		pool: pool,
		consumers: consumers.Config{
			Pool: pool, AMQPURL: amqpURL, Topology: topo,
			Metrics:         consumers.NewMetrics(registry),
			ShutdownTimeout: shutdownTimeout,
		},
		registry:     registry,
		listenAddr:   "127.0.0.1:0",
		brokerHealth: brokerHealth(t.Context(), amqpURL),
	}
	runners := map[string]runner{}
	for _, r := range roles {
		run, err := r.start(deps)
		if err != nil {
			t.Fatalf("start %s: %v", r.name, err)
		}
		runners[r.name] = run
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runAll(ctx, runners) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	secret, _, err := tokens.Create(context.Background(), pool, "test")
	if err != nil {
		t.Fatal(err)
	}
	client := apiClient{baseURL: "http://" + runners["api"].(*apiRunner).listener.Addr().String(), token: secret}
	return pool, client, stop
}

// SIGTERM (here: the end of serve's context) with handlers running stops
// serve at the shutdown timeout: the handlers are cancelled and their tasks
// left leased, processing, for the lease rescue of a live executor.
func TestServeShutdownIsBounded(t *testing.T) {
	t.Parallel()
	pool, client, stop := startServe(t, 300*time.Millisecond)
	spec := jobs.Spec{Steps: []jobs.Step{{Handler: "sleep", Params: json.RawMessage(`{"ms": 10000}`)}}}
	var ids []uuid.UUID
	for range 5 {
		job, err := submitThroughAPI(context.Background(), client, spec)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, job.ID)
	}
	processing := func() int {
		var n int
		if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM tasks WHERE status = 'processing' AND job_id = ANY($1)", ids).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitCtx, stopWaiting := context.WithTimeout(context.Background(), time.Minute)
	defer stopWaiting()
	for processing() < len(ids) {
		select {
		case <-waitCtx.Done():
			t.Fatal("the steps never all started")
		case <-time.After(20 * time.Millisecond):
		}
	}
	stop()
	// Had serve waited for the 10s handlers, they would be done.
	if n := processing(); n != len(ids) {
		t.Errorf("%d of %d tasks still processing after shutdown, want all: serve waited for its handlers", n, len(ids))
	}
}

func deleteTopology(t *testing.T, url string, topo message.Topology) {
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Errorf("dial broker: %v", err)
		return
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Errorf("open channel: %v", err)
		return
	}
	if err := consumers.DeleteTopology(ch, topo); err != nil {
		t.Errorf("delete topology: %v", err)
	}
}
