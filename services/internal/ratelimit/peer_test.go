package ratelimit_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"testing"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
)

// from is a call from 10.0.0.1 that proved to be service (none if empty),
// with x-forwarded-for xff (none if empty).
func from(service, xff string) context.Context {
	info := credentials.TLSInfo{}
	if service != "" {
		u, _ := url.Parse(access.ServiceURI(service))
		info.State = tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{URIs: []*url.URL{u}}}}}
	}
	ctx := peer.NewContext(context.Background(), &peer.Peer{
		Addr: &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 4242}, AuthInfo: info})
	if xff != "" {
		ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("x-forwarded-for", xff))
	}
	return ctx
}

func TestOnlyTheGatewaysForwardedAddressIsTrusted(t *testing.T) {
	for _, c := range []struct {
		service, xff, want string
	}{
		{"gateway", "203.0.113.9", "203.0.113.9"},
		{"gateway", "198.51.100.1, 203.0.113.9", "203.0.113.9"}, // the client's own claim comes first
		{"gateway", "", "10.0.0.1"},
		{"gateway", "not-an-ip", "10.0.0.1"},
		{"", "203.0.113.9", "10.0.0.1"},              // anyone may send the header
		{"observability", "203.0.113.9", "10.0.0.1"}, // another service does not forward
	} {
		if got := ratelimit.ClientAddress(from(c.service, c.xff)); got != c.want {
			t.Errorf("from %q with x-forwarded-for %q: %q, want %q", c.service, c.xff, got, c.want)
		}
	}
}
