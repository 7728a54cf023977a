package torture

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/lockstep-dev/lockstep/webhook"
)

// hangLimit bounds how long the hanging receiver holds a request (the
// deliverer's own timeout is shorter).
const hangLimit = time.Minute

// receivers are the webhook endpoints of a run, on one loopback listener:
// /healthy verifies and counts every delivery, /failing answers 500,
// /hanging holds each request until the sender gives up.
type receivers struct {
	server   *http.Server
	listener net.Listener
	done     chan struct{}

	mu        sync.Mutex
	secret    string
	delivered map[uuid.UUID]int // event id -> deliveries to /healthy
	badSigned int
	failing   int
	hanging   int
}

func startReceivers() (*receivers, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for webhooks: %w", err)
	}
	r := &receivers{listener: l, done: make(chan struct{}), delivered: map[uuid.UUID]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /healthy", r.healthy)
	mux.HandleFunc("POST /failing", func(w http.ResponseWriter, _ *http.Request) {
		r.count(&r.failing)
		http.Error(w, "failing on purpose", http.StatusInternalServerError)
	})
	mux.HandleFunc("POST /hanging", func(w http.ResponseWriter, req *http.Request) {
		r.count(&r.hanging)
		select {
		case <-req.Context().Done():
		case <-r.done:
		case <-time.After(hangLimit):
		}
		http.Error(w, "hung on purpose", http.StatusServiceUnavailable)
	})
	r.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go r.server.Serve(l)
	return r, nil
}

// url is the address of one endpoint.
func (r *receivers) url(path string) string { return "http://" + r.listener.Addr().String() + path }

// setSecret gives /healthy the secret its subscription signs with.
func (r *receivers) setSecret(secret string) {
	r.mu.Lock()
	r.secret = secret
	r.mu.Unlock()
}

func (r *receivers) count(n *int) {
	r.mu.Lock()
	*n++
	r.mu.Unlock()
}

func (r *receivers) healthy(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	id, err := webhook.Verify(r.secret, req.Header, body, 10*time.Minute)
	if err == nil {
		var eventID uuid.UUID
		if eventID, err = uuid.Parse(id); err == nil {
			r.delivered[eventID]++
		}
	}
	if err != nil {
		r.badSigned++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// seen returns the event ids /healthy received and how many deliveries
// failed verification.
func (r *receivers) seen() (map[uuid.UUID]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[uuid.UUID]int, len(r.delivered))
	for id, n := range r.delivered {
		out[id] = n
	}
	return out, r.badSigned
}

func (r *receivers) close() error {
	close(r.done)
	if err := r.server.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close webhook receivers: %w", err)
	}
	return nil
}
