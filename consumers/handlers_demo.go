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
//
// Each validates its params at submission ([ParamsValidator]), so a job
// with bad params is refused rather than failed.
func DemoHandlers(policy outbound.Policy) Handlers {
	client := policy.Client(10 * time.Second)
	return Handlers{
		"uppercase": HandlerFunc(uppercase),
		"sleep":     validating{HandlerFunc(sleep), func(p json.RawMessage) error { _, err := sleepParams(p); return err }},
		"fail":      validating{HandlerFunc(fail), func(p json.RawMessage) error { _, err := failParams(p); return err }},
		"http": validating{HandlerFunc(func(ctx context.Context, params, input json.RawMessage) (json.RawMessage, error) {
			return httpCall(ctx, client, policy, params, input)
		}), func(p json.RawMessage) error { _, err := httpParams(p, policy); return err }},
	}
}

// ParamsValidator is a Handler that can tell, before a job is accepted,
// whether its step's params will ever do.
type ParamsValidator interface {
	ValidateParams(params json.RawMessage) error
}

// validating adds a params check to a handler.
type validating struct {
	Handler
	check func(json.RawMessage) error
}

func (v validating) ValidateParams(params json.RawMessage) error { return v.check(params) }

// ValidateStep checks a step against handlers: its handler must be served
// and its params valid for it.
func ValidateStep(handlers Handlers, name string, params json.RawMessage) error {
	h, ok := handlers[name]
	if !ok {
		return fmt.Errorf("unknown handler %q", name)
	}
	if v, ok := h.(ParamsValidator); ok {
		return v.ValidateParams(params)
	}
	return nil
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

// maxSleepMS bounds the sleep handler.
const maxSleepMS = 10_000

type sleepParamsT struct {
	MS int `json:"ms"`
}

func sleepParams(params json.RawMessage) (sleepParamsT, error) {
	var p sleepParamsT
	if err := decodeParams(params, &p); err != nil {
		return p, err
	}
	if p.MS < 0 || p.MS > maxSleepMS {
		return p, Permanent(fmt.Errorf("invalid params: ms must be 0 to %d, got %d", maxSleepMS, p.MS))
	}
	return p, nil
}

func sleep(ctx context.Context, params, input json.RawMessage) (json.RawMessage, error) {
	p, err := sleepParams(params)
	if err != nil {
		return nil, err
	}
	select {
	case <-time.After(time.Duration(p.MS) * time.Millisecond):
		return input, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type failParamsT struct {
	Probability float64 `json:"probability"`
}

func failParams(params json.RawMessage) (failParamsT, error) {
	p := failParamsT{Probability: 1}
	if err := decodeParams(params, &p); err != nil {
		return p, err
	}
	if !(p.Probability >= 0 && p.Probability <= 1) {
		return p, Permanent(fmt.Errorf("invalid params: probability must be 0 to 1, got %v", p.Probability))
	}
	return p, nil
}

func fail(_ context.Context, params, input json.RawMessage) (json.RawMessage, error) {
	p, err := failParams(params)
	if err != nil {
		return nil, err
	}
	if rand.Float64() < p.Probability {
		return nil, errors.New("demo failure")
	}
	return input, nil
}

type httpParamsT struct {
	URL    string `json:"url"`
	Method string `json:"method"`
}

// httpParams decodes and checks the http handler's params; a URL whose
// host is a literal inward address is refused here already (names are
// checked by the client's dialer).
func httpParams(params json.RawMessage, policy outbound.Policy) (httpParamsT, error) {
	p := httpParamsT{Method: http.MethodGet}
	if err := decodeParams(params, &p); err != nil {
		return p, err
	}
	if p.Method = strings.ToUpper(p.Method); p.Method != http.MethodGet && p.Method != http.MethodPost {
		return p, Permanent(fmt.Errorf("invalid params: method %q: want GET or POST", p.Method))
	}
	if err := policy.ValidateURL(p.URL); err != nil {
		return p, Permanent(fmt.Errorf("invalid params: url: %w", err))
	}
	return p, nil
}

func httpCall(ctx context.Context, client *http.Client, policy outbound.Policy, params, input json.RawMessage) (json.RawMessage, error) {
	p, err := httpParams(params, policy)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	if p.Method == http.MethodPost {
		body = bytes.NewReader(input)
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
