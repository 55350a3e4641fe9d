package grpcmw

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Logging logs one line per call: method, code and duration. Health checks
// log at debug level so that probes do not drown the log.
func Logging(log *slog.Logger) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	record := func(ctx context.Context, method string, start time.Time, err error) {
		level := slog.LevelInfo
		if strings.HasPrefix(method, "/grpc.health.v1.Health/") {
			level = slog.LevelDebug
		}
		log.Log(ctx, level, "call", "method", method, "code", status.Code(err).String(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		resp, err := handler(ctx, req)
		record(ctx, info.FullMethod, start, err)
		return resp, err
	}
	streaming := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		err := handler(srv, ss)
		record(ss.Context(), info.FullMethod, start, err)
		return err
	}
	return unary, streaming
}
