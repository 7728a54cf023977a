package webhook_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/lockstep-dev/lockstep/webhook"
)

// The example of the Standard Webhooks specification's test vectors: the
// same secret, id, timestamp and body give the same signature.
func TestSignMatchesTheSpecification(t *testing.T) {
	t.Parallel()
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sig, err := webhook.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`), secret)
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; err != nil || sig != want {
		t.Errorf("Sign = %q, %v; want %q", sig, err, want)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	old, current := webhook.NewSecret(), webhook.NewSecret()
	body := []byte(`{"id":"e1"}`)
	h := http.Header{}
	if err := webhook.SetHeaders(h, "e1", time.Now(), body, current, old); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{current, old} { // both live during a rotation
		if id, err := webhook.Verify(secret, h, body, 5*time.Minute); err != nil || id != "e1" {
			t.Errorf("Verify = %q, %v", id, err)
		}
	}
	if _, err := webhook.Verify(webhook.NewSecret(), h, body, 5*time.Minute); !errors.Is(err, webhook.ErrInvalid) {
		t.Errorf("another secret: %v, want ErrInvalid", err)
	}
	if _, err := webhook.Verify(current, h, []byte(`{"id":"e2"}`), 5*time.Minute); !errors.Is(err, webhook.ErrInvalid) {
		t.Errorf("another body: %v, want ErrInvalid", err)
	}
	stale := http.Header{}
	webhook.SetHeaders(stale, "e1", time.Now().Add(-time.Hour), body, current)
	if _, err := webhook.Verify(current, stale, body, 5*time.Minute); !errors.Is(err, webhook.ErrInvalid) {
		t.Errorf("an hour-old delivery: %v, want ErrInvalid", err)
	}
	for _, bad := range []string{"s3cret", "whsec_!!", "whsec_c2hvcnQ="} {
		if err := webhook.ValidSecret(bad); err == nil {
			t.Errorf("ValidSecret(%q) = nil", bad)
		}
	}
}

// Verify never panics on any headers, and a delivery signed with the
// secret verifies whatever its id and body.
func FuzzVerify(f *testing.F) {
	f.Add("msg_1", []byte(`{}`), "v1,abc", "1614265330")
	f.Add("", []byte{}, "", "")
	f.Add("id", []byte("\x00"), "v1, v2,x v1,", "-1")
	secret := webhook.NewSecret()
	f.Fuzz(func(t *testing.T, id string, body []byte, sig, ts string) {
		h := http.Header{}
		h.Set(webhook.IDHeader, id)
		h.Set(webhook.TimestampHeader, ts)
		h.Set(webhook.SignatureHeader, sig)
		webhook.Verify(secret, h, body, time.Minute)

		signed := http.Header{}
		if err := webhook.SetHeaders(signed, id, time.Now(), body, secret); err != nil {
			t.Fatal(err)
		}
		if signed.Get(webhook.IDHeader) != "" {
			if _, err := webhook.Verify(secret, signed, body, time.Minute); err != nil {
				t.Fatalf("a signed delivery (id %q) failed: %v", id, err)
			}
		}
	})
}
