package grpcmw

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/landlord-dev/landlord/services/internal/requestid"
)

// RequestID takes the caller's x-request-id if it is well formed, or makes
// one, puts it in the context and sends it back as a response header.
func RequestID() (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	unary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(withRequestID(ctx), req)
	}
	streaming := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return handler(srv, &stream{ServerStream: ss, ctx: withRequestID(ss.Context())})
	}
	return unary, streaming
}

func withRequestID(ctx context.Context) context.Context {
	id := ""
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if vals := md.Get(requestid.Header); len(vals) > 0 {
			id = requestid.Sanitize(vals[0])
		}
	}
	if id == "" {
		id = requestid.New()
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs(requestid.Header, id))
	return requestid.With(ctx, id)
}
