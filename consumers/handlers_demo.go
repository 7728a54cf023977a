package consumers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/lockstep-dev/lockstep/internal/outbound"
)

// DemoHandlers returns the built-in handlers, so jobs do visible work:
//
//	uppercase  upper-cases every string in the input
//	sleep      waits params.ms milliseconds (at most 10s), passes the input on
//	fail       fails with probability params.probability (default 1), else passes the input on
//	http       calls params.url with params.method (GET or POST, the input as body);
//	           output {"status": code, "body": the response body}
//
// The http handler's client passes policy: a job cannot make it call
// into this host or its network.
func DemoHandlers(policy outbound.Policy) Handlers {
	client := policy.Client(10 * time.Second)
	return Handlers{
		"uppercase": HandlerFunc(uppercase),
		"sleep":     HandlerFunc(sleep),
		"fail":      HandlerFunc(fail),
		"http": HandlerFunc(func(ctx context.Context, params, input json.RawMessage) (json.RawMessage, error) {
			return httpCall(ctx, client, params, input)
		}),
	}
}

func decodeParams(params json.RawMessage, into any) error {
	if len(params) == 0 || string(params) == "null" {
		return nil
	}
	if err := json.Unmarshal(params, into); err != nil {
		return Permanent(fmt.Errorf("invalid params: %w", err))
	}
	return nil
}

func uppercase(_ context.Context, _, input json.RawMessage) (json.RawMessage, error) {
	var v any
	if err := json.Unmarshal(input, &v); err != nil {
		return nil, Permanent(fmt.Errorf("input is not JSON: %w", err))
	}
	return json.Marshal(upper(v))
}

func upper(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ToUpper(v)
	case []any:
		for i := range v {
			v[i] = upper(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = upper(v[k])
		}
	}
	return v
}

func sleep(ctx context.Context, params, input json.RawMessage) (json.RawMessage, error) {
	var p struct {
		MS int `json:"ms"`
	}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	select {
	case <-time.After(min(time.Duration(p.MS)*time.Millisecond, 10*time.Second)):
		return input, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func fail(_ context.Context, params, input json.RawMessage) (json.RawMessage, error) {
	p := struct {
		Probability float64 `json:"probability"`
	}{Probability: 1}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	if rand.Float64() < p.Probability {
		return nil, errors.New("demo failure")
	}
	return input, nil
}

func httpCall(ctx context.Context, client *http.Client, params, input json.RawMessage) (json.RawMessage, error) {
	p := struct {
		URL    string `json:"url"`
		Method string `json:"method"`
	}{Method: http.MethodGet}
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	var body io.Reader
	switch p.Method = strings.ToUpper(p.Method); p.Method {
	case http.MethodGet:
	case http.MethodPost:
		body = bytes.NewReader(input)
	default:
		return nil, Permanent(fmt.Errorf("method %q: want GET or POST", p.Method))
	}
	req, err := http.NewRequestWithContext(ctx, p.Method, p.URL, body)
	if err != nil {
		return nil, Permanent(fmt.Errorf("build request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	if a, ok := AttemptFrom(ctx); ok {
		req.Header.Set("Idempotency-Key", a.IdempotencyKey())
	}
	resp, err := client.Do(req)
	if errors.Is(err, outbound.ErrRefused) {
		return nil, Permanent(fmt.Errorf("%s %s: %w", p.Method, p.URL, err))
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", p.Method, p.URL, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read response of %s: %w", p.URL, err)
	}
	if resp.StatusCode >= 500 {
		return nil, fmt.Errorf("%s %s: status %d", p.Method, p.URL, resp.StatusCode)
	}
	out := struct {
		Status int `json:"status"`
		Body   any `json:"body"`
	}{Status: resp.StatusCode, Body: string(respBody)}
	if json.Valid(respBody) {
		out.Body = json.RawMessage(respBody)
	}
	return json.Marshal(out)
}
