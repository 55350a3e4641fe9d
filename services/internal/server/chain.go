package server

import (
	"context"
	"maps"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
)

// builtins are the runtime's own methods and who may call them: health and
// GetInfo answer anyone (probes, load balancers, version checks);
// reflection, a map of the whole API, answers loopback callers (grpcurl on
// the machine) and authenticated ones.
var builtins = map[string]access.Rule{
	healthpb.Health_Check_FullMethodName:                                   access.Anyone(),
	healthpb.Health_Watch_FullMethodName:                                   access.Anyone(),
	healthpb.Health_List_FullMethodName:                                    access.Anyone(),
	reflectionpb.ServerReflection_ServerReflectionInfo_FullMethodName:      access.LocalOrCaller(),
	reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName: access.LocalOrCaller(),
	metav1.InfoService_GetInfo_FullMethodName:                              access.Anyone(),
}

// withBuiltins is the service's table plus the runtime's own methods.
func withBuiltins(t *access.Table) *access.Table {
	out := *t
	out.Rules = maps.Clone(t.Rules)
	maps.Copy(out.Rules, builtins)
	return &out
}

// chain is the one interceptor order of every Landlord server, outermost
// first. Tracing and RPC metrics come from the otelgrpc stats handler, which
// runs around all of these, so every span covers the whole call.
//
//  1. request id — first, so every later log line and error carries it.
//  2. logging    — one line per call with the final status code.
//  3. errors     — the single point where domain errors become statuses;
//     internal causes are logged here and hidden from the client.
//  4. recovery   — a panic anywhere below becomes an internal error that
//     the two layers above log and map; the server keeps serving.
//  5. access     — the service's authorization table: authentication, the
//     caller-level rule, protovalidate, the request-level rule, and the
//     audit record of the outcome (grpcmw.Access). Only callers who may
//     call a method at all learn how its requests are validated.
//  6. streams only: end when the server starts shutting down (endStreams).
func chain(cfg Config, table *access.Table, v protovalidate.Validator, stopping context.Context) []grpc.ServerOption {
	var unary []grpc.UnaryServerInterceptor
	var stream []grpc.StreamServerInterceptor
	add := func(u grpc.UnaryServerInterceptor, s grpc.StreamServerInterceptor) {
		unary, stream = append(unary, u), append(stream, s)
	}
	add(grpcmw.RequestID())
	add(grpcmw.Logging(cfg.Logger))
	add(grpcmw.Errors(cfg.Logger))
	add(grpcmw.Recovery(cfg.Logger))
	add(grpcmw.Access(table, cfg.Authenticator, v, cfg.Auditor, cfg.MaxStreamsPerCaller))
	stream = append(stream, endStreams(stopping))
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...)}
}
