package grpcmw

import (
	"context"

	"google.golang.org/grpc"
)

// Authenticator identifies the caller of a call from its metadata and
// returns a context that carries who it is. It returns an error wrapping
// apierror.ErrUnauthenticated for missing, malformed, forged or expired
// credentials.
type Authenticator interface {
	Authenticate(ctx context.Context, fullMethod string) (context.Context, error)
}

// Authorizer decides whether the authenticated caller may call a method at
// all; handlers make the finer, per-resource decisions. It returns an error
// wrapping apierror.ErrPermissionDenied (or ErrNotFound) to refuse.
type Authorizer interface {
	Authorize(ctx context.Context, fullMethod string) error
}

// Auth runs authn, then authz, for every method not in public. A nil authn
// or authz skips that step (a server without identity yet).
func Auth(authn Authenticator, authz Authorizer, public map[string]bool) (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	check := func(ctx context.Context, method string) (context.Context, error) {
		if public[method] {
			return ctx, nil
		}
		if authn != nil {
			var err error
			if ctx, err = authn.Authenticate(ctx, method); err != nil {
				return nil, err
			}
		}
		if authz != nil {
			if err := authz.Authorize(ctx, method); err != nil {
				return nil, err
			}
		}
		return ctx, nil
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := check(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
	streaming := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := check(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &stream{ServerStream: ss, ctx: ctx})
	}
	return unary, streaming
}
