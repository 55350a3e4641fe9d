package grpcmw

import (
	"context"
	"log/slog"

	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Errors turns whatever error a call returns into the status the client
// sees (apierror.Status). Unexpected errors are logged here, with the
// request id, and reach the client only as a generic INTERNAL.
func Errors(log *slog.Logger) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	mapErr := func(ctx context.Context, method string, err error) error {
		if err == nil {
			return nil
		}
		st, internal := apierror.Status(err)
		if internal {
			log.ErrorContext(ctx, "internal error", "method", method, "error", err.Error())
		}
		return st.Err()
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, mapErr(ctx, info.FullMethod, err)
		}
		return resp, nil
	}
	streaming := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return mapErr(ss.Context(), info.FullMethod, handler(srv, ss))
	}
	return unary, streaming
}
