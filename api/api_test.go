package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lockstep-dev/lockstep/api"
	"github.com/lockstep-dev/lockstep/consumers"
	"github.com/lockstep-dev/lockstep/db"
	"github.com/lockstep-dev/lockstep/internal/outbound"
	"github.com/lockstep-dev/lockstep/internal/testdb"
	"github.com/lockstep-dev/lockstep/internal/tokens"
	"github.com/lockstep-dev/lockstep/jobs"
	"github.com/lockstep-dev/lockstep/message"
	"github.com/lockstep-dev/lockstep/webhook"
)

const twoSteps = `{"steps": [{"handler": "uppercase"}, {"handler": "sleep", "params": {"ms": 5}}], "input": {"text": "hi"}}`

// checkStep is the executor's own check of the demo handlers.
func checkStep(name string, params json.RawMessage) error {
	return consumers.ValidateStep(consumers.DemoHandlers(outbound.Policy{}), name, params)
}

// serverTokens holds each test server's token, which call sends.
var serverTokens sync.Map

// newServer starts the API on a fresh database with a token for call.
func newServer(t *testing.T, brokerHealth func(context.Context) error) (*httptest.Server, *pgxpool.Pool) {
	t.Helper()
	pool := testdb.New(t)
	srv := httptest.NewServer(api.New(api.Config{
		Pool:         pool,
		Topology:     message.NewTopology("api-test"),
		CheckStep:    checkStep,
		BrokerHealth: brokerHealth,
	}))
	t.Cleanup(srv.Close)
	secret, _, err := tokens.Create(context.Background(), pool, "test")
	if err != nil {
		t.Fatal(err)
	}
	serverTokens.Store(srv.URL, secret)
	return srv, pool
}

// call sends a request with the server's token (unless header sets
// Authorization itself) and decodes a JSON response into out (when not
// nil); it returns the status and fails the test on a non-JSON body.
func call(t *testing.T, srv *httptest.Server, method, path string, header http.Header, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	if secret, ok := serverTokens.Load(srv.URL); ok {
		req.Header.Set("Authorization", "Bearer "+secret.(string))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, body %s", method, path, ct, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func countRows(t *testing.T, pool *pgxpool.Pool, table string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestSubmitGetAndStop(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, nil)

	var job jobs.Job
	if code := call(t, srv, "POST", "/jobs", nil, twoSteps, &job); code != http.StatusCreated {
		t.Fatalf("POST /jobs = %d, want 201", code)
	}
	var report jobs.Report
	if code := call(t, srv, "GET", "/jobs/"+job.ID.String(), nil, "", &report); code != http.StatusOK {
		t.Fatalf("GET /jobs/{id} = %d", code)
	}
	if report.Job.ID != job.ID || len(report.Tasks) != 2 || report.Tasks[0].Status != "queued" ||
		string(report.Job.Input) != `{"text":"hi"}` {
		t.Errorf("report = %+v, want the job with its first task queued", report)
	}

	var stopped jobs.Job
	if code := call(t, srv, "POST", "/jobs/"+job.ID.String()+"/stop", nil, "", &stopped); code != http.StatusOK || stopped.Status != "stopped" {
		t.Errorf("stop = %d %s, want 200 stopped", code, stopped.Status)
	}
	var e struct{ Error string }
	if code := call(t, srv, "POST", "/jobs/"+job.ID.String()+"/stop", nil, "", &e); code != http.StatusConflict || !strings.Contains(e.Error, "already ended") {
		t.Errorf("second stop = %d %q, want 409 already ended", code, e.Error)
	}
}

// Retries of one request racing each other, as a client with a short
// timeout sends them: one 201, the rest 200, all the same job.
func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	t.Parallel()
	srv, pool := newServer(t, nil)
	header := http.Header{api.IdempotencyKeyHeader: {"checkout-7"}}

	const retries = 16
	var wg sync.WaitGroup
	codes := make([]int, retries)
	got := make([]jobs.Job, retries)
	start := make(chan struct{})
	for i := range retries {
		wg.Go(func() {
			<-start
			codes[i] = call(t, srv, "POST", "/jobs", header, twoSteps, &got[i])
		})
	}
	close(start)
	wg.Wait()

	created := 0
	for i := range retries {
		switch codes[i] {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("retry %d: status %d", i, codes[i])
		}
		if got[i].ID != got[0].ID {
			t.Errorf("retry %d got job %s, retry 0 got %s", i, got[i].ID, got[0].ID)
		}
	}
	if created != 1 {
		t.Errorf("%d responses were 201, want 1", created)
	}
	var e struct{ Error string }
	if code := call(t, srv, "POST", "/jobs", header, `{"steps": [{"handler": "uppercase"}]}`, &e); code != http.StatusUnprocessableEntity {
		t.Errorf("the key with another job = %d %q, want 422", code, e.Error)
	}
	if n := countRows(t, pool, "jobs"); n != 1 {
		t.Errorf("%d jobs, want 1", n)
	}
	if n := countRows(t, pool, "outbox"); n != 2 {
		t.Errorf("%d outbox messages, want the first task's and job.created", n)
	}
}

func TestBadRequestsWriteNothing(t *testing.T) {
	t.Parallel()
	srv, pool := newServer(t, nil)
	jsonType := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name, method, path string
		header             http.Header
		body               string
		status             int
		want               string
	}{
		{"empty body", "POST", "/jobs", nil, "", 400, "body is empty"},
		{"malformed", "POST", "/jobs", nil, `{"steps": [`, 400, "not valid JSON"},
		{"unknown field", "POST", "/jobs", nil, `{"steps": [{"handler": "uppercase"}], "priority": 1}`, 400, `unknown field "priority"`},
		{"wrong type", "POST", "/jobs", nil, `{"steps": "uppercase"}`, 400, `field "steps"`},
		{"two objects", "POST", "/jobs", nil, twoSteps + twoSteps, 400, "single JSON object"},
		{"no steps", "POST", "/jobs", jsonType, `{"steps": []}`, 400, "at least one step"},
		{"unknown handler", "POST", "/jobs", nil, `{"steps": [{"handler": "rm-rf"}]}`, 400, `unknown handler "rm-rf"`},
		{"sleep ms as a string", "POST", "/jobs", nil, `{"steps": [{"handler": "sleep", "params": {"ms": "10"}}]}`, 400, "step 1: invalid job: invalid params"},
		{"negative sleep", "POST", "/jobs", nil, `{"steps": [{"handler": "sleep", "params": {"ms": -5}}]}`, 400, "ms must be 0 to 10000"},
		{"fail probability NaN", "POST", "/jobs", nil, `{"steps": [{"handler": "fail", "params": {"probability": "NaN"}}]}`, 400, "invalid params"},
		{"fail probability 2", "POST", "/jobs", nil, `{"steps": [{"handler": "fail", "params": {"probability": 2}}]}`, 400, "probability must be 0 to 1"},
		{"http to metadata", "POST", "/jobs", nil, `{"steps": [{"handler": "http", "params": {"url": "http://169.254.169.254/"}}]}`, 400, "link-local"},
		{"http method", "POST", "/jobs", nil, `{"steps": [{"handler": "http", "params": {"url": "https://example.com/", "method": "DELETE"}}]}`, 400, "want GET or POST"},
		{"NUL in input", "POST", "/jobs", nil, `{"steps": [{"handler": "uppercase"}], "input": {"a": "\u0000"}}`, 400, "input: \\u0000"},
		{"lone surrogate in params", "POST", "/jobs", nil, `{"steps": [{"handler": "sleep", "params": {"ms": 1, "x": "\udfff"}}]}`, 400, "params: lone UTF-16 surrogate"},
		{"too big", "POST", "/jobs", nil, `{"input": "` + strings.Repeat("x", api.MaxBodyBytes) + `"}`, 413, "larger than"},
		{"not json", "POST", "/jobs", http.Header{"Content-Type": {"text/plain"}}, twoSteps, 415, "application/json"},
		{"long key", "POST", "/jobs", http.Header{api.IdempotencyKeyHeader: {strings.Repeat("k", 201)}}, twoSteps, 400, "idempotency key"},
		{"malformed id", "GET", "/jobs/42", nil, "", 400, "not a UUID"},
		{"unknown job", "GET", "/jobs/6f1c1a3e-8a43-4a8e-9d35-2f0a6c7f4b10", nil, "", 404, "job not found"},
		{"stop malformed id", "POST", "/jobs/x/stop", nil, "", 400, "not a UUID"},
		{"stop unknown job", "POST", "/jobs/6f1c1a3e-8a43-4a8e-9d35-2f0a6c7f4b10/stop", nil, "", 404, "job not found"},
		{"no route", "GET", "/nope", nil, "", 404, "Not Found"},
		{"wrong method", "DELETE", "/jobs", nil, "", 405, "Method Not Allowed"},
		{"webhook url", "POST", "/webhooks", nil, `{"url": "ftp://x"}`, 400, "http or https"},
		{"webhook secret", "POST", "/webhooks", nil, `{"url": "http://x", "secret": "short"}`, 400, `secret: a webhook secret starts with "whsec_"`},
		{"webhook to loopback", "POST", "/webhooks", nil, `{"url": "http://127.0.0.1:5432/"}`, 400, "127.0.0.1 is a loopback address"},
		{"webhook to metadata", "POST", "/webhooks", nil, `{"url": "http://169.254.169.254/latest"}`, 400, "link-local"},
		{"webhook to mapped loopback", "POST", "/webhooks", nil, `{"url": "http://[::ffff:127.0.0.1]/"}`, 400, "loopback"},
		{"webhook to localhost", "POST", "/webhooks", nil, `{"url": "http://localhost:8080/"}`, 400, "loopback"},
		{"webhook to private", "POST", "/webhooks", nil, `{"url": "https://10.0.0.7/hook"}`, 400, "private"},
		{"webhook event", "POST", "/webhooks", nil, `{"url": "http://x", "event_types": ["job.exploded"]}`, 400, `unknown event type "job.exploded"`},
	}
	for _, tt := range tests {
		var e struct{ Error string }
		code := call(t, srv, tt.method, tt.path, tt.header, tt.body, &e)
		if code != tt.status || !strings.Contains(e.Error, tt.want) {
			t.Errorf("%s: %d %q, want %d mentioning %q", tt.name, code, e.Error, tt.status, tt.want)
		}
	}
	for _, table := range []string{"jobs", "outbox", "webhook_subscriptions"} {
		if n := countRows(t, pool, table); n != 0 {
			t.Errorf("bad requests wrote %d rows to %s", n, table)
		}
	}
}

// A subscription belongs to the token that made it: its secret is shown
// once, only its owner lists, changes, rotates or deletes it, and another
// token cannot take its URL.
func TestWebhooksBelongToTheirToken(t *testing.T) {
	t.Parallel()
	srv, pool := newServer(t, nil)
	other, _, err := tokens.Create(context.Background(), pool, "other")
	if err != nil {
		t.Fatal(err)
	}
	asOther := http.Header{"Authorization": {"Bearer " + other}}
	body := `{"url": "https://example.com/hook", "event_types": ["job.done"]}`
	type sub struct {
		ID                  string   `json:"id"`
		EventTypes          []string `json:"event_types"`
		Secret              string   `json:"secret"`
		PreviousSecretUntil string   `json:"previous_secret_until"`
	}
	var created sub
	if code := call(t, srv, "POST", "/webhooks", nil, body, &created); code != http.StatusCreated || created.ID == "" || webhook.ValidSecret(created.Secret) != nil {
		t.Fatalf("subscribe = %d %+v, want 201 with an id and a whsec_ secret", code, created)
	}
	var again sub
	both := strings.Replace(body, `["job.done"]`, `["job.done", "job.failed"]`, 1)
	if code := call(t, srv, "POST", "/webhooks", nil, both, &again); code != http.StatusOK || again.ID != created.ID || len(again.EventTypes) != 2 || again.Secret != "" {
		t.Errorf("resubscribe = %d %+v, want 200, the same id, both event types, no secret", code, again)
	}
	var refused map[string]string
	if code := call(t, srv, "POST", "/webhooks", asOther, body, &refused); code != http.StatusConflict {
		t.Errorf("another token's subscribe of the URL = %d %v, want 409", code, refused)
	}
	var list struct{ Webhooks []sub }
	if code := call(t, srv, "GET", "/webhooks", nil, "", &list); code != http.StatusOK || len(list.Webhooks) != 1 || len(list.Webhooks[0].EventTypes) != 2 || list.Webhooks[0].Secret != "" {
		t.Errorf("owner's list = %d %+v, want the one subscription with both types and no secret", code, list)
	}
	list.Webhooks = nil
	if code := call(t, srv, "GET", "/webhooks", asOther, "", &list); code != http.StatusOK || len(list.Webhooks) != 0 {
		t.Errorf("other's list = %d %+v, want none", code, list)
	}
	var answer map[string]any
	for _, route := range []struct{ method, path string }{
		{"DELETE", "/webhooks/" + created.ID},
		{"POST", "/webhooks/" + created.ID + "/rotate"},
	} {
		if code := call(t, srv, route.method, route.path, asOther, "", &answer); code != http.StatusNotFound {
			t.Errorf("%s %s by another token = %d %v, want 404", route.method, route.path, code, answer)
		}
	}
	var rotated sub
	if code := call(t, srv, "POST", "/webhooks/"+created.ID+"/rotate", nil, "", &rotated); code != http.StatusOK ||
		webhook.ValidSecret(rotated.Secret) != nil || rotated.Secret == created.Secret || rotated.PreviousSecretUntil == "" {
		t.Errorf("rotate = %d %+v, want a new secret and the old one's end", code, rotated)
	}
	if code := call(t, srv, "DELETE", "/webhooks/"+created.ID, nil, "", &answer); code != http.StatusOK {
		t.Errorf("delete = %d %v", code, answer)
	}
	if n := countRows(t, pool, "webhook_subscriptions"); n != 0 {
		t.Errorf("%d subscriptions after delete", n)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	var brokerDown bool
	var mu sync.Mutex
	srv, _ := newServer(t, func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if brokerDown {
			return errors.New("connection refused")
		}
		return nil
	})
	var health map[string]string
	if code := call(t, srv, "GET", "/healthz", nil, "", &health); code != http.StatusOK || health["postgres"] != "ok" || health["rabbitmq"] != "ok" {
		t.Errorf("healthz = %d %v, want 200 with both ok", code, health)
	}
	mu.Lock()
	brokerDown = true
	mu.Unlock()
	if code := call(t, srv, "GET", "/healthz", nil, "", &health); code != http.StatusServiceUnavailable || health["rabbitmq"] != "connection refused" {
		t.Errorf("healthz with the broker down = %d %v, want 503 naming the error", code, health)
	}

	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	secret, _ := serverTokens.Load(srv.URL)
	req.Header.Set("Authorization", "Bearer "+secret.(string))
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	if want := `lockstep_api_requests_total{code="503",route="GET /healthz"} 1`; !strings.Contains(string(text), want) {
		t.Errorf("metrics lack %q:\n%s", want, text)
	}
}

// Every route but the liveness check answers 401 without a live token:
// none, a malformed one, an unknown one, a revoked one. Nothing is written.
func TestEveryRouteButHealthNeedsAToken(t *testing.T) {
	t.Parallel()
	srv, pool := newServer(t, nil)
	revoked, _, err := tokens.Create(context.Background(), pool, "revoked")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.New().TokenRevoke(context.Background(), pool, "revoked"); err != nil {
		t.Fatal(err)
	}
	routes := []struct{ method, path, body string }{
		{"POST", "/jobs", twoSteps},
		{"GET", "/jobs/6f1c0f38-0d84-4c54-9d2b-8a3d1c5a0a11", ""},
		{"POST", "/jobs/6f1c0f38-0d84-4c54-9d2b-8a3d1c5a0a11/stop", ""},
		{"POST", "/webhooks", `{"url": "https://hooks.example.com/x"}`},
		{"GET", "/metrics", ""},
	}
	for _, auth := range []string{"", "Bearer", "Basic dXNlcjpwYXNz", "Bearer lst_unknown", "Bearer " + revoked} {
		for _, route := range routes {
			var body map[string]string
			req, _ := http.NewRequest(route.method, srv.URL+route.path, strings.NewReader(route.body))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || body["error"] == "" || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %d %v, want 401 with a reason", route.method, route.path, auth, resp.StatusCode, body)
			}
		}
	}
	if n := countRows(t, pool, "jobs") + countRows(t, pool, "webhook_subscriptions"); n != 0 {
		t.Errorf("unauthenticated requests wrote %d rows", n)
	}
	resp, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz without a token: %v, %v; want 200", resp, err)
	}
	resp.Body.Close()
}
