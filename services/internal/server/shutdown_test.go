package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

// serveEnv makes the test binary act as a service binary (see TestMain).
const serveEnv = "LANDLORD_TEST_SERVE_ECHO"

// serveEcho is what a service main does: serve until SIGTERM, then drain.
func serveEcho() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// Each line on stdout is an event for the test: the address, then
	// "arrived <message>" when a delayed call reaches the handler.
	arrived := func(msg string) { fmt.Println("arrived", msg) }
	srv, err := server.New(server.Config{
		Service:         "echo",
		Register:        grpctest.EchoServer{Arrived: arrived}.Register,
		Access:          grpctest.EchoAccess(),
		ShutdownTimeout: 10 * time.Second,
		Logger:          slog.New(slog.NewJSONHandler(os.Stderr, nil)),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(srv.GRPCAddr())
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestSIGTERMDrainsInFlightCalls runs a real server process, sends it
// SIGTERM while a slow call is in flight, and checks that health turns
// NOT_SERVING, the call still completes, and the process exits cleanly.
func TestSIGTERMDrainsInFlightCalls(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	events := make(chan string, 8)
	go func() {
		defer close(events)
		for lines := bufio.NewScanner(stdout); lines.Scan(); {
			events <- lines.Text()
		}
	}()
	addr := <-events
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch, err := healthpb.NewHealthClient(conn).Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := watch.Recv(); err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first health status: %v, %v", first, err)
	}

	type result struct {
		resp *testingv1.EchoResponse
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := testingv1.NewEchoServiceClient(conn).Echo(ctx,
			&testingv1.EchoRequest{Message: "drained", Delay: durationpb.New(1500 * time.Millisecond)})
		slow <- result{resp, err}
	}()
	if got := <-events; got != "arrived drained" {
		t.Fatalf("server said %q, want the slow call to arrive", got)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	next, err := watch.Recv()
	if err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health after SIGTERM: %v, %v; want NOT_SERVING", next, err)
	}
	stopWatch() // a client that saw NOT_SERVING stops watching

	r := <-slow
	if r.err != nil || r.resp.GetMessage() != "drained" {
		t.Errorf("in-flight call during drain: %v, %v", r.resp, r.err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exit: %v, want clean exit", err)
	}
}

// TestDrainTimeoutCutsOffSlowCalls checks that a call outliving the drain
// deadline is cut off instead of holding the process up.
func TestDrainTimeoutCutsOffSlowCalls(t *testing.T) {
	arrived := make(chan string, 1)
	srv, err := server.New(server.Config{
		Service:         "echo",
		Register:        grpctest.EchoServer{Arrived: func(m string) { arrived <- m }}.Register,
		Access:          grpctest.EchoAccess(),
		ShutdownTimeout: 200 * time.Millisecond,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()

	conn, err := grpc.NewClient(srv.GRPCAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	slow := make(chan error, 1)
	go func() {
		_, err := testingv1.NewEchoServiceClient(conn).Echo(context.Background(),
			&testingv1.EchoRequest{Message: "too slow", Delay: durationpb.New(20 * time.Second)})
		slow <- err
	}()
	<-arrived
	start := time.Now()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := <-slow; status.Code(err) != codes.Unavailable {
		t.Errorf("a call longer than the drain deadline ended with %v; want it cut off (UNAVAILABLE)", err)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("shutdown took %v despite a 200ms drain deadline", waited)
	}
}
