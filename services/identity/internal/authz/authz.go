// Package authz decides whether a principal holds a permission on a tenant,
// from the role matrix documented on identity.v1.Permission. Deny by
// default: a permission missing from the matrix is granted to no role.
package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/subject"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// Service answers checks for subjects (from the store) and tokens (from
// their verified claims, after making sure the user is still enabled).
type Service struct {
	Store    store.Store
	Verifier *tokenverify.Verifier
}

// decideTx is what a check reads: the user, and for named subjects the
// roles it holds.
type decideTx interface {
	store.Users
	memberships.Roles
}

// decide finds a subject's platform admin bit and role in tenant. Only
// enabled users have any; a token's roles are those it was issued with,
// while its user is the record it was issued to (tokenUID, if the token
// names one).
func decide(tx decideTx, sub, tokenUID string, tokenGroups []string, fromTok bool, tenant string) (bool, identityv1.Role, error) {
	parsed, err := subject.Parse(sub)
	if err != nil || !parsed.IsUser() {
		return false, 0, nil // only users exist so far: everything else is denied
	}
	user, err := tx.GetUser(parsed.Name)
	if errors.Is(err, apierror.ErrNotFound) {
		return false, 0, nil
	}
	if err != nil || user.GetUser().GetDisabled() {
		return false, 0, err
	}
	if tokenUID != "" && tokenUID != user.GetUid() {
		return false, 0, nil // a token of an earlier user with this name
	}
	if fromTok {
		return slices.Contains(tokenGroups, roles.PlatformAdminGroup), roles.InGroups(tokenGroups, tenant), nil
	}
	role, err := memberships.RoleIn(tx, sub, tenant)
	return user.GetPlatformAdmin(), role, err
}

// Check decides one request. callerIsAdmin gates checks of named subjects.
func (s *Service) Check(ctx context.Context, callerIsAdmin bool, req *identityv1.CheckRequest) (*identityv1.CheckResponse, error) {
	var (
		sub, uid string
		groups   []string
		fromTok  bool
	)
	switch p := req.GetPrincipal().(type) {
	case *identityv1.CheckRequest_Subject:
		if !callerIsAdmin {
			return nil, fmt.Errorf("checking other subjects is for platform admins: %w", apierror.ErrPermissionDenied)
		}
		sub = p.Subject
	case *identityv1.CheckRequest_Token:
		claims, err := s.Verifier.Verify(ctx, p.Token)
		if err != nil {
			return nil, err
		}
		sub, uid, groups, fromTok = claims.Subject, claims.UID, claims.Groups, true
	}
	resp := &identityv1.CheckResponse{}
	err := s.Store.Read(ctx, func(tx store.Tx) error {
		admin, role, err := decide(tx, sub, uid, groups, fromTok, req.GetTenant())
		resp.PlatformAdmin, resp.Role = admin, role
		return err
	})
	if err != nil {
		return nil, err
	}
	resp.Allowed = roles.Allowed(resp.GetPlatformAdmin(), resp.GetRole(), req.GetPermission())
	return resp, nil
}
