package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiClient calls the HTTP API with a bearer token.
type apiClient struct {
	baseURL string
	token   string
}

// newAPIClient is a client of baseURL with the token from LOCKSTEP_TOKEN.
func newAPIClient(baseURL string) apiClient {
	return apiClient{baseURL: strings.TrimSuffix(baseURL, "/"), token: envOr("LOCKSTEP_TOKEN", "")}
}

// do sends one request with header; body, when not nil, is JSON.
func (c apiClient) do(ctx context.Context, method, path string, header http.Header, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return nil, fmt.Errorf("invalid API URL: %w", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp, nil
}
