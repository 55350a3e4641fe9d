// Package api holds identity's gRPC handlers: each validates what the
// proto rules cannot, authorizes, and calls one domain package.
package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/roles"
)

// caller is the authenticated caller of a call.
func caller(ctx context.Context) (memberships.Caller, error) {
	claims, err := authn.Claims(ctx)
	if err != nil {
		return memberships.Caller{}, err
	}
	return memberships.Caller{Subject: claims.Subject, PlatformAdmin: slices.Contains(claims.Groups, roles.PlatformAdminGroup)}, nil
}

// requireAdmin refuses callers who are not platform admins.
func requireAdmin(ctx context.Context) (memberships.Caller, error) {
	c, err := caller(ctx)
	if err != nil {
		return c, err
	}
	if !c.PlatformAdmin {
		return c, fmt.Errorf("platform admins only: %w", apierror.ErrPermissionDenied)
	}
	return c, nil
}
