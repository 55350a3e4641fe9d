package memberships

import (
	"errors"
	"strings"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Effective returns a subject's tenant roles — its own memberships and,
// for a user, those of its groups, the highest role per tenant winning —
// and, for a user, the names of its groups.
func Effective(tx store.Tx, subject string) ([]*identityv1.Membership, []string, error) {
	subjects := []string{subject}
	var groups []string
	if name, isUser := strings.CutPrefix(subject, "user:"); isUser {
		var err error
		if groups, err = tx.GroupsOf(name); err != nil {
			return nil, nil, err
		}
		for _, g := range groups {
			subjects = append(subjects, "group:"+g)
		}
	}
	best := map[string]*identityv1.Membership{}
	var order []string
	for _, s := range subjects {
		recs, err := tx.MembershipsOf(s)
		if err != nil {
			return nil, nil, err
		}
		for _, r := range recs {
			m := r.GetMembership()
			prev, seen := best[m.GetTenant()]
			if !seen {
				order = append(order, m.GetTenant())
			}
			if !seen || m.GetRole() > prev.GetRole() {
				best[m.GetTenant()] = &identityv1.Membership{Tenant: m.GetTenant(), Subject: subject, Role: m.GetRole()}
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
func RoleIn(tx store.Tx, subject, tenant string) (identityv1.Role, error) {
	subjects := []string{subject}
	if name, isUser := strings.CutPrefix(subject, "user:"); isUser {
		groups, err := tx.GroupsOf(name)
		if err != nil {
			return 0, err
		}
		for _, g := range groups {
			subjects = append(subjects, "group:"+g)
		}
	}
	best := identityv1.Role_ROLE_UNSPECIFIED
	for _, s := range subjects {
		rec, err := tx.GetMembership(tenant, s)
		if errors.Is(err, apierror.ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		best = max(best, rec.GetMembership().GetRole())
	}
	return best, nil
}
