package sweep_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
	"github.com/landlord-dev/landlord/services/internal/testing/sweep"
)

// recording is a testing.TB that keeps failures instead of failing.
type recording struct {
	testing.TB
	errors []string
}

func (r *recording) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recording) Logf(string, ...any) {}

// The sweep finds an input that makes a handler fail internally: the echo
// server answers INTERNAL to one message, which becomes an edge value here.
func TestTheSweepReportsInternalAnswers(t *testing.T) {
	// On a loopback port: reflection answers local callers without a token.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn := grpctest.Start(t, server.Config{Service: "echo", Register: grpctest.RegisterEcho, Access: grpctest.EchoAccess(), Listener: lis})
	ctx := context.Background()

	clean := &recording{TB: t}
	sweep.Run(clean, ctx, conn, 5*time.Second)
	if len(clean.errors) != 0 {
		t.Fatalf("the echo server's client errors were reported: %v", clean.errors)
	}

	saved := sweep.Strings
	t.Cleanup(func() { sweep.Strings = saved })
	sweep.Strings = append(slices.Clone(saved), grpctest.EchoInternal)
	broken := &recording{TB: t}
	sweep.Run(broken, ctx, conn, 5*time.Second)
	if len(broken.errors) != 1 {
		t.Errorf("reports %v; want exactly the INTERNAL answer to %q", broken.errors, grpctest.EchoInternal)
	}
}
