package outbound

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Every inward address class is refused by default, in its plain and its
// IPv4-mapped forms; public addresses pass. No address is dialled here:
// the hook is called with the address a dial would have used.
func TestPolicyRefusesInwardAddresses(t *testing.T) {
	t.Parallel()
	var p Policy
	for _, tc := range []struct {
		addr  string
		class string // "" for allowed
	}{
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"169.254.169.254", "link-local"}, // cloud metadata
		{"fe80::1", "link-local"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "reserved"},
		{"255.255.255.255", "reserved"},
		{"100.64.0.1", "shared"},
		{"93.184.215.14", ""},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""},
	} {
		err := p.control("tcp", net.JoinHostPort(tc.addr, "443"), nil)
		switch {
		case tc.class == "" && err != nil:
			t.Errorf("%s: refused (%v), want allowed", tc.addr, err)
		case tc.class != "" && (!errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tc.class)):
			t.Errorf("%s: %v, want refused as %s", tc.addr, err, tc.class)
		}
	}
}

func TestParseAllow(t *testing.T) {
	t.Parallel()
	p, err := ParseAllow(" 127.0.0.1/32, 10.0.0.0/8 ,")
	if err != nil || len(p.Allow) != 2 {
		t.Fatalf("ParseAllow = %v, %v", p, err)
	}
	if err := p.Check(netip.MustParseAddr("10.9.9.9")); err != nil {
		t.Errorf("10.9.9.9 inside 10.0.0.0/8: %v", err)
	}
	if err := p.Check(netip.MustParseAddr("::ffff:127.0.0.1")); err != nil {
		t.Errorf("the mapped form of an allowed address: %v", err)
	}
	if err := p.Check(netip.MustParseAddr("127.0.0.2")); !errors.Is(err, ErrRefused) {
		t.Errorf("127.0.0.2 outside 127.0.0.1/32: %v", err)
	}
	if _, err := ParseAllow("10.0.0.0/33"); err == nil {
		t.Error("an invalid prefix was accepted")
	}
}

// The client refuses a loopback server before any connection is made, and
// reaches it once loopback is allowed; a redirect to an address outside
// the allow list is refused too.
func TestClientDialsOnlyAllowedAddresses(t *testing.T) {
	t.Parallel()
	var connections atomic.Int64
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://127.0.0.2:1/inward", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	target.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			connections.Add(1)
		}
	}
	target.Start()
	defer target.Close()

	_, err := Policy{}.Client(5 * time.Second).Get(target.URL)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("GET %s with the default policy: %v, want refused", target.URL, err)
	}
	if n := connections.Load(); n != 0 {
		t.Fatalf("the refused dial reached the server (%d connections)", n)
	}

	allowed, err := ParseAllow("127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	client := allowed.Client(5 * time.Second)
	resp, err := client.Get(target.URL)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("GET with loopback allowed: %v, %v", resp, err)
	}
	resp.Body.Close()
	if _, err := client.Get(target.URL + "/redirect"); !errors.Is(err, ErrRefused) {
		t.Errorf("redirect to 127.0.0.2: %v, want refused", err)
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	var p Policy
	for _, tc := range []struct {
		url  string
		want string // "" for valid
	}{
		{"https://hooks.example.com/lockstep", ""},
		{"http://93.184.215.14:8080/x", ""},
		{"ftp://example.com/", "absolute http or https"},
		{"/relative", "absolute http or https"},
		{"http://127.0.0.1:5432/", "loopback"},
		{"http://[::1]/", "loopback"},
		{"http://[::ffff:127.0.0.1]/", "loopback"},
		{"http://localhost:8080/", "loopback"},
		{"http://api.localhost/", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://10.0.0.1/", "private"},
		{"http://[fe80::1%25eth0]/", "link-local"},
		{"http://0.0.0.0/", "unspecified"},
	} {
		err := p.ValidateURL(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want valid", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error mentioning %q", tc.url, err, tc.want)
		}
	}
}
