package torture

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/api"
	"github.com/lockstep-dev/lockstep/jobs"
)

// Load shape: submitters, the pause between a submitter's jobs, and how
// long one call is retried (the API may be down for a fault).
const (
	submitters    = 3
	minPause      = 300 * time.Millisecond
	maxPause      = 1200 * time.Millisecond
	retryFor      = 30 * time.Second
	duplicateRate = 0.15 // a second, concurrent POST with the same key
	resubmitRate  = 0.05 // an earlier key posted again
	stopRate      = 0.08 // the job stopped a moment after its submission
)

// client calls the pipeline's API with the run's token.
type client struct {
	baseURL, token string
	http           *http.Client
}

// call sends one request with a JSON body (nil for none) and decodes a
// JSON answer into out; it returns the status code.
func (c client) call(ctx context.Context, method, path string, header http.Header, body, out any) (int, error) {
	var reader *bytes.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		reader = bytes.NewReader(raw)
	} else {
		reader = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, reader)
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %s: unreadable body: %w", method, path, resp.Status, err)
		}
	}
	return resp.StatusCode, nil
}

// retrying repeats fn while it fails or answers 5xx, for at most retryFor:
// a fault may have the API down or its database unreachable for a while.
func retrying(ctx context.Context, fn func(context.Context) (int, error)) (int, error) {
	deadline := time.Now().Add(retryFor)
	for {
		code, err := fn(ctx)
		if err == nil && code < 500 {
			return code, nil
		}
		if err == nil {
			err = fmt.Errorf("status %d", code)
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return code, err
		}
		select {
		case <-ctx.Done():
			return code, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// ledger is what the API answered: the job ids each Idempotency-Key got.
type ledger struct {
	mu        sync.Mutex
	keys      map[string][]uuid.UUID
	specs     map[string]jobs.Spec
	order     []string
	posts     int // POST /jobs answered 200 or 201
	refused   int // POST /jobs that never got a 2xx
	stops     int // POST /jobs/{id}/stop answered 200
	stopLate  int // ... answered 409: the job had ended
	duplicate int // second POSTs with a key already used
}

func newLedger() *ledger {
	return &ledger{keys: map[string][]uuid.UUID{}, specs: map[string]jobs.Spec{}}
}

// load submits jobs through the API until ctx ends.
type load struct {
	c      client
	ledger *ledger
	wg     sync.WaitGroup
}

// run starts the submitters, each with its own generator from seed, and
// returns when ctx ended and every call in flight returned.
func (l *load) run(ctx context.Context, seed uint64) {
	for i := range submitters {
		rng := rand.New(rand.NewPCG(seed, uint64(i)+1))
		l.wg.Go(func() { l.submitter(ctx, rng, i) })
	}
	l.wg.Wait()
}

func (l *load) submitter(ctx context.Context, rng *rand.Rand, n int) {
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(minPause + time.Duration(rng.Int64N(int64(maxPause-minPause)))):
		}
		key := fmt.Sprintf("torture-%d-%d", n, i)
		spec := randomSpec(rng, key)
		l.ledger.mu.Lock()
		l.ledger.specs[key] = spec
		l.ledger.order = append(l.ledger.order, key)
		l.ledger.mu.Unlock()
		if rng.Float64() < duplicateRate {
			l.wg.Go(func() { l.submit(ctx, spec, true) })
		}
		if rng.Float64() < resubmitRate {
			if old, ok := l.ledger.earlier(rng); ok {
				l.wg.Go(func() { l.submit(ctx, old, true) })
			}
		}
		id, ok := l.submit(ctx, spec, false)
		if ok && rng.Float64() < stopRate {
			delay := time.Duration(rng.Int64N(int64(3 * time.Second)))
			l.wg.Go(func() { l.stop(ctx, id, delay) })
		}
	}
}

// earlier picks a key submitted before.
func (g *ledger) earlier(rng *rand.Rand) (jobs.Spec, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.order) < 2 {
		return jobs.Spec{}, false
	}
	return g.specs[g.order[rng.IntN(len(g.order)-1)]], true
}

// randomSpec is a job of 2 to 4 steps mixing quick, sleeping, slow and
// failing ones.
func randomSpec(rng *rand.Rand, key string) jobs.Spec {
	spec := jobs.Spec{Input: json.RawMessage(fmt.Sprintf(`{"text": "torture %s"}`, key)), IdempotencyKey: key}
	for range 2 + rng.IntN(3) {
		var step jobs.Step
		switch p := rng.Float64(); {
		case p < 0.35:
			step = jobs.Step{Handler: "uppercase"}
		case p < 0.65:
			step = jobs.Step{Handler: "sleep", Params: json.RawMessage(fmt.Sprintf(`{"ms": %d}`, 5+rng.IntN(200)))}
		case p < 0.80:
			step = jobs.Step{Handler: "sleep", Params: json.RawMessage(fmt.Sprintf(`{"ms": %d}`, 1500+rng.IntN(2500))),
				TimeoutMS: 20000}
		case p < 0.95:
			step = jobs.Step{Handler: "fail", Params: json.RawMessage(`{"probability": 0.4}`)}
		default:
			step = jobs.Step{Handler: "fail", Params: json.RawMessage(`{"probability": 1}`)}
		}
		spec.Steps = append(spec.Steps, step)
	}
	return spec
}

// submit posts spec with its key until the API answers, and records the
// answer; the job's id and whether one came back.
func (l *load) submit(ctx context.Context, spec jobs.Spec, duplicate bool) (uuid.UUID, bool) {
	// The run's own context ends the submissions, not the calls in flight:
	// an answered POST must be in the ledger.
	callCtx := context.WithoutCancel(ctx)
	body := struct {
		Steps []jobs.Step     `json:"steps"`
		Input json.RawMessage `json:"input"`
	}{spec.Steps, spec.Input}
	var job jobs.Job
	code, err := retrying(callCtx, func(ctx context.Context) (int, error) {
		return l.c.call(ctx, http.MethodPost, "/jobs", http.Header{api.IdempotencyKeyHeader: {spec.IdempotencyKey}}, body, &job)
	})
	g := l.ledger
	g.mu.Lock()
	defer g.mu.Unlock()
	if duplicate {
		g.duplicate++
	}
	if err != nil || (code != http.StatusOK && code != http.StatusCreated) {
		g.refused++
		return uuid.Nil, false
	}
	g.posts++
	g.keys[spec.IdempotencyKey] = append(g.keys[spec.IdempotencyKey], job.ID)
	return job.ID, true
}

// stop stops a job after delay.
func (l *load) stop(ctx context.Context, id uuid.UUID, delay time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(delay):
	}
	code, err := retrying(context.WithoutCancel(ctx), func(ctx context.Context) (int, error) {
		return l.c.call(ctx, http.MethodPost, "/jobs/"+id.String()+"/stop", nil, nil, nil)
	})
	g := l.ledger
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err != nil:
	case code == http.StatusOK:
		g.stops++
	case code == http.StatusConflict:
		g.stopLate++
	}
}
