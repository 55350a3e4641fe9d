package grpctest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Messages that make EchoServer misbehave on purpose.
const (
	EchoPanic    = "panic"          // the handler panics
	EchoNotFound = "error:notfound" // a domain NOT_FOUND error
	EchoInternal = "error:internal" // an internal error whose text must not leak
	// InternalSecret is in the internal error's text; clients must never see it.
	InternalSecret = "/var/lib/secret-path"
)

// EchoServer implements the test EchoService.
type EchoServer struct {
	testingv1.UnimplementedEchoServiceServer
}

// RegisterEcho is a server.Config.Register that serves EchoServer.
func RegisterEcho(r grpc.ServiceRegistrar) {
	testingv1.RegisterEchoServiceServer(r, EchoServer{})
}

func (EchoServer) Echo(ctx context.Context, req *testingv1.EchoRequest) (*testingv1.EchoResponse, error) {
	switch req.GetMessage() {
	case EchoPanic:
		panic("echo asked to panic")
	case EchoNotFound:
		return nil, fmt.Errorf("echo %q: %w", req.GetMessage(), apierror.ErrNotFound)
	case EchoInternal:
		return nil, errors.New("open " + InternalSecret + ": permission denied")
	}
	if d := req.GetDelay().AsDuration(); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &testingv1.EchoResponse{Message: req.GetMessage()}, nil
}
