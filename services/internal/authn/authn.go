// Package authn authenticates gRPC callers by their bearer token, verified
// locally (tokenverify), and carries the verified claims in the context.
package authn

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

type claimsKey struct{}

// Bearer is a grpcmw.Authenticator for "authorization: Bearer <token>".
type Bearer struct {
	Verifier *tokenverify.Verifier
}

// Authenticate verifies the call's bearer token.
func (b Bearer) Authenticate(ctx context.Context, _ string) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get("authorization")
	if len(values) != 1 {
		return nil, fmt.Errorf("send one \"authorization: Bearer <token>\" header: %w", apierror.ErrUnauthenticated)
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return nil, fmt.Errorf("authorization must be a bearer token: %w", apierror.ErrUnauthenticated)
	}
	claims, err := b.Verifier.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return nil, err
	}
	return WithClaims(ctx, claims), nil
}

// WithClaims returns ctx carrying the caller's verified claims.
func WithClaims(ctx context.Context, c *tokenverify.Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// Claims returns the verified claims of the caller, or an unauthenticated
// error if the call was not authenticated.
func Claims(ctx context.Context) (*tokenverify.Claims, error) {
	c, ok := ctx.Value(claimsKey{}).(*tokenverify.Claims)
	if !ok {
		return nil, apierror.ErrUnauthenticated
	}
	return c, nil
}
