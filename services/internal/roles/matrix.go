package roles

import identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"

// minimum is the least role holding each permission, as documented on
// identity.v1.Permission. TENANT_CREATE is absent: only platform admins
// create tenants.
var minimum = map[identityv1.Permission]identityv1.Role{
	identityv1.Permission_PERMISSION_TENANT_GET:         identityv1.Role_ROLE_VIEWER,
	identityv1.Permission_PERMISSION_USAGE_READ:         identityv1.Role_ROLE_VIEWER,
	identityv1.Permission_PERMISSION_WORKLOADS_WRITE:    identityv1.Role_ROLE_EDITOR,
	identityv1.Permission_PERMISSION_TENANT_UPDATE:      identityv1.Role_ROLE_ADMIN,
	identityv1.Permission_PERMISSION_TENANT_HIBERNATE:   identityv1.Role_ROLE_ADMIN,
	identityv1.Permission_PERMISSION_NAMESPACES_MANAGE:  identityv1.Role_ROLE_ADMIN,
	identityv1.Permission_PERMISSION_MEMBERSHIPS_MANAGE: identityv1.Role_ROLE_ADMIN,
	identityv1.Permission_PERMISSION_OWNERS_MANAGE:      identityv1.Role_ROLE_OWNER,
	identityv1.Permission_PERMISSION_TENANT_DELETE:      identityv1.Role_ROLE_OWNER,
}

// Allowed applies the matrix. Deny by default: a permission missing from
// it is granted to no role.
func Allowed(platformAdmin bool, role identityv1.Role, p identityv1.Permission) bool {
	if platformAdmin {
		return p != identityv1.Permission_PERMISSION_UNSPECIFIED
	}
	need, ok := minimum[p]
	return ok && AtLeast(role, need)
}

// InGroups is the highest role that token groups give in tenant.
func InGroups(groups []string, tenant string) identityv1.Role {
	best := identityv1.Role_ROLE_UNSPECIFIED
	for _, g := range groups {
		if t, r, ok := ParseTenantGroup(g); ok && t == tenant && r > best {
			best = r
		}
	}
	return best
}

// Tenants are the tenants that token groups give any role in.
func Tenants(groups []string) map[string]identityv1.Role {
	out := map[string]identityv1.Role{}
	for _, g := range groups {
		if t, r, ok := ParseTenantGroup(g); ok && r > out[t] {
			out[t] = r
		}
	}
	return out
}
