// Package webhook signs and verifies webhook deliveries the way the
// Standard Webhooks specification (standardwebhooks.com) does, so any of
// its libraries can verify Lockstep's deliveries and receivers written in
// Go can use Verify:
//
//	webhook-id:        the event id (the same on every retry: deduplicate by it)
//	webhook-timestamp: Unix seconds of the attempt
//	webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>", space-separated
//	                   when several secrets are live (during a rotation)
//
// A secret is "whsec_" and the base64 of 24 to 64 random bytes; the bytes
// are the HMAC key.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	IDHeader        = "webhook-id"
	TimestampHeader = "webhook-timestamp"
	SignatureHeader = "webhook-signature"
)

// SecretPrefix starts every secret.
const SecretPrefix = "whsec_"

// NewSecret returns a fresh secret of 32 random bytes.
func NewSecret() string {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// key decodes a secret into its HMAC key.
func key(secret string) ([]byte, error) {
	encoded, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("a webhook secret starts with %q", SecretPrefix)
	}
	k, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("a webhook secret is %q and base64: %w", SecretPrefix, err)
	}
	if len(k) < 24 || len(k) > 64 {
		return nil, fmt.Errorf("a webhook secret holds 24 to 64 bytes, this one %d", len(k))
	}
	return k, nil
}

// ValidSecret reports why secret cannot sign, or nil.
func ValidSecret(secret string) error {
	_, err := key(secret)
	return err
}

// Sign returns the webhook-signature value for a delivery signed with each
// of secrets.
func Sign(id string, at time.Time, body []byte, secrets ...string) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		k, err := key(s)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, "v1,"+signature(k, id, at.Unix(), body))
	}
	return strings.Join(sigs, " "), nil
}

func signature(key []byte, id string, unix int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, unix)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetHeaders sets the three headers of a delivery of body signed with
// secrets at at.
func SetHeaders(h http.Header, id string, at time.Time, body []byte, secrets ...string) error {
	sig, err := Sign(id, at, body, secrets...)
	if err != nil {
		return err
	}
	h.Set(IDHeader, id)
	h.Set(TimestampHeader, strconv.FormatInt(at.Unix(), 10))
	h.Set(SignatureHeader, sig)
	return nil
}

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("webhook signature invalid")

// Verify checks a received delivery: a v1 signature made with secret over
// its id, timestamp and body, and a timestamp within tolerance of now (a
// replayed old delivery fails). It returns the webhook id to deduplicate by.
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	id, ts := h.Get(IDHeader), h.Get(TimestampHeader)
	unix, err := strconv.ParseInt(ts, 10, 64)
	if id == "" || err != nil {
		return "", fmt.Errorf("%w: missing %s or %s", ErrInvalid, IDHeader, TimestampHeader)
	}
	if age := time.Since(time.Unix(unix, 0)); age > tolerance || age < -tolerance {
		return "", fmt.Errorf("%w: timestamp %s is outside the tolerance of %s", ErrInvalid, ts, tolerance)
	}
	want := signature(k, id, unix, body)
	for _, sig := range strings.Fields(h.Get(SignatureHeader)) {
		if v, got, ok := strings.Cut(sig, ","); ok && v == "v1" && hmac.Equal([]byte(got), []byte(want)) {
			return id, nil
		}
	}
	return "", fmt.Errorf("%w: no v1 signature matches", ErrInvalid)
}
