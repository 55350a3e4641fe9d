package ratelimit

import (
	"context"
	"net"

	"google.golang.org/grpc/peer"
)

// ClientAddress is the IP address a gRPC call came from, without its
// port: a client opening many connections is still one client. It is ""
// when unknown, which callers limit as one shared key.
func ClientAddress(ctx context.Context) string {
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
