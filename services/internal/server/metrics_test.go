package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

func TestMetricsAndReadinessOverHTTP(t *testing.T) {
	srv, err := server.New(server.Config{
		Service:  "echo",
		HTTPAddr: "127.0.0.1:0",
		Register: grpctest.RegisterEcho,
		Access:   grpctest.EchoAccess(),
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
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
	if _, err := testingv1.NewEchoServiceClient(conn).Echo(ctx, &testingv1.EchoRequest{Message: "count me"}); err != nil {
		t.Fatal(err)
	}

	body := httpGet(t, "http://"+srv.HTTPAddr()+"/metrics")
	for _, want := range []string{"rpc_server", "EchoService", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if got := httpGet(t, "http://"+srv.HTTPAddr()+"/readyz"); got != "ok\n" {
		t.Errorf("/readyz = %q", got)
	}
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}
