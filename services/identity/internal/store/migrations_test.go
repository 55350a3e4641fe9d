package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// TestMigrationBindsCredentialsToUIDs opens a file written before uids
// existed: every subject gets a uid, memberships, keys and refresh tokens
// of existing subjects are bound to it, and those of subjects deleted
// already go.
func TestMigrationBindsCredentialsToUIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "identity.db")
	old, err := boltdb.Open(path, migrations[:4])
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	put := func(tx *bolt.Tx, bucket []byte, k string, m proto.Message) {
		if err := boltdb.Put(tx.Bucket(bucket), []byte(k), m); err != nil {
			t.Fatal(err)
		}
	}
	membership := func(tenant, sub string) *storagev1.MembershipRecord {
		return &storagev1.MembershipRecord{Membership: &identityv1.Membership{Tenant: tenant, Subject: sub, Role: identityv1.Role_ROLE_VIEWER}}
	}
	err = old.Update(func(tx *bolt.Tx) error {
		for _, n := range []string{"ann", "bob"} {
			put(tx, usersBucket, n, &storagev1.UserRecord{User: &identityv1.User{Name: n}})
		}
		put(tx, serviceAccounts, "ci", &storagev1.ServiceAccountRecord{ServiceAccount: &identityv1.ServiceAccount{Name: "ci"}})
		put(tx, groupsBucket, "devs", &storagev1.GroupRecord{Group: &identityv1.Group{Name: "devs"}})
		for _, sub := range []string{"user:ann", "user:gone", "group:devs", "serviceaccount:ci"} {
			put(tx, membershipsBucket, string(key("acme", sub)), membership("acme", sub))
			if err := tx.Bucket(bySubjectBucket).Put(key(sub, "acme"), nil); err != nil {
				return err
			}
		}
		for id, owner := range map[string]string{"k1": "user:ann", "k2": "user:gone", "k3": "serviceaccount:ci"} {
			put(tx, apiKeysBucket, id, &storagev1.ApiKeyRecord{ApiKey: &identityv1.ApiKey{Id: id, Owner: owner}})
			if err := tx.Bucket(apiKeysByOwner).Put(key(owner, id), nil); err != nil {
				return err
			}
		}
		for hash, tok := range map[string]*storagev1.RefreshTokenRecord{
			"t1": {Family: "f1", Subject: "user:ann", ExpireTime: timestamppb.New(t0.Add(time.Hour)), Used: true},
			"t2": {Family: "f1", Subject: "user:ann", ExpireTime: timestamppb.New(t0.Add(2 * time.Hour))},
			"t3": {Family: "f2", Subject: "user:gone", ExpireTime: timestamppb.New(t0.Add(time.Hour))},
		} {
			put(tx, refreshBucket, hash, tok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	gone := func(err error, what string) {
		t.Helper()
		if !errors.Is(err, apierror.ErrNotFound) {
			t.Errorf("%s: %v, want it gone", what, err)
		}
	}
	err = s.Write(context.Background(), func(tx Tx) error {
		ann, err := tx.GetUser("ann")
		must(err)
		bob, err := tx.GetUser("bob")
		must(err)
		ci, err := tx.GetServiceAccount("ci")
		must(err)
		devs, err := tx.GetGroup("devs")
		must(err)
		uids := map[string]bool{ann.GetUid(): true, bob.GetUid(): true, ci.GetUid(): true, devs.GetUid(): true}
		if len(uids) != 4 || uids[""] {
			t.Fatalf("uids %v: want four distinct ones", uids)
		}
		for sub, uid := range map[string]string{"user:ann": ann.GetUid(), "group:devs": devs.GetUid(), "serviceaccount:ci": ci.GetUid()} {
			m, err := tx.GetMembership("acme", sub)
			must(err)
			if m.GetSubjectUid() != uid {
				t.Errorf("membership of %s bound to %q, want %q", sub, m.GetSubjectUid(), uid)
			}
		}
		_, err = tx.GetMembership("acme", "user:gone")
		gone(err, "membership of a deleted user")
		if ms, err := tx.MembershipsOf("user:gone"); err != nil || len(ms) != 0 {
			t.Errorf("deleted user's membership index: %v, %v", ms, err)
		}
		for id, uid := range map[string]string{"k1": ann.GetUid(), "k3": ci.GetUid()} {
			k, err := tx.GetApiKey(id)
			must(err)
			if k.GetOwnerUid() != uid {
				t.Errorf("key %s bound to %q, want %q", id, k.GetOwnerUid(), uid)
			}
		}
		_, err = tx.GetApiKey("k2")
		gone(err, "key of a deleted user")
		if keys, err := tx.ApiKeysOf("user:gone"); err != nil || len(keys) != 0 {
			t.Errorf("deleted user's key index: %v, %v", keys, err)
		}
		f1, err := tx.GetRefreshFamily("f1")
		must(err)
		if f1.GetOwnerUid() != ann.GetUid() || f1.GetSubject() != "user:ann" || !f1.GetExpireTime().AsTime().Equal(t0.Add(2*time.Hour)) || f1.GetAuthTime() != nil {
			t.Errorf("family f1 = %v", f1)
		}
		if fams, err := tx.RefreshFamiliesOf(ann.GetUid()); err != nil || len(fams) != 1 {
			t.Errorf("ann's families = %v, %v", fams, err)
		}
		t1, err := tx.GetRefreshToken([]byte("t1"))
		must(err)
		if !t1.GetUsed() {
			t.Error("t1 lost its used mark")
		}
		_, err = tx.GetRefreshToken([]byte("t3"))
		gone(err, "refresh token of a deleted user")
		_, err = tx.GetRefreshFamily("f2")
		gone(err, "family of a deleted user")
		// The tokens were indexed by expiry: collection finds t1, then t2
		// and f1.
		n, err := tx.CollectRefreshTokens(t0.Add(2*time.Hour), 10)
		must(err)
		if n != 3 {
			t.Errorf("collected %d, want t1, t2 and f1", n)
		}
		return nil
	})
	must(err)
}
