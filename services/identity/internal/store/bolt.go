package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// The buckets of the tree in the package comment.
var (
	usersBucket       = []byte("users")
	membershipsBucket = []byte("memberships")
	bySubjectBucket   = []byte("memberships_by_subject")
	signingKeysBucket = []byte("signing_keys")
	refreshBucket     = []byte("refresh_tokens")
	refreshFamilies   = []byte("refresh_families")
	familyTokens      = []byte("refresh_family_tokens")
	familiesByOwner   = []byte("refresh_by_owner")
	refreshExpiry     = []byte("refresh_expiry")
	auditBucket       = []byte("audit")
	serviceAccounts   = []byte("service_accounts")
	apiKeysBucket     = []byte("api_keys")
	apiKeysByOwner    = []byte("api_keys_by_owner")
	groupsBucket      = []byte("groups")
	groupMembers      = []byte("group_members")
	userGroups        = []byte("user_groups")
	tenantTiers       = []byte("tenant_tiers")
)

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

// boltTx implements Tx; its methods live in the file of their kind.
type boltTx struct{ tx *bolt.Tx }

// key joins the parts of an index key with NUL, which no name contains.
func key(parts ...string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.Bytes()
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

// list decodes up to limit values of bucket whose keys start with prefix
// and sort after `after`, in key order.
func list[R proto.Message](t boltTx, bucket, prefix, after []byte, limit int, newRec func() R) ([]R, error) {
	var out []R
	if limit <= 0 {
		return out, nil
	}
	err := t.scan(bucket, prefix, after, func(_, v []byte) (bool, error) {
		rec := newRec()
		if err := proto.Unmarshal(v, rec); err != nil {
			return false, err
		}
		out = append(out, rec)
		return len(out) < limit, nil
	})
	return out, err
}

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
