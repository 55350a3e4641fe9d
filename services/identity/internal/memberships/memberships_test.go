package memberships_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

const (
	owner  = identityv1.Role_ROLE_OWNER
	admin  = identityv1.Role_ROLE_ADMIN
	editor = identityv1.Role_ROLE_EDITOR
	viewer = identityv1.Role_ROLE_VIEWER
)

var ctx = context.Background()

// acme is a tenant with one member per role: ann owner, bob admin, carol
// editor, dave viewer, and erin admin through the group "leads". zed is a
// user in no tenant; ci a service account. Every record's uid is its
// name and "-1".
func acme(t *testing.T) *memberships.Service {
	t.Helper()
	s := storetest.Bolt(t)
	err := s.Write(ctx, func(tx store.Tx) error {
		for _, u := range []string{"ann", "bob", "carol", "dave", "erin", "zed"} {
			if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: u}, Revision: 1, Uid: u + "-1"}); err != nil {
				return err
			}
		}
		if err := tx.PutGroup(&storagev1.GroupRecord{Group: &identityv1.Group{Name: "leads"}, Revision: 1, Uid: "leads-1"}); err != nil {
			return err
		}
		if err := tx.AddGroupMember("leads", "erin"); err != nil {
			return err
		}
		if err := tx.PutServiceAccount(&storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}, Revision: 1, Uid: "ci-1"}); err != nil {
			return err
		}
		for sub, role := range map[subject.Subject]identityv1.Role{
			subject.User("ann"): owner, subject.User("bob"): admin, subject.User("carol"): editor,
			subject.User("dave"): viewer, subject.Group("leads"): admin,
		} {
			m := &identityv1.Membership{Tenant: "acme", Subject: sub.String(), Role: role}
			if err := tx.PutMembership(&storagev1.MembershipRecord{Membership: m, Revision: 1, SubjectUid: sub.Name + "-1"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &memberships.Service{Store: s, Now: time.Now}
}

func as(user string) memberships.Caller {
	return memberships.Caller{Subject: subject.User(user).String()}
}

var platformAdmin = memberships.Caller{Subject: "user:root", PlatformAdmin: true}

func grant(tenant, user string, role identityv1.Role) *identityv1.Membership {
	return &identityv1.Membership{Tenant: tenant, Subject: subject.User(user).String(), Role: role}
}

// is checks that err wraps want (nil: no error).
func is(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func TestWhoMayGrantWhichRole(t *testing.T) {
	for _, c := range []struct {
		caller memberships.Caller
		tenant string
		role   identityv1.Role
		want   error
	}{
		{as("ann"), "acme", owner, nil},
		{as("ann"), "acme", viewer, nil},
		{as("bob"), "acme", admin, nil},
		{as("bob"), "acme", editor, nil},
		{as("bob"), "acme", owner, apierror.ErrPermissionDenied},
		{as("erin"), "acme", editor, nil}, // admin through her group
		{as("erin"), "acme", owner, apierror.ErrPermissionDenied},
		{as("carol"), "acme", viewer, apierror.ErrPermissionDenied},
		{as("dave"), "acme", viewer, apierror.ErrPermissionDenied},
		{as("zed"), "acme", viewer, apierror.ErrNotFound},   // not a member: no such tenant
		{as("ann"), "globex", viewer, apierror.ErrNotFound}, // a member elsewhere only
		{platformAdmin, "acme", owner, nil},
		{platformAdmin, "globex", owner, nil}, // platform admins manage every tenant
	} {
		svc := acme(t)
		what := c.caller.Subject + " granting " + c.role.String() + " on " + c.tenant
		got, err := svc.Set(ctx, c.caller, grant(c.tenant, "zed", c.role), "")
		is(t, err, c.want, what)
		if err == nil && (got.GetRole() != c.role || got.GetEtag() != "1") {
			t.Errorf("%s = %v", what, got)
		}
	}
}

func TestAdminsCannotTouchOwners(t *testing.T) {
	svc := acme(t)
	_, err := svc.Set(ctx, as("bob"), grant("acme", "ann", admin), "")
	is(t, err, apierror.ErrPermissionDenied, "admin demoting an owner")
	is(t, svc.Delete(ctx, as("bob"), "acme", "user:ann", ""), apierror.ErrPermissionDenied, "admin removing an owner")
	_, err = svc.Set(ctx, as("bob"), grant("acme", "carol", admin), "")
	is(t, err, nil, "admin promoting an editor to admin")
	is(t, svc.Delete(ctx, as("bob"), "acme", "user:dave", ""), nil, "admin removing a viewer")
	_, err = svc.Set(ctx, as("ann"), grant("acme", "bob", owner), "")
	is(t, err, nil, "owner promoting an admin to owner")
	is(t, svc.Delete(ctx, as("ann"), "acme", "user:bob", ""), nil, "owner removing an owner")
}

func TestNonMembersSeeNotFound(t *testing.T) {
	svc := acme(t)
	_, _, err := svc.List(ctx, as("zed"), "acme", 10, "")
	is(t, err, apierror.ErrNotFound, "non-member listing acme")
	_, _, err = svc.List(ctx, as("zed"), "no-such-tenant", 10, "")
	is(t, err, apierror.ErrNotFound, "listing a tenant that does not exist")
	is(t, svc.Delete(ctx, as("zed"), "acme", "user:carol", ""), apierror.ErrNotFound, "non-member removing a member")
	list, _, err := svc.List(ctx, as("dave"), "acme", 10, "")
	if err != nil || len(list) != 5 {
		t.Errorf("a viewer lists the members: %d, %v", len(list), err)
	}
	is(t, svc.Delete(ctx, as("ann"), "acme", "user:zed", ""), apierror.ErrNotFound, "removing a membership that does not exist")
}

func TestEtagsGuardChanges(t *testing.T) {
	svc := acme(t)
	first, err := svc.Set(ctx, as("ann"), grant("acme", "zed", viewer), "")
	is(t, err, nil, "grant")
	second, err := svc.Set(ctx, as("ann"), grant("acme", "zed", editor), first.GetEtag())
	is(t, err, nil, "change with the current etag")
	if second.GetEtag() == first.GetEtag() {
		t.Errorf("etag unchanged by a change: %q", second.GetEtag())
	}
	_, err = svc.Set(ctx, as("ann"), grant("acme", "zed", admin), first.GetEtag())
	is(t, err, apierror.ErrEtagMismatch, "change with a stale etag")
	is(t, svc.Delete(ctx, as("ann"), "acme", "user:zed", first.GetEtag()), apierror.ErrEtagMismatch, "delete with a stale etag")
	_, err = svc.Set(ctx, as("ann"), &identityv1.Membership{Tenant: "acme", Subject: "serviceaccount:ci", Role: viewer}, "1")
	is(t, err, apierror.ErrEtagMismatch, "creating with an etag")
	is(t, svc.Delete(ctx, as("ann"), "acme", "user:zed", second.GetEtag()), nil, "delete with the current etag")
}

func TestOnlyKnownSubjectsGetRoles(t *testing.T) {
	svc := acme(t)
	for sub, want := range map[string]error{
		"serviceaccount:ci":   nil,
		"group:leads":         nil,
		"user:nobody":         apierror.ErrNotFound,
		"group:nobody":        apierror.ErrNotFound,
		"serviceaccount:nope": apierror.ErrNotFound,
	} {
		_, err := svc.Set(ctx, as("ann"), &identityv1.Membership{Tenant: "acme", Subject: sub, Role: viewer}, "")
		is(t, err, want, "granting to "+sub)
	}
	_, err := svc.Set(ctx, as("ann"), &identityv1.Membership{Tenant: "acme", Subject: "robot:r2", Role: viewer}, "")
	if !errors.As(err, new(*apierror.InvalidArgumentError)) {
		t.Errorf("granting to robot:r2: %v, want invalid argument", err)
	}
}

func TestEffectiveRolesTakeTheHighestOfUserAndGroups(t *testing.T) {
	svc := acme(t)
	if _, err := svc.Set(ctx, as("ann"), grant("acme", "erin", viewer), ""); err != nil {
		t.Fatal(err)
	}
	err := svc.Store.Read(ctx, func(tx store.Tx) error {
		ms, groups, err := memberships.Effective(tx, "user:erin")
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].GetRole() != admin || ms[0].GetSubject() != "user:erin" || !slices.Equal(groups, []string{"leads"}) {
			t.Errorf("erin's effective memberships %v, groups %v; want admin of acme through leads", ms, groups)
		}
		role, err := memberships.RoleIn(tx, "user:erin", "acme")
		if err != nil || role != admin {
			t.Errorf("RoleIn(erin, acme) = %v, %v", role, err)
		}
		role, err = memberships.RoleIn(tx, "group:leads", "globex")
		if err != nil || role != identityv1.Role_ROLE_UNSPECIFIED {
			t.Errorf("RoleIn(leads, globex) = %v, %v", role, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// recreate replaces the records of the named users and groups with new
// ones (new uids), as deleting and creating them again would, but leaves
// their memberships behind.
func recreate(t *testing.T, svc *memberships.Service, users, groups []string) {
	t.Helper()
	err := svc.Store.Write(ctx, func(tx store.Tx) error {
		for _, u := range users {
			if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: u}, Revision: 1, Uid: u + "-2"}); err != nil {
				return err
			}
		}
		for _, g := range groups {
			if err := tx.PutGroup(&storagev1.GroupRecord{Group: &identityv1.Group{Name: g}, Revision: 1, Uid: g + "-2"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMembershipsCountOnlyForTheRecordTheyWereMadeFor: a user or group
// re-created under its old name holds none of the old one's roles, even
// where its memberships were left behind; granting it a role starts over.
func TestMembershipsCountOnlyForTheRecordTheyWereMadeFor(t *testing.T) {
	svc := acme(t)
	recreate(t, svc, []string{"ann"}, []string{"leads"})
	err := svc.Store.Read(ctx, func(tx store.Tx) error {
		for _, sub := range []string{"user:ann", "user:erin", "group:leads"} {
			role, err := memberships.RoleIn(tx, sub, "acme")
			if err != nil || role != identityv1.Role_ROLE_UNSPECIFIED {
				t.Errorf("RoleIn(%s, acme) = %v, %v; want none", sub, role, err)
			}
			ms, _, err := memberships.Effective(tx, sub)
			if err != nil || len(ms) != 0 {
				t.Errorf("Effective(%s) = %v, %v; want none", sub, ms, err)
			}
		}
		if role, err := memberships.RoleIn(tx, "user:bob", "acme"); err != nil || role != admin {
			t.Errorf("bob, not re-created, lost his role: %v, %v", role, err)
		}
		if role, err := memberships.RoleIn(tx, "user:nobody", "acme"); err != nil || role != identityv1.Role_ROLE_UNSPECIFIED {
			t.Errorf("RoleIn of a user without a record = %v, %v", role, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Set(ctx, as("ann"), grant("acme", "zed", viewer), "")
	is(t, err, apierror.ErrNotFound, "the new ann managing acme")
	// The old ann was an owner; the new one is a viewer, and an admin may
	// change that: it is not an owner membership any more.
	if _, err := svc.Set(ctx, as("bob"), grant("acme", "ann", viewer), ""); err != nil {
		t.Fatalf("admin granting the new ann a role: %v", err)
	}
	err = svc.Store.Read(ctx, func(tx store.Tx) error {
		role, err := memberships.RoleIn(tx, "user:ann", "acme")
		if err != nil || role != viewer {
			t.Errorf("the new ann's role = %v, %v; want viewer", role, err)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDeletingATenantsMembershipsLeavesNoMember: every membership of the
// tenant goes, in one call, and none of another tenant (not even of one
// whose name starts the same); a tenant made later under the name starts
// empty; a retry finds nothing to do.
func TestDeletingATenantsMembershipsLeavesNoMember(t *testing.T) {
	svc := acme(t)
	for _, m := range []*identityv1.Membership{grant("acme-labs", "ann", owner), grant("globex", "bob", viewer)} {
		if _, err := svc.Set(ctx, platformAdmin, m, ""); err != nil {
			t.Fatal(err)
		}
	}
	n, err := svc.DeleteTenant(ctx, "acme")
	if err != nil || n != 5 {
		t.Fatalf("DeleteTenant(acme) = %d, %v; want 5", n, err)
	}
	if n, err := svc.DeleteTenant(ctx, "acme"); err != nil || n != 0 {
		t.Errorf("retry = %d, %v; want 0, nil", n, err)
	}
	if n, err := svc.DeleteTenant(ctx, "never-existed"); err != nil || n != 0 {
		t.Errorf("a tenant without members = %d, %v; want 0, nil", n, err)
	}
	err = svc.Store.Read(ctx, func(tx store.Tx) error {
		left, err := tx.ListMemberships("acme", "", 100)
		if err != nil || len(left) != 0 {
			t.Errorf("acme's memberships after delete: %v, %v", left, err)
		}
		for sub, want := range map[string]int{"user:ann": 1, "user:bob": 1, "user:carol": 0, "group:leads": 0} {
			ms, err := tx.MembershipsOf(sub)
			if err != nil || len(ms) != want {
				t.Errorf("%s's memberships after acme's deletion = %v, %v; want %d", sub, ms, err, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A new acme: its former owner is a stranger there.
	_, _, err = svc.List(ctx, as("ann"), "acme", 10, "")
	is(t, err, apierror.ErrNotFound, "the old owner listing the new acme")
	if _, err := svc.Set(ctx, platformAdmin, grant("acme", "zed", owner), ""); err != nil {
		t.Fatal(err)
	}
	list, _, err := svc.List(ctx, as("zed"), "acme", 10, "")
	if err != nil || len(list) != 1 {
		t.Errorf("the new acme's members = %v, %v; want zed only", list, err)
	}
}
