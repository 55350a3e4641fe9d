package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

var (
	usersBucket       = []byte("users")
	membershipsBucket = []byte("memberships")
	bySubjectBucket   = []byte("memberships_by_subject")
	signingKeysBucket = []byte("signing_keys")
	refreshBucket     = []byte("refresh_tokens")
	auditBucket       = []byte("audit")
	serviceAccounts   = []byte("service_accounts")
	apiKeysBucket     = []byte("api_keys")
	apiKeysByOwner    = []byte("api_keys_by_owner")
	groupsBucket      = []byte("groups")
	groupMembers      = []byte("group_members")
	userGroups        = []byte("user_groups")
)

// migrations are identity's schema history; append only.
var migrations = []boltdb.Migration{
	{Name: "create users, memberships, signing keys and refresh tokens", Apply: func(tx *bolt.Tx) error {
		for _, b := range [][]byte{usersBucket, membershipsBucket, bySubjectBucket, signingKeysBucket, refreshBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}},
	{Name: "create the audit log", Apply: func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(auditBucket)
		return err
	}},
	{Name: "create service accounts and API keys", Apply: createBuckets(serviceAccounts, apiKeysBucket, apiKeysByOwner)},
	{Name: "create groups and their member indexes", Apply: createBuckets(groupsBucket, groupMembers, userGroups)},
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

// OpenBolt opens (creating and migrating) identity's bbolt file.
func OpenBolt(path string) (Store, error) {
	db, err := boltdb.Open(path, migrations)
	if err != nil {
		return nil, err
	}
	return boltStore{db}, nil
}

type boltStore struct{ db *boltdb.DB }

func (s boltStore) Read(_ context.Context, fn func(Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (s boltStore) Write(_ context.Context, fn func(Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(boltTx{tx}) })
}

func (s boltStore) Close() error { return s.db.Close() }

type boltTx struct{ tx *bolt.Tx }

func key(parts ...string) []byte { return []byte(joinKey(parts...)) }

func joinKey(parts ...string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.String()
}

// get reads k from bucket into m; what names the record in NotFound errors.
func (t boltTx) get(bucket, k []byte, m proto.Message, what string) error {
	found, err := boltdb.Get(t.tx.Bucket(bucket), k, m)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%s: %w", what, apierror.ErrNotFound)
	}
	return nil
}

// scan calls fn for each key with prefix, after `after` (exclusive), until
// fn returns false.
func (t boltTx) scan(bucket, prefix, after []byte, fn func(k, v []byte) (bool, error)) error {
	c := t.tx.Bucket(bucket).Cursor()
	k, v := c.Seek(prefix)
	if len(after) > 0 {
		k, v = c.Seek(after)
		if bytes.Equal(k, after) {
			k, v = c.Next()
		}
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t boltTx) GetUser(name string) (*storagev1.UserRecord, error) {
	rec := &storagev1.UserRecord{}
	return rec, t.get(usersBucket, []byte(name), rec, fmt.Sprintf("user %q", name))
}

func (t boltTx) PutUser(rec *storagev1.UserRecord) error {
	return boltdb.Put(t.tx.Bucket(usersBucket), []byte(rec.GetUser().GetName()), rec)
}

func (t boltTx) DeleteUser(name string) error {
	return t.tx.Bucket(usersBucket).Delete([]byte(name))
}

func (t boltTx) ListUsers(after string, limit int) ([]*storagev1.UserRecord, error) {
	var out []*storagev1.UserRecord
	err := t.scan(usersBucket, nil, []byte(after), func(_, v []byte) (bool, error) {
		rec := &storagev1.UserRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return false, err
		}
		out = append(out, rec)
		return len(out) < limit, nil
	})
	return out, err
}

func (t boltTx) CountUsers() (int, error) {
	return t.tx.Bucket(usersBucket).Stats().KeyN, nil
}

func (t boltTx) GetMembership(tenant, subject string) (*storagev1.MembershipRecord, error) {
	rec := &storagev1.MembershipRecord{}
	return rec, t.get(membershipsBucket, key(tenant, subject), rec, fmt.Sprintf("membership of %s in %q", subject, tenant))
}

func (t boltTx) PutMembership(rec *storagev1.MembershipRecord) error {
	m := rec.GetMembership()
	if err := boltdb.Put(t.tx.Bucket(membershipsBucket), key(m.GetTenant(), m.GetSubject()), rec); err != nil {
		return err
	}
	return t.tx.Bucket(bySubjectBucket).Put(key(m.GetSubject(), m.GetTenant()), nil)
}

func (t boltTx) DeleteMembership(tenant, subject string) error {
	if err := t.tx.Bucket(membershipsBucket).Delete(key(tenant, subject)); err != nil {
		return err
	}
	return t.tx.Bucket(bySubjectBucket).Delete(key(subject, tenant))
}

func (t boltTx) ListMemberships(tenant, after string, limit int) ([]*storagev1.MembershipRecord, error) {
	var out []*storagev1.MembershipRecord
	var afterKey []byte
	if after != "" {
		afterKey = key(tenant, after)
	}
	err := t.scan(membershipsBucket, key(tenant, ""), afterKey, func(_, v []byte) (bool, error) {
		rec := &storagev1.MembershipRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return false, err
		}
		out = append(out, rec)
		return len(out) < limit, nil
	})
	return out, err
}

func (t boltTx) MembershipsOf(subject string) ([]*storagev1.MembershipRecord, error) {
	var out []*storagev1.MembershipRecord
	prefix := key(subject, "")
	err := t.scan(bySubjectBucket, prefix, nil, func(k, _ []byte) (bool, error) {
		rec, err := t.GetMembership(string(k[len(prefix):]), subject)
		if err != nil {
			return false, err
		}
		out = append(out, rec)
		return true, nil
	})
	return out, err
}

func (t boltTx) SigningKeys() ([]*storagev1.SigningKeyRecord, error) {
	var out []*storagev1.SigningKeyRecord
	err := t.scan(signingKeysBucket, nil, nil, func(_, v []byte) (bool, error) {
		rec := &storagev1.SigningKeyRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return false, err
		}
		out = append(out, rec)
		return true, nil
	})
	return out, err
}

func (t boltTx) PutSigningKey(rec *storagev1.SigningKeyRecord) error {
	return boltdb.Put(t.tx.Bucket(signingKeysBucket), []byte(rec.GetKid()), rec)
}

func (t boltTx) DeleteSigningKey(kid string) error {
	return t.tx.Bucket(signingKeysBucket).Delete([]byte(kid))
}

func (t boltTx) GetRefreshToken(hash []byte) (*storagev1.RefreshTokenRecord, error) {
	rec := &storagev1.RefreshTokenRecord{}
	return rec, t.get(refreshBucket, hash, rec, "refresh token")
}

func (t boltTx) PutRefreshToken(hash []byte, rec *storagev1.RefreshTokenRecord) error {
	return boltdb.Put(t.tx.Bucket(refreshBucket), hash, rec)
}

func (t boltTx) RevokeFamily(family string) error {
	b := t.tx.Bucket(refreshBucket)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		rec := &storagev1.RefreshTokenRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return err
		}
		if rec.GetFamily() == family {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (t boltTx) AppendAudit(ev *identityv1.AuditEvent) error {
	return boltdb.Put(t.tx.Bucket(auditBucket), []byte(ev.GetId()), ev)
}

func (t boltTx) ListAudit(before string, limit int) ([]*identityv1.AuditEvent, error) {
	var out []*identityv1.AuditEvent
	c := t.tx.Bucket(auditBucket).Cursor()
	var k, v []byte
	if before == "" {
		k, v = c.Last()
	} else {
		c.Seek([]byte(before))
		k, v = c.Prev()
	}
	for ; k != nil && len(out) < limit; k, v = c.Prev() {
		ev := &identityv1.AuditEvent{}
		if err := proto.Unmarshal(v, ev); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func (t boltTx) GetServiceAccount(name string) (*storagev1.ServiceAccountRecord, error) {
	rec := &storagev1.ServiceAccountRecord{}
	return rec, t.get(serviceAccounts, []byte(name), rec, fmt.Sprintf("service account %q", name))
}

func (t boltTx) PutServiceAccount(rec *storagev1.ServiceAccountRecord) error {
	return boltdb.Put(t.tx.Bucket(serviceAccounts), []byte(rec.GetServiceAccount().GetName()), rec)
}

func (t boltTx) DeleteServiceAccount(name string) error {
	return t.tx.Bucket(serviceAccounts).Delete([]byte(name))
}

func (t boltTx) ListServiceAccounts(after string, limit int) ([]*storagev1.ServiceAccountRecord, error) {
	var out []*storagev1.ServiceAccountRecord
	err := t.scan(serviceAccounts, nil, []byte(after), func(_, v []byte) (bool, error) {
		rec := &storagev1.ServiceAccountRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return false, err
		}
		out = append(out, rec)
		return len(out) < limit, nil
	})
	return out, err
}

func (t boltTx) GetApiKey(id string) (*storagev1.ApiKeyRecord, error) {
	rec := &storagev1.ApiKeyRecord{}
	return rec, t.get(apiKeysBucket, []byte(id), rec, fmt.Sprintf("API key %q", id))
}

func (t boltTx) PutApiKey(rec *storagev1.ApiKeyRecord) error {
	k := rec.GetApiKey()
	if err := boltdb.Put(t.tx.Bucket(apiKeysBucket), []byte(k.GetId()), rec); err != nil {
		return err
	}
	return t.tx.Bucket(apiKeysByOwner).Put(key(k.GetOwner(), k.GetId()), nil)
}

func (t boltTx) DeleteApiKey(id string) error {
	rec, err := t.GetApiKey(id)
	if err != nil {
		return err
	}
	if err := t.tx.Bucket(apiKeysByOwner).Delete(key(rec.GetApiKey().GetOwner(), id)); err != nil {
		return err
	}
	return t.tx.Bucket(apiKeysBucket).Delete([]byte(id))
}

func (t boltTx) ApiKeysOf(owner string) ([]*storagev1.ApiKeyRecord, error) {
	var out []*storagev1.ApiKeyRecord
	prefix := key(owner, "")
	err := t.scan(apiKeysByOwner, prefix, nil, func(k, _ []byte) (bool, error) {
		rec, err := t.GetApiKey(string(k[len(prefix):]))
		if err != nil {
			return false, err
		}
		out = append(out, rec)
		return true, nil
	})
	return out, err
}

func (t boltTx) GetGroup(name string) (*storagev1.GroupRecord, error) {
	rec := &storagev1.GroupRecord{}
	return rec, t.get(groupsBucket, []byte(name), rec, fmt.Sprintf("group %q", name))
}

func (t boltTx) PutGroup(rec *storagev1.GroupRecord) error {
	return boltdb.Put(t.tx.Bucket(groupsBucket), []byte(rec.GetGroup().GetName()), rec)
}

func (t boltTx) DeleteGroup(name string) error {
	members, err := t.GroupMembers(name)
	if err != nil {
		return err
	}
	for _, u := range members {
		if err := t.RemoveGroupMember(name, u); err != nil {
			return err
		}
	}
	return t.tx.Bucket(groupsBucket).Delete([]byte(name))
}

func (t boltTx) ListGroups(after string, limit int) ([]*storagev1.GroupRecord, error) {
	var out []*storagev1.GroupRecord
	err := t.scan(groupsBucket, nil, []byte(after), func(_, v []byte) (bool, error) {
		rec := &storagev1.GroupRecord{}
		if err := proto.Unmarshal(v, rec); err != nil {
			return false, err
		}
		out = append(out, rec)
		return len(out) < limit, nil
	})
	return out, err
}

func (t boltTx) AddGroupMember(group, user string) error {
	if err := t.tx.Bucket(groupMembers).Put(key(group, user), nil); err != nil {
		return err
	}
	return t.tx.Bucket(userGroups).Put(key(user, group), nil)
}

func (t boltTx) RemoveGroupMember(group, user string) error {
	if err := t.tx.Bucket(groupMembers).Delete(key(group, user)); err != nil {
		return err
	}
	return t.tx.Bucket(userGroups).Delete(key(user, group))
}

func (t boltTx) GroupMembers(group string) ([]string, error) { return t.suffixes(groupMembers, group) }

func (t boltTx) GroupsOf(user string) ([]string, error) { return t.suffixes(userGroups, user) }

// suffixes lists the second halves of the index keys "first NUL second".
func (t boltTx) suffixes(bucket []byte, first string) ([]string, error) {
	var out []string
	prefix := key(first, "")
	err := t.scan(bucket, prefix, nil, func(k, _ []byte) (bool, error) {
		out = append(out, string(k[len(prefix):]))
		return true, nil
	})
	return out, err
}
