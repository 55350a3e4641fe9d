package apikeys_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/apikeys"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

var (
	ctx   = context.Background()
	start = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ann   = memberships.Caller{Subject: "user:ann"}
	root  = memberships.Caller{Subject: "user:root", PlatformAdmin: true}
)

// service holds users ann, bob and root (a platform admin) and the service
// account ci; its clock starts at start and moves with *now.
func service(t *testing.T) (*apikeys.Service, *time.Time) {
	t.Helper()
	s := storetest.Bolt(t)
	err := s.Write(ctx, func(tx store.Tx) error {
		for _, u := range []string{"ann", "bob", "root"} {
			rec := &storagev1.UserRecord{User: &identityv1.User{Name: u}, PlatformAdmin: u == "root", Revision: 1, Uid: u + "-1"}
			if err := tx.PutUser(rec); err != nil {
				return err
			}
		}
		return tx.PutServiceAccount(&storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}, Revision: 1, Uid: "ci-1"})
	})
	if err != nil {
		t.Fatal(err)
	}
	now := start
	return &apikeys.Service{Store: s, Now: func() time.Time { return now }}, &now
}

func key(owner string, life time.Duration) *identityv1.ApiKey {
	return &identityv1.ApiKey{Owner: owner, ExpireTime: timestamppb.New(start.Add(life))}
}

func create(t *testing.T, svc *apikeys.Service, owner string) (*identityv1.ApiKey, string) {
	t.Helper()
	k, secret, err := svc.Create(ctx, key(owner, 24*time.Hour), svc.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, k.GetPrefix()) || k.GetOwner() != owner {
		t.Fatalf("key %v for secret %q", k, secret)
	}
	return k, secret
}

func is(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func invalid(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.As(err, new(*apierror.InvalidArgumentError)) {
		t.Errorf("%s: %v, want invalid argument", what, err)
	}
}

// Who may create and list keys is in the authorization table (the owner
// the request names, or a platform admin); revoking names only the key, so
// its stored owner is checked here.
func TestUsersRevokeOnlyTheirOwnKeys(t *testing.T) {
	svc, _ := service(t)
	own, _ := create(t, svc, "user:ann")
	bobs, _ := create(t, svc, "user:bob")
	create(t, svc, "serviceaccount:ci")

	_, err := svc.Revoke(ctx, ann, bobs.GetId())
	is(t, err, apierror.ErrNotFound, "ann revoking bob's key")
	_, err = svc.Revoke(ctx, ann, "no-such-key")
	is(t, err, apierror.ErrNotFound, "revoking an unknown key")

	list, err := svc.List(ctx, "user:ann")
	if err != nil || len(list) != 1 || list[0].GetId() != own.GetId() {
		t.Errorf("ann's keys = %v, %v", list, err)
	}
	if revoked, err := svc.Revoke(ctx, root, own.GetId()); err != nil || !revoked.GetRevoked() {
		t.Errorf("platform admin revoking ann's key = %v, %v", revoked, err)
	}
	if list, err := svc.List(ctx, "serviceaccount:ci"); err != nil || len(list) != 1 {
		t.Errorf("platform admin listing ci's keys = %v, %v", list, err)
	}
}

func TestKeysNeedAKnownOwnerAndABoundedLife(t *testing.T) {
	svc, _ := service(t)
	_, _, err := svc.Create(ctx, key("user:nobody", time.Hour), start)
	is(t, err, apierror.ErrNotFound, "key for an unknown user")
	_, _, err = svc.Create(ctx, key("group:devs", time.Hour), start)
	invalid(t, err, "key for a group")
	_, _, err = svc.Create(ctx, &identityv1.ApiKey{Owner: "user:ann"}, start)
	invalid(t, err, "key without expiry")
	_, _, err = svc.Create(ctx, key("user:ann", -time.Minute), start)
	invalid(t, err, "key expired already")
	_, _, err = svc.Create(ctx, key("user:ann", apikeys.MaxLifetime+time.Hour), start)
	invalid(t, err, "key living longer than a year")
}

func TestAuthenticateAcceptsOnlyLiveKeysOfEnabledOwners(t *testing.T) {
	svc, now := service(t)
	_, annSecret := create(t, svc, "user:ann")
	_, rootSecret := create(t, svc, "user:root")
	ciKey, ciSecret := create(t, svc, "serviceaccount:ci")

	if p, err := svc.Authenticate(ctx, annSecret); err != nil || p.Subject != "user:ann" || p.PlatformAdmin {
		t.Errorf("ann's key = %+v, %v", p, err)
	}
	if p, err := svc.Authenticate(ctx, rootSecret); err != nil || !p.PlatformAdmin {
		t.Errorf("root's key = %+v, %v", p, err)
	}
	if list, err := svc.List(ctx, "user:ann"); err != nil || !list[0].GetLastUseTime().AsTime().Equal(start) {
		t.Errorf("last use not recorded: %v, %v", list, err)
	}
	tampered := annSecret[:len(annSecret)-1] + string(annSecret[len(annSecret)-1]^1)
	for name, bad := range map[string]string{"tampered": tampered, "garbage": "garbage", "no id": "llk_", "unknown id": "llk_00_x"} {
		_, err := svc.Authenticate(ctx, bad)
		is(t, err, apierror.ErrUnauthenticated, name+" secret")
	}

	if _, err := svc.Revoke(ctx, root, ciKey.GetId()); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Authenticate(ctx, ciSecret)
	is(t, err, apierror.ErrUnauthenticated, "revoked key")

	err = svc.Store.Write(ctx, func(tx store.Tx) error {
		rec, err := tx.GetUser("root")
		if err != nil {
			return err
		}
		rec.User.Disabled = true
		return tx.PutUser(rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, rootSecret)
	is(t, err, apierror.ErrUnauthenticated, "key of a disabled user")

	*now = start.Add(24 * time.Hour)
	_, err = svc.Authenticate(ctx, annSecret)
	is(t, err, apierror.ErrUnauthenticated, "expired key")
}

// TestCreatingAKeyNeedsAFreshLogin: only a token whose password login is
// recent enough makes a key, for everyone; a token without a login (one
// exchanged from an API key) never does.
func TestCreatingAKeyNeedsAFreshLogin(t *testing.T) {
	svc, now := service(t)
	*now = start.Add(time.Hour)
	for name, authTime := range map[string]time.Time{
		"no password login (API key token)": {},
		"login 5m1s ago":                    now.Add(-apikeys.DefaultFreshAuth - time.Second),
		"login an hour ago":                 start,
	} {
		_, _, err := svc.Create(ctx, key("user:root", 2*time.Hour), authTime)
		is(t, err, apierror.ErrFailedPrecondition, "platform admin's key after "+name)
		_, _, err = svc.Create(ctx, key("user:ann", 2*time.Hour), authTime)
		is(t, err, apierror.ErrFailedPrecondition, "ann's key after "+name)
	}
	if _, _, err := svc.Create(ctx, key("user:ann", 2*time.Hour), now.Add(-apikeys.DefaultFreshAuth)); err != nil {
		t.Errorf("key right at the end of the window: %v", err)
	}
	svc.FreshAuth = 2 * time.Second
	_, _, err := svc.Create(ctx, key("user:ann", 2*time.Hour), now.Add(-3*time.Second))
	is(t, err, apierror.ErrFailedPrecondition, "login 3s ago with a 2s window")
	if _, _, err := svc.Create(ctx, key("user:ann", 2*time.Hour), *now); err != nil {
		t.Errorf("key right after a login: %v", err)
	}
}

// TestKeysWorkOnlyForTheRecordTheyWereMadeFor: a user or service account
// deleted and re-created under the same name (a new uid) does not inherit
// the keys of the old one, even if they were left behind.
func TestKeysWorkOnlyForTheRecordTheyWereMadeFor(t *testing.T) {
	svc, _ := service(t)
	_, annSecret := create(t, svc, "user:ann")
	_, ciSecret := create(t, svc, "serviceaccount:ci")
	if p, err := svc.Authenticate(ctx, annSecret); err != nil || p.UID != "ann-1" {
		t.Fatalf("ann's key = %+v, %v; want ann's uid", p, err)
	}
	err := svc.Store.Write(ctx, func(tx store.Tx) error {
		if err := tx.PutUser(&storagev1.UserRecord{User: &identityv1.User{Name: "ann"}, Revision: 1, Uid: "ann-2"}); err != nil {
			return err
		}
		return tx.PutServiceAccount(&storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}, Revision: 1, Uid: "ci-2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"the old ann's key": annSecret, "the old ci's key": ciSecret} {
		_, err := svc.Authenticate(ctx, secret)
		is(t, err, apierror.ErrUnauthenticated, name)
	}
}
