// Package storetest is the conformance suite of identity's Store: every
// backend runs Cases and must pass them all.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/storagetest"
)

// Cases are the behaviours every Store backend must have.
func Cases() []storagetest.Case[store.Store] {
	return []storagetest.Case[store.Store]{
		{Name: "users round trip, page in name order, delete", Run: usersCase},
		{Name: "memberships are indexed by tenant and by subject", Run: membershipsCase},
		{Name: "refresh token families revoke together", Run: refreshCase},
		{Name: "signing keys", Run: signingKeysCase},
		{Name: "a failed write changes nothing", Run: rollbackCase},
		{Name: "audit events list newest first, paged", Run: auditCase},
		{Name: "API keys are indexed by owner", Run: apiKeysCase},
		{Name: "group members are indexed both ways", Run: groupsCase},
	}
}

var ctx = context.Background()

func write(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

func user(name string) *storagev1.UserRecord {
	return &storagev1.UserRecord{User: &identityv1.User{Name: name}, Revision: 1}
}

func usersCase(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, n := range []string{"carol", "ann", "bob", "dave"} {
			if err := tx.PutUser(user(n)); err != nil {
				return err
			}
		}
		return nil
	})
	_ = s.Read(ctx, func(tx store.Tx) error {
		got, err := tx.GetUser("bob")
		if err != nil || got.GetUser().GetName() != "bob" {
			t.Errorf("GetUser = %v, %v", got, err)
		}
		if _, err := tx.GetUser("nobody"); !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("missing user: %v", err)
		}
		page, _ := tx.ListUsers("", 2)
		next, _ := tx.ListUsers("bob", 10)
		if names(page) != "ann,bob" || names(next) != "carol,dave" {
			t.Errorf("pages = %s | %s", names(page), names(next))
		}
		if n, _ := tx.CountUsers(); n != 4 {
			t.Errorf("count = %d", n)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteUser("bob") })
	_ = s.Read(ctx, func(tx store.Tx) error {
		if all, _ := tx.ListUsers("", 10); names(all) != "ann,carol,dave" {
			t.Errorf("after delete: %s", names(all))
		}
		return nil
	})
}

func names(recs []*storagev1.UserRecord) string {
	s := ""
	for i, r := range recs {
		if i > 0 {
			s += ","
		}
		s += r.GetUser().GetName()
	}
	return s
}

func membership(tenant, subject string, role identityv1.Role) *storagev1.MembershipRecord {
	return &storagev1.MembershipRecord{Membership: &identityv1.Membership{Tenant: tenant, Subject: subject, Role: role}, Revision: 1}
}

func membershipsCase(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, m := range []*storagev1.MembershipRecord{
			membership("acme", "user:ann", identityv1.Role_ROLE_OWNER),
			membership("acme", "user:bob", identityv1.Role_ROLE_EDITOR),
			membership("acme-labs", "user:ann", identityv1.Role_ROLE_VIEWER),
			membership("globex", "user:bob", identityv1.Role_ROLE_ADMIN),
		} {
			if err := tx.PutMembership(m); err != nil {
				return err
			}
		}
		return nil
	})
	_ = s.Read(ctx, func(tx store.Tx) error {
		acme, _ := tx.ListMemberships("acme", "", 10)
		if len(acme) != 2 { // "acme-labs" shares the prefix but is another tenant
			t.Errorf("acme has %d memberships, want 2", len(acme))
		}
		after, _ := tx.ListMemberships("acme", "user:ann", 10)
		if len(after) != 1 || after[0].GetMembership().GetSubject() != "user:bob" {
			t.Errorf("page after ann = %v", after)
		}
		ann, _ := tx.MembershipsOf("user:ann")
		if len(ann) != 2 {
			t.Errorf("ann is in %d tenants, want 2", len(ann))
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteMembership("acme", "user:ann") })
	_ = s.Read(ctx, func(tx store.Tx) error {
		ann, _ := tx.MembershipsOf("user:ann")
		if len(ann) != 1 || ann[0].GetMembership().GetTenant() != "acme-labs" {
			t.Errorf("index after delete: %v", ann)
		}
		if _, err := tx.GetMembership("acme", "user:ann"); !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("deleted membership: %v", err)
		}
		return nil
	})
}

func refreshCase(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for i, fam := range []string{"f1", "f1", "f2"} {
			if err := tx.PutRefreshToken([]byte{byte(i)}, &storagev1.RefreshTokenRecord{Family: fam, Subject: "user:ann"}); err != nil {
				return err
			}
		}
		return tx.RevokeFamily("f1")
	})
	_ = s.Read(ctx, func(tx store.Tx) error {
		for i, wantGone := range []bool{true, true, false} {
			_, err := tx.GetRefreshToken([]byte{byte(i)})
			if gone := errors.Is(err, apierror.ErrNotFound); gone != wantGone {
				t.Errorf("token %d: gone=%v, want %v (%v)", i, gone, wantGone, err)
			}
		}
		return nil
	})
}

func signingKeysCase(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutSigningKey(&storagev1.SigningKeyRecord{Kid: "k1", SealedPrivateKey: []byte{1}}); err != nil {
			return err
		}
		return tx.PutSigningKey(&storagev1.SigningKeyRecord{Kid: "k2", SealedPrivateKey: []byte{2}})
	})
	write(t, s, func(tx store.Tx) error { return tx.DeleteSigningKey("k1") })
	_ = s.Read(ctx, func(tx store.Tx) error {
		keys, err := tx.SigningKeys()
		if err != nil || len(keys) != 1 || keys[0].GetKid() != "k2" {
			t.Errorf("keys = %v, %v", keys, err)
		}
		return nil
	})
}

func rollbackCase(t *testing.T, s store.Store) {
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.PutUser(user("ghost")); err != nil {
			return err
		}
		return fmt.Errorf("validation failed later")
	})
	if err == nil {
		t.Fatal("Write returned nil for a failing transaction")
	}
	_ = s.Read(ctx, func(tx store.Tx) error {
		if _, err := tx.GetUser("ghost"); !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("half-written user: %v", err)
		}
		return nil
	})
}

func auditCase(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, id := range []string{"0001", "0002", "0003"} {
			if err := tx.AppendAudit(&identityv1.AuditEvent{Id: id, Method: "m" + id}); err != nil {
				return err
			}
		}
		return nil
	})
	_ = s.Read(ctx, func(tx store.Tx) error {
		first, _ := tx.ListAudit("", 2)
		rest, _ := tx.ListAudit("0002", 10)
		if len(first) != 2 || first[0].GetId() != "0003" || first[1].GetId() != "0002" {
			t.Errorf("newest page = %v", first)
		}
		if len(rest) != 1 || rest[0].GetId() != "0001" {
			t.Errorf("older page = %v", rest)
		}
		return nil
	})
}

func apiKeysCase(t *testing.T, s store.Store) {
	put := func(id, owner string) *storagev1.ApiKeyRecord {
		return &storagev1.ApiKeyRecord{ApiKey: &identityv1.ApiKey{Id: id, Owner: owner}, SecretHash: []byte(id)}
	}
	write(t, s, func(tx store.Tx) error {
		for _, r := range []*storagev1.ApiKeyRecord{put("k1", "user:ann"), put("k2", "serviceaccount:ci"), put("k3", "user:ann")} {
			if err := tx.PutApiKey(r); err != nil {
				return err
			}
		}
		return tx.DeleteApiKey("k1")
	})
	_ = s.Read(ctx, func(tx store.Tx) error {
		ann, err := tx.ApiKeysOf("user:ann")
		if err != nil || len(ann) != 1 || ann[0].GetApiKey().GetId() != "k3" {
			t.Errorf("ann's keys = %v, %v", ann, err)
		}
		if _, err := tx.GetApiKey("k1"); !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("deleted key: %v", err)
		}
		return nil
	})
}

func groupsCase(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, g := range []string{"devs", "ops"} {
			if err := tx.PutGroup(&storagev1.GroupRecord{Group: &identityv1.Group{Name: g}, Revision: 1}); err != nil {
				return err
			}
		}
		for _, m := range [][2]string{{"devs", "ann"}, {"devs", "bob"}, {"ops", "ann"}} {
			if err := tx.AddGroupMember(m[0], m[1]); err != nil {
				return err
			}
		}
		return tx.DeleteGroup("ops")
	})
	_ = s.Read(ctx, func(tx store.Tx) error {
		members, _ := tx.GroupMembers("devs")
		annGroups, _ := tx.GroupsOf("ann")
		if fmt.Sprint(members) != "[ann bob]" || fmt.Sprint(annGroups) != "[devs]" {
			t.Errorf("devs members %v, ann's groups %v", members, annGroups)
		}
		if _, err := tx.GetGroup("ops"); !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("deleted group: %v", err)
		}
		return nil
	})
}
