// Package api holds provisioning's gRPC handlers: each authorizes the
// caller from its verified token and calls the tenants package.
package api

import (
	"context"
	"fmt"
	"slices"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/roles"
)

// caller is what the token says about who calls. Roles come from the
// token's groups (the same matrix identity's Check applies), so no call
// to identity is needed; a role change applies with the next token.
type caller struct {
	subject       string
	platformAdmin bool
	groups        []string
}

func callerOf(ctx context.Context) (caller, error) {
	claims, err := authn.Claims(ctx)
	if err != nil {
		return caller{}, err
	}
	return caller{subject: claims.Subject, platformAdmin: slices.Contains(claims.Groups, roles.PlatformAdminGroup), groups: claims.Groups}, nil
}

// may reports whether the caller holds p on tenant.
func (c caller) may(tenant string, p identityv1.Permission) bool {
	return roles.Allowed(c.platformAdmin, roles.InGroups(c.groups, tenant), p)
}

// sees reports whether the caller may see tenant at all.
func (c caller) sees(tenant string) bool {
	return c.may(tenant, identityv1.Permission_PERMISSION_TENANT_GET)
}

// authorize returns the caller if it holds p on tenant. The answer does
// not depend on whether the tenant exists, so it reveals nothing.
func authorize(ctx context.Context, tenant string, p identityv1.Permission) (caller, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return c, err
	}
	if !c.may(tenant, p) {
		return c, fmt.Errorf("%s on tenant %q needs a role you do not hold: %w", p, tenant, apierror.ErrPermissionDenied)
	}
	return c, nil
}
