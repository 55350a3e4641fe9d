package memberships

import (
	"errors"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// Roles is what effective roles are computed from: memberships, the
// groups through which users inherit them, and the subjects' records,
// whose uids the memberships must carry.
type Roles interface {
	store.Memberships
	store.Subjects
}

// Effective returns a subject's tenant roles — its own memberships and,
// for a user, those of its groups, the highest role per tenant winning —
// and, for a user, the names of its groups.
func Effective(tx Roles, sub string) ([]*identityv1.Membership, []string, error) {
	holders, groups, err := holders(tx, sub)
	if err != nil {
		return nil, nil, err
	}
	best := map[string]*identityv1.Membership{}
	var order []string
	for _, h := range holders {
		recs, err := tx.MembershipsOf(h.subject)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range recs {
			if r.GetSubjectUid() != h.uid {
				continue // made for an earlier record with this name
			}
			m := r.GetMembership()
			prev, seen := best[m.GetTenant()]
			if !seen {
				order = append(order, m.GetTenant())
			}
			if !seen || m.GetRole() > prev.GetRole() {
				best[m.GetTenant()] = &identityv1.Membership{Tenant: m.GetTenant(), Subject: sub, Role: m.GetRole()}
			}
		}
	}
	out := make([]*identityv1.Membership, len(order))
	for i, t := range order {
		out[i] = best[t]
	}
	return out, groups, nil
}

// RoleIn is a subject's effective role in one tenant (unspecified if none).
func RoleIn(tx Roles, sub, tenant string) (identityv1.Role, error) {
	holders, _, err := holders(tx, sub)
	if err != nil {
		return 0, err
	}
	best := identityv1.Role_ROLE_UNSPECIFIED
	for _, h := range holders {
		rec, err := tx.GetMembership(tenant, h.subject)
		if errors.Is(err, apierror.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if rec.GetSubjectUid() == h.uid {
			best = max(best, rec.GetMembership().GetRole())
		}
	}
	return best, nil
}

// holder is a subject whose memberships count, and the uid of its record.
type holder struct{ subject, uid string }

// holders are the subjects whose memberships count for sub: sub itself
// and, for a user, its groups (whose names are returned too). A subject
// without a record holds nothing.
func holders(tx store.Subjects, sub string) (holders []holder, groups []string, err error) {
	uid, err := store.SubjectUID(tx, sub)
	if errors.Is(err, apierror.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	holders = []holder{{sub, uid}}
	s, _ := subject.Parse(sub) // SubjectUID parsed it
	if !s.IsUser() {
		return holders, nil, nil
	}
	if groups, err = tx.GroupsOf(s.Name); err != nil {
		return nil, nil, err
	}
	for _, g := range groups {
		gs := subject.Group(g).String()
		uid, err := store.SubjectUID(tx, gs)
		switch {
		case errors.Is(err, apierror.ErrNotFound):
			continue
		case err != nil:
			return nil, nil, err
		}
		holders = append(holders, holder{gs, uid})
	}
	return holders, groups, nil
}
