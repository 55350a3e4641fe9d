package users_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/password"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

var ctx = context.Background()

// cheap hashes keep the tests fast; the cost travels with each hash.
var cheap, _ = password.NewHasher(password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 16}, 1, 100)

func service(t *testing.T) *users.Service {
	return &users.Service{Store: storetest.Bolt(t), Hashing: cheap, Now: time.Now}
}

// create makes a user or stops the test.
func create(t *testing.T, svc *users.Service, name, pw string, platformAdmin bool) *identityv1.User {
	t.Helper()
	u, err := svc.Create(ctx, &identityv1.User{Name: name}, pw, "", platformAdmin)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func is(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func TestCreateIsIdempotentPerRequestID(t *testing.T) {
	svc := service(t)
	first, err := svc.Create(ctx, &identityv1.User{Name: "ann"}, "", "req-1", false)
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.Create(ctx, &identityv1.User{Name: "ann", DisplayName: "changed"}, "", "req-1", false)
	if err != nil || again.GetEtag() != first.GetEtag() || again.GetDisplayName() != "" {
		t.Errorf("retry with the same request id = %v, %v; want the first result", again, err)
	}
	_, err = svc.Create(ctx, &identityv1.User{Name: "ann"}, "", "req-2", false)
	is(t, err, apierror.ErrAlreadyExists, "another request for the same name")
	_, err = svc.Create(ctx, &identityv1.User{Name: "ann"}, "", "", false)
	is(t, err, apierror.ErrAlreadyExists, "a request without id")
}

func TestUpdateNeedsTheCurrentEtagAndUpdatableFields(t *testing.T) {
	svc := service(t)
	created := create(t, svc, "ann", "", false)
	updated, err := svc.Update(ctx, &identityv1.User{Name: "ann", DisplayName: "Ann", Email: "x@example.com"}, []string{"display_name"}, created.GetEtag())
	if err != nil || updated.GetDisplayName() != "Ann" || updated.GetEmail() != "" || updated.GetEtag() == created.GetEtag() {
		t.Errorf("update of display_name only = %v, %v", updated, err)
	}
	_, err = svc.Update(ctx, &identityv1.User{Name: "ann", Disabled: true}, []string{"disabled"}, created.GetEtag())
	is(t, err, apierror.ErrEtagMismatch, "update with a stale etag")
	for _, paths := range [][]string{nil, {"name"}, {"display_name", "platform_admin"}} {
		if _, err := svc.Update(ctx, &identityv1.User{Name: "ann"}, paths, ""); !errors.As(err, new(*apierror.InvalidArgumentError)) {
			t.Errorf("update of %v: %v, want invalid argument", paths, err)
		}
	}
	_, err = svc.Update(ctx, &identityv1.User{Name: "nobody"}, []string{"email"}, "")
	is(t, err, apierror.ErrNotFound, "update of an unknown user")
}

// uidOf is the uid of a user's record.
func uidOf(t *testing.T, svc *users.Service, name string) string {
	t.Helper()
	var uid string
	err := svc.Store.Read(ctx, func(tx store.Tx) error {
		rec, err := tx.GetUser(name)
		uid = rec.GetUid()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

// sessions gives the user with uid one live session (refresh-token
// family) per id, each with one token whose hash is the id.
func sessions(t *testing.T, svc *users.Service, uid string, ids ...string) {
	t.Helper()
	expire := timestamppb.New(time.Now().Add(time.Hour))
	err := svc.Store.Write(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.PutRefreshFamily(&storagev1.RefreshFamilyRecord{Id: id, Subject: "user:ann", OwnerUid: uid, ExpireTime: expire}); err != nil {
				return err
			}
			if err := tx.PutRefreshToken([]byte(id), &storagev1.RefreshTokenRecord{Family: id, Subject: "user:ann", ExpireTime: expire}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// live reports which of the sessions are live: not revoked, token there.
func live(t *testing.T, svc *users.Service, ids ...string) []string {
	t.Helper()
	var out []string
	err := svc.Store.Read(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			fam, err := tx.GetRefreshFamily(id)
			if err != nil {
				return err
			}
			_, err = tx.GetRefreshToken([]byte(id))
			switch {
			case err == nil && !fam.GetRevoked():
				out = append(out, id)
			case err != nil && !errors.Is(err, apierror.ErrNotFound):
				return err
			case err == nil:
				t.Errorf("revoked session %s kept its token", id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeleteTakesEverythingAlong: deleting a user deletes its memberships,
// groups and API keys and ends its sessions, in one transaction; a user
// re-created under the same name is another record (uid) and inherits
// none of them.
func TestDeleteTakesEverythingAlong(t *testing.T) {
	svc := service(t)
	ann := create(t, svc, "ann", "", false)
	oldUID := uidOf(t, svc, "ann")
	err := svc.Store.Write(ctx, func(tx store.Tx) error {
		m := &identityv1.Membership{Tenant: "acme", Subject: "user:ann", Role: identityv1.Role_ROLE_OWNER}
		if err := tx.PutMembership(&storagev1.MembershipRecord{Membership: m, Revision: 1, SubjectUid: oldUID}); err != nil {
			return err
		}
		if err := tx.PutApiKey(&storagev1.ApiKeyRecord{ApiKey: &identityv1.ApiKey{Id: "k1", Owner: "user:ann"}, OwnerUid: oldUID}); err != nil {
			return err
		}
		return tx.AddGroupMember("devs", "ann")
	})
	if err != nil {
		t.Fatal(err)
	}
	sessions(t, svc, oldUID, "s1", "s2")
	is(t, svc.Delete(ctx, "ann", "41"), apierror.ErrEtagMismatch, "delete with a stale etag")
	if got := live(t, svc, "s1", "s2"); len(got) != 2 {
		t.Errorf("a refused delete ended sessions: live %v", got)
	}
	is(t, svc.Delete(ctx, "ann", ann.GetEtag()), nil, "delete")
	is(t, svc.Delete(ctx, "ann", ""), apierror.ErrNotFound, "second delete")
	if got := live(t, svc, "s1", "s2"); len(got) != 0 {
		t.Errorf("sessions %v outlived their user", got)
	}
	create(t, svc, "ann", "", false)
	if uidOf(t, svc, "ann") == oldUID {
		t.Error("the new ann has the old ann's uid")
	}
	err = svc.Store.Read(ctx, func(tx store.Tx) error {
		ms, err := tx.MembershipsOf("user:ann")
		if err != nil {
			return err
		}
		groups, err := tx.GroupsOf("ann")
		if err != nil {
			return err
		}
		keys, err := tx.ApiKeysOf("user:ann")
		if len(ms) != 0 || len(groups) != 0 || len(keys) != 0 {
			t.Errorf("the new ann inherits memberships %v, groups %v and keys %v", ms, groups, keys)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSetPasswordChecksTheOldOne(t *testing.T) {
	svc := service(t)
	create(t, svc, "ann", "first password", false)
	err := svc.SetPassword(ctx, "ann", "second password", true, "wrong password", "")
	if !errors.As(err, new(*apierror.InvalidArgumentError)) {
		t.Errorf("change with a wrong old password: %v, want invalid argument", err)
	}
	is(t, svc.SetPassword(ctx, "ann", "second password", true, "first password", ""), nil, "change with the old password")
	is(t, svc.SetPassword(ctx, "ann", "third password", false, "", ""), nil, "reset by an admin")
	err = svc.Store.Read(ctx, func(tx store.Tx) error {
		rec, err := tx.GetUser("ann")
		if err != nil {
			return err
		}
		if ok, err := cheap.Verify(ctx, "third password", rec.GetPasswordHash()); !ok || err != nil {
			t.Errorf("stored hash does not verify the new password: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	is(t, svc.SetPassword(ctx, "nobody", "a password", false, "", ""), apierror.ErrNotFound, "password of an unknown user")
}

// TestSetPasswordEndsTheOtherSessions: changing one's password keeps the
// session that changed it and ends the others; an admin's reset ends them
// all; a refused change ends none; other users' sessions are untouched.
func TestSetPasswordEndsTheOtherSessions(t *testing.T) {
	svc := service(t)
	create(t, svc, "ann", "first password", false)
	create(t, svc, "bob", "bob's password", false)
	annUID := uidOf(t, svc, "ann")
	sessions(t, svc, annUID, "laptop", "phone", "stolen")
	sessions(t, svc, uidOf(t, svc, "bob"), "bobs")

	_ = svc.SetPassword(ctx, "ann", "second password", true, "wrong password", "laptop")
	if got := live(t, svc, "laptop", "phone", "stolen"); len(got) != 3 {
		t.Errorf("a refused change ended sessions: live %v", got)
	}
	is(t, svc.SetPassword(ctx, "ann", "second password", true, "first password", "laptop"), nil, "change from the laptop")
	if got := live(t, svc, "laptop", "phone", "stolen", "bobs"); !slices.Equal(got, []string{"laptop", "bobs"}) {
		t.Errorf("live after ann's change = %v, want [laptop bobs]", got)
	}
	sessions(t, svc, annUID, "phone2")
	is(t, svc.SetPassword(ctx, "ann", "third password", false, "", ""), nil, "reset by an admin")
	if got := live(t, svc, "laptop", "phone2", "bobs"); !slices.Equal(got, []string{"bobs"}) {
		t.Errorf("live after the reset = %v, want [bobs]", got)
	}
}

func TestTheLastPlatformAdminStays(t *testing.T) {
	svc := service(t)
	create(t, svc, "root", "", true)
	create(t, svc, "hal", "", false)
	is(t, svc.SetPlatformAdmin(ctx, "root", false), apierror.ErrFailedPrecondition, "revoking the last admin")
	is(t, svc.SetPlatformAdmin(ctx, "hal", true), nil, "granting hal")
	if admins, err := svc.PlatformAdmins(ctx); err != nil || !slices.Equal(admins, []string{"hal", "root"}) {
		t.Errorf("admins = %v, %v", admins, err)
	}
	is(t, svc.SetPlatformAdmin(ctx, "root", false), nil, "revoking one of two")
	is(t, svc.SetPlatformAdmin(ctx, "hal", false), apierror.ErrFailedPrecondition, "revoking the last one again")
	is(t, svc.SetPlatformAdmin(ctx, "nobody", true), apierror.ErrNotFound, "granting an unknown user")
}
