package server

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// endStreams ends every server stream when shutdown begins, with
// UNAVAILABLE, so that clients reconnect (to another replica, or to this
// one once it is back). Watches and sync streams never end on their own:
// left alone they would hold the drain for its whole timeout, and every
// stop of a service with a watcher would take that long.
func endStreams(stopping context.Context) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, cancel := context.WithCancel(ss.Context())
		defer cancel()
		unhook := context.AfterFunc(stopping, cancel)
		defer unhook()
		err := handler(srv, &stoppableStream{ServerStream: ss, ctx: ctx})
		if stopping.Err() != nil && ss.Context().Err() == nil && (err == nil || errors.Is(err, context.Canceled)) {
			return status.Error(codes.Unavailable, "the server is shutting down; reconnect")
		}
		return err
	}
}

type stoppableStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stoppableStream) Context() context.Context { return s.ctx }
