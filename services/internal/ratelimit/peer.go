package ratelimit

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/landlord-dev/landlord/services/internal/access"
)

// ForwardingService is the Landlord service that calls on behalf of other
// clients: the REST gateway. Its calls carry x-forwarded-for, whose last
// entry the gateway itself appends (its own client's address); trusted
// only from a peer that proved to be the gateway with its client
// certificate, since anyone else could write any address there.
const ForwardingService = "gateway"

// ClientAddress is the IP address a gRPC call came from, without its
// port: a client opening many connections is still one client. Through
// the gateway, it is the gateway's client's address. It is "" when
// unknown, which callers limit as one shared key.
func ClientAddress(ctx context.Context) string {
	if name, ok := access.PeerService(ctx); ok && name == ForwardingService {
		if addr := lastForwarded(ctx); addr != "" {
			return addr
		}
	}
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if tcp, ok := p.Addr.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
		return host
	}
	return p.Addr.String()
}

// lastForwarded is the last address of the call's x-forwarded-for, if it
// is an IP address.
func lastForwarded(ctx context.Context) string {
	values := metadata.ValueFromIncomingContext(ctx, "x-forwarded-for")
	if len(values) == 0 {
		return ""
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(last))
	if err != nil {
		return ""
	}
	return ip.String()
}
