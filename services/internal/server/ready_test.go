package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

// TestNotReadyUntilTheServiceSaysSo: with Config.Ready, gRPC health and
// /readyz say NOT_SERVING (503) while Ready blocks, and SERVING once it
// returns nil.
func TestNotReadyUntilTheServiceSaysSo(t *testing.T) {
	release := make(chan struct{})
	srv, err := server.New(server.Config{
		Service: "echo", HTTPAddr: "127.0.0.1:0", Register: grpctest.RegisterEcho, Access: grpctest.EchoAccess(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(ctx context.Context) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	check := func() (healthpb.HealthCheckResponse_ServingStatus, int) {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		r, err := http.Get("http://" + srv.HTTPAddr() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return resp.GetStatus(), r.StatusCode
	}
	if s, code := check(); s != healthpb.HealthCheckResponse_NOT_SERVING || code != http.StatusServiceUnavailable {
		t.Errorf("before ready: health %v, /readyz %d; want NOT_SERVING, 503", s, code)
	}
	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, code := check()
		if s == healthpb.HealthCheckResponse_SERVING && code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after ready: health %v, /readyz %d; want SERVING, 200", s, code)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
