package store

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// migrations are identity's schema history; append only.
var migrations = []boltdb.Migration{
	{Name: "create users, memberships, signing keys and refresh tokens",
		Apply: createBuckets(usersBucket, membershipsBucket, bySubjectBucket, signingKeysBucket, refreshBucket)},
	{Name: "create the audit log", Apply: createBuckets(auditBucket)},
	{Name: "create service accounts and API keys", Apply: createBuckets(serviceAccounts, apiKeysBucket, apiKeysByOwner)},
	{Name: "create groups and their member indexes", Apply: createBuckets(groupsBucket, groupMembers, userGroups)},
	{Name: "give subjects immutable uids, bind memberships, API keys and refresh-token families to them",
		Apply: bindToUIDs},
	{Name: "create tenants' API tiers", Apply: createBuckets(tenantTiers)},
}

func createBuckets(names ...[]byte) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, b := range names {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}
}

// bindToUIDs gives every user, service account and group a uid; records
// the subject's uid in every membership and API key, deleting those whose
// subject is gone; and files every refresh token in a family record bound
// to its user (deleting tokens of users that are gone), indexed by owner
// and expiry. Families made here have no auth time: their tokens cannot
// create API keys, a fresh login can.
func bindToUIDs(btx *bolt.Tx) error {
	if err := createBuckets(refreshFamilies, familyTokens, familiesByOwner, refreshExpiry)(btx); err != nil {
		return err
	}
	tx := boltTx{btx}
	for _, step := range []func() error{
		func() error {
			return rewrite(tx, usersBucket, func(_ []byte, r *storagev1.UserRecord) (bool, error) { return assignUID(&r.Uid), nil })
		},
		func() error {
			return rewrite(tx, serviceAccounts, func(_ []byte, r *storagev1.ServiceAccountRecord) (bool, error) {
				return assignUID(&r.Uid), nil
			})
		},
		func() error {
			return rewrite(tx, groupsBucket, func(_ []byte, r *storagev1.GroupRecord) (bool, error) { return assignUID(&r.Uid), nil })
		},
		func() error { return bindApiKeys(tx) },
		func() error { return bindMemberships(tx) },
		func() error { return indexRefreshTokens(tx) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func assignUID(uid *string) bool {
	if *uid != "" {
		return false
	}
	*uid = NewUID()
	return true
}

// rewrite decodes every value of bucket and writes back those fn changed.
// Values are collected first: bbolt forbids writes during ForEach.
func rewrite[R proto.Message](tx boltTx, bucket []byte, fn func(k []byte, rec R) (bool, error)) error {
	b := tx.tx.Bucket(bucket)
	type entry struct {
		k   []byte
		rec R
	}
	var changed []entry
	err := b.ForEach(func(k, v []byte) error {
		rec := newRecord[R]()
		if err := proto.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("%s %q: %w", bucket, k, err)
		}
		ok, err := fn(k, rec)
		if ok {
			changed = append(changed, entry{bytes.Clone(k), rec})
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, e := range changed {
		if err := boltdb.Put(b, e.k, e.rec); err != nil {
			return err
		}
	}
	return nil
}

func newRecord[R proto.Message]() R {
	var zero R
	return zero.ProtoReflect().New().Interface().(R)
}

// uidOrGone is SubjectUID, with "" for a subject that does not exist.
func uidOrGone(tx boltTx, sub string) (string, error) {
	uid, err := SubjectUID(tx, sub)
	if errors.Is(err, apierror.ErrNotFound) {
		return "", nil
	}
	return uid, err
}

func bindApiKeys(tx boltTx) error {
	var orphans []string
	err := rewrite(tx, apiKeysBucket, func(_ []byte, r *storagev1.ApiKeyRecord) (bool, error) {
		uid, err := uidOrGone(tx, r.GetApiKey().GetOwner())
		if uid == "" {
			orphans = append(orphans, r.GetApiKey().GetId())
		}
		r.OwnerUid = uid
		return uid != "", err
	})
	if err != nil {
		return err
	}
	for _, id := range orphans {
		if err := tx.DeleteApiKey(id); err != nil {
			return err
		}
	}
	return nil
}

func bindMemberships(tx boltTx) error {
	var orphans [][2]string
	err := rewrite(tx, membershipsBucket, func(_ []byte, r *storagev1.MembershipRecord) (bool, error) {
		m := r.GetMembership()
		uid, err := uidOrGone(tx, m.GetSubject())
		if uid == "" {
			orphans = append(orphans, [2]string{m.GetTenant(), m.GetSubject()})
		}
		r.SubjectUid = uid
		return uid != "", err
	})
	if err != nil {
		return err
	}
	for _, o := range orphans {
		if err := tx.DeleteMembership(o[0], o[1]); err != nil {
			return err
		}
	}
	return nil
}

func indexRefreshTokens(tx boltTx) error {
	tokens := map[string]*storagev1.RefreshTokenRecord{}
	err := tx.tx.Bucket(refreshBucket).ForEach(func(k, v []byte) error {
		rec := &storagev1.RefreshTokenRecord{}
		tokens[string(k)] = rec
		return proto.Unmarshal(v, rec)
	})
	if err != nil {
		return err
	}
	families := map[string]*storagev1.RefreshFamilyRecord{}
	for hash, rec := range tokens {
		if err := tx.tx.Bucket(refreshBucket).Delete([]byte(hash)); err != nil {
			return err
		}
		uid, err := uidOrGone(tx, rec.GetSubject())
		if err != nil {
			return err
		}
		f := families[rec.GetFamily()]
		switch {
		case uid == "" || rec.GetFamily() == "":
			continue // its user is gone: so is the token
		case f == nil:
			f = &storagev1.RefreshFamilyRecord{Id: rec.GetFamily(), Subject: rec.GetSubject(), OwnerUid: uid, ExpireTime: rec.GetExpireTime()}
			families[rec.GetFamily()] = f
		case rec.GetExpireTime().AsTime().After(f.GetExpireTime().AsTime()):
			f.ExpireTime = rec.GetExpireTime()
		}
		if err := tx.PutRefreshToken([]byte(hash), rec); err != nil {
			return err
		}
	}
	for _, f := range families {
		if err := tx.PutRefreshFamily(f); err != nil {
			return err
		}
	}
	return nil
}
