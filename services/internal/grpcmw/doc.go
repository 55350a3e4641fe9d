// Package grpcmw holds the server interceptors of every Landlord service.
// The server package chains them in one documented order; each file here is
// one concern, as a unary and a stream interceptor.
package grpcmw

import (
	"context"

	"google.golang.org/grpc"
)

// stream is a grpc.ServerStream whose context an interceptor replaced.
type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }
