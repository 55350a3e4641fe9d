// Package roles maps tenant memberships to the groups tokens carry and
// Kubernetes RBAC binds, and says which role may do what.
package roles

import (
	"slices"
	"strings"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
)

// PlatformAdminGroup is the group of platform admins.
const PlatformAdminGroup = "landlord:platform:admin"

// Name is the short name of a role: "owner", "admin", "editor", "viewer".
func Name(r identityv1.Role) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "ROLE_"))
}

// TenantGroup is the group that holds role in tenant.
func TenantGroup(tenant string, r identityv1.Role) string {
	return "landlord:tenant:" + tenant + ":" + Name(r)
}

// ParseTenantGroup reverses TenantGroup.
func ParseTenantGroup(group string) (tenant string, r identityv1.Role, ok bool) {
	rest, found := strings.CutPrefix(group, "landlord:tenant:")
	if !found {
		return "", 0, false
	}
	tenant, name, found := strings.Cut(rest, ":")
	if !found {
		return "", 0, false
	}
	v, known := identityv1.Role_value["ROLE_"+strings.ToUpper(name)]
	if !known || v == 0 {
		return "", 0, false
	}
	return tenant, identityv1.Role(v), true
}

// Groups are the token groups for memberships; with scope set, only that
// tenant's. Sorted, so equal inputs give equal tokens.
func Groups(memberships []*identityv1.Membership, platformAdmin bool, scope string) []string {
	var groups []string
	if platformAdmin {
		groups = append(groups, PlatformAdminGroup)
	}
	for _, m := range memberships {
		if scope == "" || m.GetTenant() == scope {
			groups = append(groups, TenantGroup(m.GetTenant(), m.GetRole()))
		}
	}
	slices.Sort(groups)
	return groups
}

// UserGroups are the token groups naming a user's groups,
// "landlord:group:<name>", for Kubernetes RBAC to bind.
func UserGroups(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "landlord:group:" + n
	}
	return out
}

// TierGroup is the token group of the members of tenants whose plan has
// API tier tier: the API server's tier flow schemas match it.
func TierGroup(tier string) string { return "landlord:tier:" + tier }

// TierGroups are the token groups of tiers, sorted and without repeats.
func TierGroups(tiers []string) []string {
	out := make([]string, 0, len(tiers))
	for _, t := range tiers {
		out = append(out, TierGroup(t))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AtLeast reports whether have includes want (owner > admin > editor > viewer).
func AtLeast(have, want identityv1.Role) bool {
	return have >= want && want != identityv1.Role_ROLE_UNSPECIFIED
}
