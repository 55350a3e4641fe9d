// Package store keeps the quota ledger in the quota service's bbolt file.
//
// Bucket tree (besides boltdb's meta/):
//
//	ledger_tenants/
//	  <tenant name>    one tenant's whole ledger (ledger.TenantRecord)
//
// A tenant is one value, so every decision is one atomic put. Values are
// JSON for now; the service's storage protos replace it with a migration.
// Saves from concurrent tenants share a commit (see committer), so the
// fsync cost is paid once per batch, not once per decision.
package store

import (
	"encoding/json"

	bolt "go.etcd.io/bbolt"

	"github.com/landlord-dev/landlord/services/internal/boltdb"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
)

var tenantsBucket = []byte("ledger_tenants")

// migrations are the file's schema steps, in order; never reorder them.
var migrations = []boltdb.Migration{
	{Name: "create ledger_tenants bucket", Apply: func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(tenantsBucket)
		return err
	}},
}

// Bolt is a ledger.Store in a bbolt file.
type Bolt struct {
	db     *boltdb.DB
	commit committer
}

var _ ledger.Store = (*Bolt)(nil)

// Options tune Open.
type Options struct {
	// NoSync skips fsync: for tests that close and reopen the file many
	// times. A machine crash may then lose acknowledged decisions.
	NoSync bool
}

// Open opens (creating and migrating) the ledger file at path.
func Open(path string, opts Options) (*Bolt, error) {
	db, err := boltdb.Open(path, migrations)
	if err != nil {
		return nil, err
	}
	db.NoSync = opts.NoSync
	return &Bolt{db: db, commit: committer{db: db.DB}}, nil
}

// Close closes the file.
func (s *Bolt) Close() error { return s.db.Close() }

// Load implements ledger.Store.
func (s *Bolt) Load(fn func(*ledger.TenantRecord) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(tenantsBucket).ForEach(func(_, v []byte) error {
			rec := &ledger.TenantRecord{}
			if err := json.Unmarshal(v, rec); err != nil {
				return err
			}
			return fn(rec)
		})
	})
}

// Save implements ledger.Store.
func (s *Bolt) Save(rec *ledger.TenantRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return s.commit.run(func(tx *bolt.Tx) error {
		return tx.Bucket(tenantsBucket).Put([]byte(rec.Name), v)
	})
}

// Delete implements ledger.Store.
func (s *Bolt) Delete(tenant string) error {
	return s.commit.run(func(tx *bolt.Tx) error {
		return tx.Bucket(tenantsBucket).Delete([]byte(tenant))
	})
}
