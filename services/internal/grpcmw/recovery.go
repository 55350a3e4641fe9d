package grpcmw

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"google.golang.org/grpc"
)

// Recovery turns a panic in a handler (or an inner interceptor) into an
// internal error, logs the stack, and keeps the server serving.
func Recovery(log *slog.Logger) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	recovered := func(ctx context.Context, method string, p any) error {
		log.ErrorContext(ctx, "panic in handler", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return fmt.Errorf("panic in %s: %v", method, p)
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if p := recover(); p != nil {
				resp, err = nil, recovered(ctx, info.FullMethod, p)
			}
		}()
		return handler(ctx, req)
	}
	streaming := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = recovered(ss.Context(), info.FullMethod, p)
			}
		}()
		return handler(srv, ss)
	}
	return unary, streaming
}
