// Package authz decides whether a principal holds a permission on a tenant,
// from the role matrix documented on identity.v1.Permission. Deny by
// default: a permission missing from the matrix is granted to no role.
package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// Service answers checks for subjects (from the store) and tokens (from
// their verified claims, after making sure the user is still enabled).
type Service struct {
	Store    store.Store
	Verifier *tokenverify.Verifier
}

// Check decides one request. callerIsAdmin gates checks of named subjects.
func (s *Service) Check(ctx context.Context, callerIsAdmin bool, req *identityv1.CheckRequest) (*identityv1.CheckResponse, error) {
	var (
		subject string
		groups  []string
		fromTok bool
	)
	switch p := req.GetPrincipal().(type) {
	case *identityv1.CheckRequest_Subject:
		if !callerIsAdmin {
			return nil, fmt.Errorf("checking other subjects is for platform admins: %w", apierror.ErrPermissionDenied)
		}
		subject = p.Subject
	case *identityv1.CheckRequest_Token:
		claims, err := s.Verifier.Verify(ctx, p.Token)
		if err != nil {
			return nil, err
		}
		subject, groups, fromTok = claims.Subject, claims.Groups, true
	}
	resp := &identityv1.CheckResponse{}
	err := s.Store.Read(ctx, func(tx store.Tx) error {
		name, isUser := strings.CutPrefix(subject, "user:")
		if !isUser {
			return nil // only users exist so far: everything else is denied
		}
		user, err := tx.GetUser(name)
		if errors.Is(err, apierror.ErrNotFound) {
			return nil
		}
		if err != nil || user.GetUser().GetDisabled() {
			return err
		}
		if fromTok {
			// The token's roles are what it was issued with.
			resp.PlatformAdmin = slices.Contains(groups, roles.PlatformAdminGroup)
			resp.Role = roles.InGroups(groups, req.GetTenant())
			return nil
		}
		resp.PlatformAdmin = user.GetPlatformAdmin()
		resp.Role, err = memberships.RoleIn(tx, subject, req.GetTenant())
		return err
	})
	if err != nil {
		return nil, err
	}
	resp.Allowed = roles.Allowed(resp.GetPlatformAdmin(), resp.GetRole(), req.GetPermission())
	return resp, nil
}
