package roles_test

import (
	"slices"
	"testing"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/roles"
)

func TestGroupsRoundTrip(t *testing.T) {
	ms := []*identityv1.Membership{
		{Tenant: "globex", Role: identityv1.Role_ROLE_VIEWER},
		{Tenant: "acme", Role: identityv1.Role_ROLE_EDITOR},
	}
	all := roles.Groups(ms, true, "")
	want := []string{"landlord:platform:admin", "landlord:tenant:acme:editor", "landlord:tenant:globex:viewer"}
	if !slices.Equal(all, want) {
		t.Errorf("groups = %v, want %v", all, want)
	}
	if scoped := roles.Groups(ms, false, "acme"); !slices.Equal(scoped, []string{"landlord:tenant:acme:editor"}) {
		t.Errorf("scoped = %v", scoped)
	}
	tenant, role, ok := roles.ParseTenantGroup("landlord:tenant:acme-labs:owner")
	if !ok || tenant != "acme-labs" || role != identityv1.Role_ROLE_OWNER {
		t.Errorf("parse = %q %v %v", tenant, role, ok)
	}
	for _, bad := range []string{"landlord:platform:admin", "landlord:tenant:acme", "landlord:tenant:acme:unspecified", "landlord:tenant:acme:root"} {
		if _, _, ok := roles.ParseTenantGroup(bad); ok {
			t.Errorf("parsed %q", bad)
		}
	}
	if !roles.AtLeast(identityv1.Role_ROLE_OWNER, identityv1.Role_ROLE_ADMIN) || roles.AtLeast(identityv1.Role_ROLE_EDITOR, identityv1.Role_ROLE_ADMIN) {
		t.Error("role order wrong")
	}
}
