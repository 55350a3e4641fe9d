package identity_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity"
)

// TestGroupRolesReachTheirMembers: a group's tenant role applies to its
// members (the higher of direct and group role wins), shows in their
// tokens, and goes away when they leave the group.
func TestGroupRolesReachTheirMembers(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	groups := identityv1.NewGroupServiceClient(id.conn)
	members := identityv1.NewMembershipServiceClient(id.conn)
	set := func(ctx context.Context, tenant, subject string, role identityv1.Role) error {
		_, err := members.SetMembership(ctx, &identityv1.SetMembershipRequest{Membership: &identityv1.Membership{Tenant: tenant, Subject: subject, Role: role}})
		return err
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := identityv1.NewUserServiceClient(id.conn).CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "gil"}, Password: "gil's long password"})
	must(err)
	_, err = groups.CreateGroup(admin, &identityv1.CreateGroupRequest{Group: &identityv1.Group{Name: "platform-devs"}})
	must(err)
	_, err = groups.AddGroupMember(admin, &identityv1.AddGroupMemberRequest{Group: "platform-devs", User: "gil"})
	must(err)
	must(set(admin, "initech", "group:platform-devs", identityv1.Role_ROLE_ADMIN))
	must(set(admin, "initech", "user:gil", identityv1.Role_ROLE_VIEWER))
	must(set(admin, "hooli", "user:gil", identityv1.Role_ROLE_EDITOR))
	code(t, set(admin, "initech", "group:nobody", identityv1.Role_ROLE_VIEWER), codes.NotFound, "membership of an unknown group")

	gil := bearer(id.login(t, "gil", "gil's long password", "").GetAccessToken())
	who, err := identityv1.NewAuthServiceClient(id.conn).WhoAmI(gil, &identityv1.WhoAmIRequest{})
	must(err)
	for _, g := range []string{"landlord:group:platform-devs", "landlord:tenant:initech:admin", "landlord:tenant:hooli:editor"} {
		if !slices.Contains(who.GetGroups(), g) {
			t.Errorf("token groups %v lack %s", who.GetGroups(), g)
		}
	}
	if slices.Contains(who.GetGroups(), "landlord:tenant:initech:viewer") {
		t.Errorf("token carries the lower of two roles: %v", who.GetGroups())
	}
	check, err := identityv1.NewAuthorizationServiceClient(id.conn).Check(admin, &identityv1.CheckRequest{
		Principal: &identityv1.CheckRequest_Subject{Subject: "user:gil"}, Tenant: "initech", Permission: identityv1.Permission_PERMISSION_MEMBERSHIPS_MANAGE})
	if err != nil || !check.GetAllowed() || check.GetRole() != identityv1.Role_ROLE_ADMIN {
		t.Errorf("Check through the group = %v, %v", check, err)
	}
	// The group's admin role lets gil manage initech's memberships below owner.
	must(set(gil, "initech", "user:admin", identityv1.Role_ROLE_VIEWER))
	code(t, set(gil, "initech", "user:gil", identityv1.Role_ROLE_OWNER), codes.PermissionDenied, "admin granting owner")

	_, err = groups.RemoveGroupMember(admin, &identityv1.RemoveGroupMemberRequest{Group: "platform-devs", User: "gil"})
	must(err)
	_, err = groups.RemoveGroupMember(admin, &identityv1.RemoveGroupMemberRequest{Group: "platform-devs", User: "gil"})
	code(t, err, codes.NotFound, "removing a non-member")
	gil = bearer(id.login(t, "gil", "gil's long password", "").GetAccessToken())
	who, err = identityv1.NewAuthServiceClient(id.conn).WhoAmI(gil, &identityv1.WhoAmIRequest{})
	must(err)
	if !slices.Contains(who.GetGroups(), "landlord:tenant:initech:viewer") || slices.Contains(who.GetGroups(), "landlord:group:platform-devs") {
		t.Errorf("after leaving the group: %v", who.GetGroups())
	}
	code(t, set(gil, "initech", "user:admin", identityv1.Role_ROLE_VIEWER), codes.PermissionDenied, "viewer managing memberships")

	_, err = groups.CreateGroup(gil, &identityv1.CreateGroupRequest{Group: &identityv1.Group{Name: "mine"}})
	code(t, err, codes.PermissionDenied, "non-admin creating a group")
	_, err = groups.DeleteGroup(admin, &identityv1.DeleteGroupRequest{Name: "platform-devs"})
	must(err)
	list, err := members.ListMemberships(admin, &identityv1.ListMembershipsRequest{Tenant: "initech"})
	must(err)
	for _, m := range list.GetMemberships() {
		if m.GetSubject() == "group:platform-devs" {
			t.Errorf("deleted group still holds %v", m)
		}
	}
}

func TestPlatformAdminsAreManagedAndTheLastOneStays(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	admins := identityv1.NewPlatformAdminServiceClient(id.conn)
	_, err := admins.RevokePlatformAdmin(admin, &identityv1.RevokePlatformAdminRequest{User: identity.BootstrapAdmin})
	code(t, err, codes.FailedPrecondition, "revoking the last platform admin")

	if _, err := identityv1.NewUserServiceClient(id.conn).CreateUser(admin, &identityv1.CreateUserRequest{User: &identityv1.User{Name: "hal"}, Password: "hal's long password"}); err != nil {
		t.Fatal(err)
	}
	hal := func() context.Context { return bearer(id.login(t, "hal", "hal's long password", "").GetAccessToken()) }
	_, err = admins.ListPlatformAdmins(hal(), &identityv1.ListPlatformAdminsRequest{})
	code(t, err, codes.PermissionDenied, "non-admin listing admins")
	if _, err := admins.GrantPlatformAdmin(admin, &identityv1.GrantPlatformAdminRequest{User: "hal"}); err != nil {
		t.Fatal(err)
	}
	list, err := admins.ListPlatformAdmins(hal(), &identityv1.ListPlatformAdminsRequest{})
	if err != nil || !slices.Equal(list.GetUsers(), []string{identity.BootstrapAdmin, "hal"}) {
		t.Errorf("admins = %v, %v", list, err)
	}
	if _, err := admins.RevokePlatformAdmin(hal(), &identityv1.RevokePlatformAdminRequest{User: identity.BootstrapAdmin}); err != nil {
		t.Errorf("revoking one of two admins: %v", err)
	}
	_, err = admins.GrantPlatformAdmin(admin, &identityv1.GrantPlatformAdminRequest{User: "nobody"})
	code(t, err, codes.NotFound, "granting an unknown user")
}
