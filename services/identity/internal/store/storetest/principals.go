package storetest

import (
	"testing"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
)

func user(name string) *storagev1.UserRecord {
	return &storagev1.UserRecord{User: &identityv1.User{Name: name}, Revision: 1}
}

func userName(r *storagev1.UserRecord) string { return r.GetUser().GetName() }

func usersCase(t testing.TB, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, n := range []string{"carol", "ann", "bob", "dave"} {
			ok(t, tx.PutUser(user(n)))
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetUser("bob")
		ok(t, err)
		same(t, "GetUser(bob)", userName(got), "bob")
		_, err = tx.GetUser("nobody")
		notFound(t, err, "GetUser(nobody)")
		first, err := tx.ListUsers("", 2)
		ok(t, err)
		same(t, "first page", names(first, userName), "[ann bob]")
		next, err := tx.ListUsers("bob", 10)
		ok(t, err)
		same(t, "page after bob", names(next, userName), "[carol dave]")
		last, err := tx.ListUsers("dave", 10)
		ok(t, err)
		same(t, "page after dave", len(last), 0)
		n, err := tx.CountUsers()
		ok(t, err)
		same(t, "CountUsers", n, 4)
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		bob := user("bob")
		bob.User.DisplayName, bob.Revision = "Bob", 2
		ok(t, tx.PutUser(bob)) // replaces
		ok(t, tx.DeleteUser("carol"))
		ok(t, tx.DeleteUser("nobody")) // missing: no error
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		bob, err := tx.GetUser("bob")
		ok(t, err)
		same(t, "replaced bob", []any{bob.GetUser().GetDisplayName(), bob.GetRevision()}, []any{"Bob", 2})
		all, err := tx.ListUsers("", 10)
		ok(t, err)
		same(t, "after delete", names(all, userName), "[ann bob dave]")
		n, err := tx.CountUsers()
		ok(t, err)
		same(t, "CountUsers after delete", n, 3)
		return nil
	})
}

func serviceAccountsCase(t testing.TB, s store.Store) {
	sa := func(name string) *storagev1.ServiceAccountRecord {
		return &storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: name}, Revision: 1}
	}
	saName := func(r *storagev1.ServiceAccountRecord) string { return r.GetServiceAccount().GetName() }
	write(t, s, func(tx store.Tx) error {
		for _, n := range []string{"deploy", "backup", "ci"} {
			ok(t, tx.PutServiceAccount(sa(n)))
		}
		ci := sa("ci")
		ci.ServiceAccount.Disabled = true
		ok(t, tx.PutServiceAccount(ci)) // replaces
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		ci, err := tx.GetServiceAccount("ci")
		ok(t, err)
		same(t, "replaced ci", []any{saName(ci), ci.GetServiceAccount().GetDisabled()}, []any{"ci", true})
		_, err = tx.GetServiceAccount("nobody")
		notFound(t, err, "GetServiceAccount(nobody)")
		first, err := tx.ListServiceAccounts("", 2)
		ok(t, err)
		same(t, "first page", names(first, saName), "[backup ci]")
		rest, err := tx.ListServiceAccounts("ci", 2)
		ok(t, err)
		same(t, "page after ci", names(rest, saName), "[deploy]")
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.DeleteServiceAccount("ci"))
		ok(t, tx.DeleteServiceAccount("nobody")) // missing: no error
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		_, err := tx.GetServiceAccount("ci")
		notFound(t, err, "deleted service account")
		all, err := tx.ListServiceAccounts("", 10)
		ok(t, err)
		same(t, "after delete", names(all, saName), "[backup deploy]")
		return nil
	})
}

func membership(tenant, subject string, role identityv1.Role) *storagev1.MembershipRecord {
	return &storagev1.MembershipRecord{Membership: &identityv1.Membership{Tenant: tenant, Subject: subject, Role: role}, Revision: 1}
}

func subjectOf(r *storagev1.MembershipRecord) string { return r.GetMembership().GetSubject() }

func tenantOf(r *storagev1.MembershipRecord) string { return r.GetMembership().GetTenant() }

func membershipsCase(t testing.TB, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, m := range []*storagev1.MembershipRecord{
			membership("acme", "user:bob", identityv1.Role_ROLE_EDITOR),
			membership("acme", "user:ann", identityv1.Role_ROLE_OWNER),
			membership("acme", "group:devs", identityv1.Role_ROLE_VIEWER),
			membership("acme-labs", "user:ann", identityv1.Role_ROLE_VIEWER),
			membership("globex", "user:bob", identityv1.Role_ROLE_ADMIN),
		} {
			ok(t, tx.PutMembership(m))
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.GetMembership("acme", "user:ann")
		ok(t, err)
		same(t, "GetMembership(acme, ann)", got.GetMembership().GetRole(), identityv1.Role_ROLE_OWNER)
		_, err = tx.GetMembership("globex", "user:ann")
		notFound(t, err, "GetMembership(globex, ann)")
		// "acme-labs" shares the prefix but is another tenant.
		acme, err := tx.ListMemberships("acme", "", 10)
		ok(t, err)
		same(t, "acme", names(acme, subjectOf), "[group:devs user:ann user:bob]")
		first, err := tx.ListMemberships("acme", "", 2)
		ok(t, err)
		same(t, "acme's first page", names(first, subjectOf), "[group:devs user:ann]")
		after, err := tx.ListMemberships("acme", "user:ann", 10)
		ok(t, err)
		same(t, "acme after ann", names(after, subjectOf), "[user:bob]")
		ann, err := tx.MembershipsOf("user:ann")
		ok(t, err)
		same(t, "ann's tenants", names(ann, tenantOf), "[acme acme-labs]")
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.PutMembership(membership("globex", "user:bob", identityv1.Role_ROLE_VIEWER))) // replaces
		ok(t, tx.DeleteMembership("acme", "user:ann"))
		ok(t, tx.DeleteMembership("acme", "user:nobody")) // missing: no error
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		ann, err := tx.MembershipsOf("user:ann")
		ok(t, err)
		same(t, "ann's tenants after delete", names(ann, tenantOf), "[acme-labs]")
		_, err = tx.GetMembership("acme", "user:ann")
		notFound(t, err, "deleted membership")
		bob, err := tx.MembershipsOf("user:bob")
		ok(t, err)
		roles := make([]identityv1.Role, len(bob))
		for i, m := range bob {
			roles[i] = m.GetMembership().GetRole()
		}
		same(t, "bob's roles after replace", roles, []identityv1.Role{identityv1.Role_ROLE_EDITOR, identityv1.Role_ROLE_VIEWER})
		return nil
	})
}

func groupsCase(t testing.TB, s store.Store) {
	groupName := func(r *storagev1.GroupRecord) string { return r.GetGroup().GetName() }
	write(t, s, func(tx store.Tx) error {
		for _, g := range []string{"ops", "devs", "qa"} {
			ok(t, tx.PutGroup(&storagev1.GroupRecord{Group: &identityv1.Group{Name: g}, Revision: 1}))
		}
		ok(t, tx.PutGroup(&storagev1.GroupRecord{Group: &identityv1.Group{Name: "qa", Description: "testers"}, Revision: 2}))
		for _, m := range [][2]string{{"devs", "bob"}, {"devs", "ann"}, {"ops", "ann"}, {"qa", "ann"}, {"devs", "ann"}} {
			ok(t, tx.AddGroupMember(m[0], m[1])) // the second devs/ann is no error
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		qa, err := tx.GetGroup("qa")
		ok(t, err)
		same(t, "replaced qa", qa.GetGroup().GetDescription(), "testers")
		_, err = tx.GetGroup("nobody")
		notFound(t, err, "GetGroup(nobody)")
		first, err := tx.ListGroups("", 2)
		ok(t, err)
		same(t, "first page", names(first, groupName), "[devs ops]")
		rest, err := tx.ListGroups("ops", 2)
		ok(t, err)
		same(t, "page after ops", names(rest, groupName), "[qa]")
		devs, err := tx.GroupMembers("devs")
		ok(t, err)
		same(t, "devs' members", devs, "[ann bob]")
		ann, err := tx.GroupsOf("ann")
		ok(t, err)
		same(t, "ann's groups", ann, "[devs ops qa]")
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		ok(t, tx.RemoveGroupMember("qa", "ann"))
		ok(t, tx.RemoveGroupMember("qa", "nobody")) // non-member: no error
		ok(t, tx.DeleteGroup("ops"))
		ok(t, tx.DeleteGroup("nobody")) // missing: no error
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		_, err := tx.GetGroup("ops")
		notFound(t, err, "deleted group")
		ann, err := tx.GroupsOf("ann")
		ok(t, err)
		same(t, "ann's groups after remove and delete", ann, "[devs]")
		for _, g := range []string{"ops", "qa"} {
			members, err := tx.GroupMembers(g)
			ok(t, err)
			same(t, g+"'s members", len(members), 0)
		}
		all, err := tx.ListGroups("", 10)
		ok(t, err)
		same(t, "groups after delete", names(all, groupName), "[devs qa]")
		return nil
	})
}
