package grpctest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	testingv1 "github.com/landlord-dev/landlord/gen/go/landlord/testing/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
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
	// Arrived, if set, is called when a delayed call reaches the handler,
	// before it waits: tests act on an in-flight call without sleeping.
	Arrived func(message string)
}

// RegisterEcho is a server.Config.Register that serves EchoServer.
func RegisterEcho(r grpc.ServiceRegistrar) { EchoServer{}.Register(r) }

// Register serves s.
func (s EchoServer) Register(r grpc.ServiceRegistrar) {
	testingv1.RegisterEchoServiceServer(r, s)
}

// EchoAccess lets anyone call the echo methods.
func EchoAccess() *access.Table { return EchoAccessWith(access.Anyone()) }

// EchoAccessWith applies rule to every echo method.
func EchoAccessWith(rule access.Rule) *access.Table {
	return &access.Table{Rules: map[string]access.Rule{
		testingv1.EchoService_Echo_FullMethodName:       rule,
		testingv1.EchoService_EchoStream_FullMethodName: rule,
	}}
}

func (s EchoServer) Echo(ctx context.Context, req *testingv1.EchoRequest) (*testingv1.EchoResponse, error) {
	switch req.GetMessage() {
	case EchoPanic:
		panic("echo asked to panic")
	case EchoNotFound:
		return nil, fmt.Errorf("echo %q: %w", req.GetMessage(), apierror.ErrNotFound)
	case EchoInternal:
		return nil, errors.New("open " + InternalSecret + ": permission denied")
	}
	if d := req.GetDelay().AsDuration(); d > 0 {
		if s.Arrived != nil {
			s.Arrived(req.GetMessage())
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return &testingv1.EchoResponse{Message: req.GetMessage()}, nil
}

func (s EchoServer) EchoStream(req *testingv1.EchoStreamRequest, stream grpc.ServerStreamingServer[testingv1.EchoStreamResponse]) error {
	for {
		if err := stream.Send(&testingv1.EchoStreamResponse{Message: req.GetMessage()}); err != nil {
			return err
		}
		wait := req.GetDelay().AsDuration()
		if wait == 0 {
			<-stream.Context().Done()
			return nil
		}
		select {
		case <-time.After(wait):
		case <-stream.Context().Done():
			return nil
		}
	}
}
