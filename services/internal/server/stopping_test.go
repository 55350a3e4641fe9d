package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/server"
)

// A watch-like stream that would run forever ends with UNAVAILABLE as soon
// as the server starts shutting down, instead of holding the drain for
// its whole timeout: the stop is quick and the client knows to reconnect.
func TestStreamsEndWhenShutdownBegins(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := echoConfig()
	cfg.Listener, cfg.GRPCAddr, cfg.HTTPAddr = lis, lis.Addr().String(), ""
	cfg.ShutdownTimeout = 30 * time.Second
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := testingv1.NewEchoServiceClient(conn).EchoStream(context.Background(), &testingv1.EchoStreamRequest{Message: "forever"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop()
	_, err = stream.Recv()
	if status.Code(err) != codes.Unavailable {
		t.Errorf("stream at shutdown ended with %v, want UNAVAILABLE", err)
	}
	<-done
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %v with a stream open, want it to end the stream, not wait out the 30 s drain", took)
	}
}
