// Package outbound guards every HTTP call the pipeline makes on a user's
// behalf (webhook deliveries, the http step handler): a URL supplied by
// whoever can submit a job or subscribe a webhook must not reach this host
// or its network. The guard sits in the dialer, after DNS resolution, so a
// name that resolves (or is rebound) to an inward address is refused just
// like a literal one.
package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every refusal of the policy.
var ErrRefused = errors.New("outbound address refused")

// Policy says which addresses outbound calls may reach: every public
// address, and the inward ones (loopback, private, link-local, multicast,
// unspecified, and their IPv4-mapped forms) only inside Allow.
type Policy struct {
	Allow []netip.Prefix
}

// ParseAllow parses a comma-separated list of CIDR prefixes, such as
// "127.0.0.1/32,10.0.0.0/8"; an empty list allows nothing inward.
func ParseAllow(list string) (Policy, error) {
	var p Policy
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(item)
		if err != nil {
			return Policy{}, fmt.Errorf("outbound allow list: %q is not a CIDR prefix: %w", item, err)
		}
		p.Allow = append(p.Allow, prefix.Masked())
	}
	return p, nil
}

// Check refuses addr when it is inward and not allowed; the error names the
// address class.
func (p Policy) Check(addr netip.Addr) error {
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	class := inwardClass(addr)
	if class == "" {
		return nil
	}
	for _, prefix := range p.Allow {
		if prefix.Contains(addr) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is a %s address (allow it with --outbound-allow)", ErrRefused, addr, class)
}

// inwardClass names the class of an address that points into this host or
// its networks, or returns "" for a public one.
func inwardClass(addr netip.Addr) string {
	switch {
	case !addr.IsValid() || addr.IsUnspecified():
		return "unspecified"
	case addr.IsLoopback():
		return "loopback"
	case addr.IsPrivate():
		return "private"
	case addr.IsLinkLocalUnicast():
		return "link-local"
	case addr.IsMulticast():
		return "multicast"
	case addr.Is4() && (addr.As4()[0] == 0 || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255})):
		return "reserved" // 0.0.0.0/8 reaches this host; the limited broadcast
	case sharedSpace.Contains(addr):
		return "shared (carrier-grade NAT)"
	}
	return ""
}

var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// control is the dialer's Control hook: it sees the resolved address of
// every connection attempt, before the connection is made.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	addrPort, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q", ErrRefused, address)
	}
	return p.Check(addrPort.Addr())
}

// Client returns an HTTP client whose every connection, redirects included,
// passes the policy. It uses no proxy: a proxy would be dialled instead of
// the destination and hide it from the guard.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: p.control}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DialContext = dialer.DialContext
	return &http.Client{Timeout: timeout, Transport: transport}
}

// ValidateURL checks a URL given by a user before it is stored: absolute
// http or https, and a literal IP host must pass the policy. Host names
// are checked when dialled, after resolution.
func (p Policy) ValidateURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("url must be an absolute http or https URL")
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		return p.Check(addr)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return p.Check(netip.IPv6Loopback())
	}
	return nil
}
