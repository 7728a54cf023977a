package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/lockstep-dev/lockstep/internal/tokens"
)

// authenticated serves h only to requests carrying a live token in
// "Authorization: Bearer <token>"; others get 401. The token is in the
// request's context (tokenOf).
func (s *server) authenticated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		token, err := tokens.Authenticate(r.Context(), s.Pool, strings.TrimSpace(secret))
		switch {
		case !ok:
			s.unauthorized(w, r, "missing bearer token: send Authorization: Bearer <token> (lockstep token create)")
		case errors.Is(err, tokens.ErrInvalid):
			s.unauthorized(w, r, "invalid or revoked token")
		case err != nil:
			s.handle(func(http.ResponseWriter, *http.Request) error { return err }).ServeHTTP(w, r)
		default:
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey{}, token)))
		}
	})
}

type tokenKey struct{}

// tokenOf is the token that authenticated r.
func tokenOf(r *http.Request) tokens.Token {
	t, _ := r.Context().Value(tokenKey{}).(tokens.Token)
	return t
}

func (s *server) unauthorized(w http.ResponseWriter, r *http.Request, message string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="lockstep"`)
	writeJSON(w, http.StatusUnauthorized, errorBody{Error: message})
	s.requests.WithLabelValues(r.Pattern, "401").Inc()
}
