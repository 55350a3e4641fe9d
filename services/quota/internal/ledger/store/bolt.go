// Package store keeps the quota ledger in the quota service's bbolt file.
//
// Bucket tree (besides boltdb's meta/):
//
//	ledger_tenants/
//	  <tenant name>    one tenant's whole ledger (ledger.TenantRecord)
//
// A tenant is one value, so every decision is one atomic put. Values are
// landlord.quota.storage.v1.TenantRecord protos (see convert.go); files at
// schema version 1 held JSON, which migration 2 re-encodes. Saves from
// concurrent tenants share a commit (see committer), so the fsync cost is
// paid once per batch, not once per decision.
package store

import (
	"encoding/json"
	"fmt"
	"slices"

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
	{Name: "re-encode ledger records from JSON to protobuf", Apply: reencodeJSON},
}

// reencodeJSON rewrites the JSON values of schema version 1 as protos. A
// proto value never starts with '{' (field 15, wire type 3: a group, which
// TenantRecord does not have).
func reencodeJSON(tx *bolt.Tx) error {
	b := tx.Bucket(tenantsBucket)
	type kv struct{ k, v []byte }
	var out []kv
	err := b.ForEach(func(k, v []byte) error { // must not modify b: put after
		if len(v) == 0 || v[0] != '{' {
			return nil
		}
		rec := &ledger.TenantRecord{}
		if err := json.Unmarshal(v, rec); err != nil {
			return fmt.Errorf("tenant %q: %w", k, err)
		}
		pv, err := marshal(rec)
		if err != nil {
			return fmt.Errorf("tenant %q: %w", k, err)
		}
		out = append(out, kv{slices.Clone(k), pv})
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range out {
		if err := b.Put(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
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
		return tx.Bucket(tenantsBucket).ForEach(func(k, v []byte) error {
			rec, err := unmarshal(v)
			if err != nil {
				return fmt.Errorf("ledger record of tenant %q: %w", k, err)
			}
			return fn(rec)
		})
	})
}

// Save implements ledger.Store.
func (s *Bolt) Save(rec *ledger.TenantRecord) error {
	v, err := marshal(rec)
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
