package roles_test

import (
	"testing"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/roles"
)

// TestMatrix pins the documented permission matrix, row by row.
func TestMatrix(t *testing.T) {
	const (
		v = identityv1.Role_ROLE_VIEWER
		e = identityv1.Role_ROLE_EDITOR
		a = identityv1.Role_ROLE_ADMIN
		o = identityv1.Role_ROLE_OWNER
	)
	rows := map[identityv1.Permission][]identityv1.Role{
		identityv1.Permission_PERMISSION_TENANT_GET:         {v, e, a, o},
		identityv1.Permission_PERMISSION_USAGE_READ:         {v, e, a, o},
		identityv1.Permission_PERMISSION_WORKLOADS_WRITE:    {e, a, o},
		identityv1.Permission_PERMISSION_TENANT_UPDATE:      {a, o},
		identityv1.Permission_PERMISSION_TENANT_HIBERNATE:   {a, o},
		identityv1.Permission_PERMISSION_NAMESPACES_MANAGE:  {a, o},
		identityv1.Permission_PERMISSION_MEMBERSHIPS_MANAGE: {a, o},
		identityv1.Permission_PERMISSION_OWNERS_MANAGE:      {o},
		identityv1.Permission_PERMISSION_TENANT_DELETE:      {o},
		identityv1.Permission_PERMISSION_TENANT_CREATE:      {},
	}
	if len(rows) != len(identityv1.Permission_name)-1 {
		t.Fatalf("matrix covers %d permissions, the enum has %d", len(rows), len(identityv1.Permission_name)-1)
	}
	for perm, granted := range rows {
		for _, role := range []identityv1.Role{identityv1.Role_ROLE_UNSPECIFIED, v, e, a, o} {
			want := false
			for _, g := range granted {
				want = want || g == role
			}
			if got := roles.Allowed(false, role, perm); got != want {
				t.Errorf("%v as %v: %v, want %v", perm, role, got, want)
			}
		}
		if !roles.Allowed(true, identityv1.Role_ROLE_UNSPECIFIED, perm) {
			t.Errorf("platform admin denied %v", perm)
		}
	}
	if roles.Allowed(true, o, identityv1.Permission_PERMISSION_UNSPECIFIED) {
		t.Error("unspecified permission granted")
	}
}
