// Package grpctest runs the real server runtime over an in-memory bufconn
// listener, so unit tests exercise the full interceptor chain without ports.
package grpctest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/landlord-dev/landlord/services/internal/server"
)

// Start serves cfg over bufconn (or cfg.Listener, if set) until the test ends and returns a client
// connection to it. A nil cfg.Logger discards logs.
func Start(t testing.TB, cfg server.Config) *grpc.ClientConn {
	t.Helper()
	var target string
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if cfg.Listener != nil {
		target = cfg.Listener.Addr().String() // a real port the test chose
	} else {
		lis := bufconn.Listen(1 << 20)
		cfg.Listener, target = lis, "passthrough:///bufconn"
		opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()

	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		t.Fatalf("grpc.NewClient: %v", err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server.Run: %v", err)
		}
	})
	return conn
}
