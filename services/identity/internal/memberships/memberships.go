// Package memberships manages who holds which role on a tenant, and decides
// who may change that: platform admins anywhere; in a tenant, owners for
// every role and admins for roles below owner. To a caller with no role in
// a tenant, the tenant does not exist.
package memberships

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/page"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// Caller is who asks.
type Caller struct {
	Subject       string // a subject.Subject, e.g. "user:ann"
	PlatformAdmin bool
}

// Service manages memberships.
type Service struct {
	Store store.Store
	Now   func() time.Time
}

func present(rec *storagev1.MembershipRecord) *identityv1.Membership {
	m := proto.Clone(rec.GetMembership()).(*identityv1.Membership)
	m.Etag = page.Etag(rec.GetRevision())
	return m
}

// roleOf is the caller's effective role in tenant: owner for platform
// admins; NOT_FOUND for callers who may not know the tenant.
func roleOf(tx Roles, c Caller, tenant string) (identityv1.Role, error) {
	if c.PlatformAdmin {
		return identityv1.Role_ROLE_OWNER, nil
	}
	role, err := RoleIn(tx, c.Subject, tenant)
	if err == nil && role == identityv1.Role_ROLE_UNSPECIFIED {
		return 0, fmt.Errorf("tenant %q: %w", tenant, apierror.ErrNotFound)
	}
	return role, err
}

// mayManage checks that a caller with role `have` may grant or remove `r`.
func mayManage(have, r identityv1.Role) error {
	need := identityv1.Role_ROLE_ADMIN
	if r == identityv1.Role_ROLE_OWNER {
		need = identityv1.Role_ROLE_OWNER
	}
	if !roles.AtLeast(have, need) {
		return fmt.Errorf("managing %s memberships needs the %s role: %w", roles.Name(r), roles.Name(need), apierror.ErrPermissionDenied)
	}
	return nil
}

// Set creates or changes a membership.
func (s *Service) Set(ctx context.Context, c Caller, in *identityv1.Membership, etag string) (*identityv1.Membership, error) {
	var out *storagev1.MembershipRecord
	err := s.Store.Write(ctx, func(tx store.Tx) (err error) {
		out, err = s.set(tx, c, in, etag)
		return err
	})
	if err != nil {
		return nil, err
	}
	return present(out), nil
}

func (s *Service) set(tx Roles, c Caller, in *identityv1.Membership, etag string) (*storagev1.MembershipRecord, error) {
	have, err := roleOf(tx, c, in.GetTenant())
	if err != nil {
		return nil, err
	}
	if err := mayManage(have, in.GetRole()); err != nil {
		return nil, err
	}
	uid, err := subjectUID(tx, in.GetSubject())
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.Now())
	out, err := tx.GetMembership(in.GetTenant(), in.GetSubject())
	if err == nil && out.GetSubjectUid() != uid {
		// Made for an earlier record with this name: it counts for nothing.
		err = fmt.Errorf("membership of %s: %w", in.GetSubject(), apierror.ErrNotFound)
	}
	switch {
	case errors.Is(err, apierror.ErrNotFound):
		if etag != "" {
			return nil, fmt.Errorf("membership of %s: %w", in.GetSubject(), apierror.ErrEtagMismatch)
		}
		out = &storagev1.MembershipRecord{Revision: out.GetRevision() + 1, SubjectUid: uid, Membership: &identityv1.Membership{
			Tenant: in.GetTenant(), Subject: in.GetSubject(), Role: in.GetRole(), CreateTime: now, UpdateTime: now}}
	case err != nil:
		return nil, err
	default:
		if etag != "" && etag != page.Etag(out.GetRevision()) {
			return nil, fmt.Errorf("membership of %s: %w", in.GetSubject(), apierror.ErrEtagMismatch)
		}
		// Demoting an owner is managing an owner membership.
		if err := mayManage(have, out.GetMembership().GetRole()); err != nil {
			return nil, err
		}
		out.Revision++
		out.Membership.Role = in.GetRole()
		out.Membership.UpdateTime = now
	}
	return out, tx.PutMembership(out)
}

// Delete removes a membership.
func (s *Service) Delete(ctx context.Context, c Caller, tenant, sub, etag string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return remove(tx, c, tenant, sub, etag) })
}

func remove(tx Roles, c Caller, tenant, sub, etag string) error {
	have, err := roleOf(tx, c, tenant)
	if err != nil {
		return err
	}
	existing, err := tx.GetMembership(tenant, sub)
	if err != nil {
		return err
	}
	if etag != "" && etag != page.Etag(existing.GetRevision()) {
		return fmt.Errorf("membership of %s: %w", sub, apierror.ErrEtagMismatch)
	}
	if err := mayManage(have, existing.GetMembership().GetRole()); err != nil {
		return err
	}
	return tx.DeleteMembership(tenant, sub)
}

// List returns one page of a tenant's memberships; any member may list.
func (s *Service) List(ctx context.Context, c Caller, tenant string, size int32, token string) ([]*identityv1.Membership, string, error) {
	if err := s.Store.Read(ctx, func(tx store.Tx) error {
		_, err := roleOf(tx, c, tenant)
		return err
	}); err != nil {
		return nil, "", err
	}
	list := func(tx store.Tx, after string, limit int) ([]*storagev1.MembershipRecord, error) {
		return tx.ListMemberships(tenant, after, limit)
	}
	recs, next, err := page.Fetch(ctx, s.Store, "memberships/"+tenant, size, token, list,
		func(r *storagev1.MembershipRecord) string { return r.GetMembership().GetSubject() })
	out := make([]*identityv1.Membership, len(recs))
	for i, r := range recs {
		out[i] = present(r)
	}
	return out, next, err
}

// subjectUID is the uid of the subject a membership is for; subjects
// identity does not know are refused.
func subjectUID(tx store.Subjects, sub string) (string, error) {
	if _, err := subject.Parse(sub); err != nil {
		return "", apierror.InvalidArgument("membership.subject", "must be user:, group: or serviceaccount: and a name")
	}
	return store.SubjectUID(tx, sub)
}

// DeleteTenant removes every membership of tenant in one transaction and
// returns how many there were: a tenant created later with the name
// starts with no members. A tenant without memberships is no error.
func (s *Service) DeleteTenant(ctx context.Context, tenant string) (int, error) {
	n := 0
	err := s.Store.Write(ctx, func(tx store.Tx) (err error) {
		n, err = deleteTenant(tx, tenant)
		return err
	})
	return n, err
}

func deleteTenant(tx store.Tx, tenant string) (int, error) {
	if err := tx.DeleteTenantTier(tenant); err != nil {
		return 0, err
	}
	n := 0
	for {
		page, err := tx.ListMemberships(tenant, "", 1000)
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, m := range page {
			if err := tx.DeleteMembership(tenant, m.GetMembership().GetSubject()); err != nil {
				return n, err
			}
			n++
		}
	}
}

// SetTiers records tenants' API tiers, as provisioning reports them, in
// one transaction; tokens issued from then on carry them (Tiers).
func (s *Service) SetTiers(ctx context.Context, tiers map[string]string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error {
		for tenant, tier := range tiers {
			if err := tx.PutTenantTier(tenant, tier); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tiers are the known API tiers of the tenants of memberships, each once;
// with scope set, only that tenant's.
func Tiers(tx store.TenantTiers, memberships []*identityv1.Membership, scope string) ([]string, error) {
	var tiers []string
	for _, m := range memberships {
		if scope != "" && m.GetTenant() != scope {
			continue
		}
		tier, err := tx.TenantTier(m.GetTenant())
		if err != nil {
			return nil, err
		}
		if tier != "" {
			tiers = append(tiers, tier)
		}
	}
	return tiers, nil
}
