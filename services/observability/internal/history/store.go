package history

import (
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// Bucket tree of history.db (values are landlord.observability.storage.v1):
//
//	meta/                      boltdb's schema version
//	minute/ hour/ day/         one per Resolution
//	  <start>/                 an interval: its start, unix seconds, 8 bytes big endian
//	    "/"                    Coverage: how long the service collected in it
//	    "<tenant uid>/"        Rollup: the tenant's total
//	    "<tenant uid>/<ns>"    Rollup: one of its namespaces (cluster name)
//
// Intervals sort by time, so retention deletes a prefix of each
// resolution's bucket. Series are keyed by the tenant's UID: a tenant
// deleted and created again under its name starts with no history.
var migrations = []boltdb.Migration{{Name: "create the rollup buckets", Apply: func(tx *bolt.Tx) error {
	for _, r := range Resolutions {
		if _, err := tx.CreateBucketIfNotExists([]byte(r.String())); err != nil {
			return err
		}
	}
	return nil
}}}

var coverageKey = []byte("/")

// Key is the series of a tenant (namespace "") or of one of its
// namespaces.
func Key(tenantUID, namespace string) string { return tenantUID + "/" + namespace }

// Store is the rollups in bbolt.
type Store struct{ db *boltdb.DB }

// OpenStore opens (creating) the file at path.
func OpenStore(path string) (*Store, error) {
	db, err := boltdb.Open(path, migrations)
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Add adds minutes into every resolution's intervals and deletes the
// intervals older than their retention, in one transaction.
func (s *Store) Add(minutes map[int64]*Interval, now time.Time, retention map[Resolution]time.Duration) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, r := range Resolutions {
			root := tx.Bucket([]byte(r.String()))
			for m, iv := range minutes {
				start := time.Unix(m, 0).UTC().Truncate(r.Duration()).Unix()
				b, err := root.CreateBucketIfNotExists(binary.BigEndian.AppendUint64(nil, uint64(start)))
				if err != nil {
					return err
				}
				if err := addInterval(b, iv); err != nil {
					return err
				}
			}
			if keep, ok := retention[r]; ok {
				if err := prune(root, now.Add(-keep-r.Duration()).Unix()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func addInterval(b *bolt.Bucket, iv *Interval) error {
	var cov storagev1.Coverage
	if _, err := boltdb.Get(b, coverageKey, &cov); err != nil {
		return err
	}
	cov.Seconds += iv.Coverage
	if err := boltdb.Put(b, coverageKey, &cov); err != nil {
		return err
	}
	for k, v := range iv.Series {
		var r storagev1.Rollup
		if _, err := boltdb.Get(b, []byte(k), &r); err != nil {
			return err
		}
		r.CpuMillicoreSeconds += v.CPU
		r.MemoryByteSeconds += v.Memory
		r.StorageByteSeconds += v.Storage
		if err := boltdb.Put(b, []byte(k), &r); err != nil {
			return err
		}
	}
	return nil
}

// prune deletes the intervals that start before cutoff (unix seconds;
// Add passes one interval earlier than retention, so an interval is kept
// while any of it is within retention).
func prune(root *bolt.Bucket, cutoff int64) error {
	c := root.Cursor()
	var old [][]byte
	for k, _ := c.First(); k != nil && int64(binary.BigEndian.Uint64(k)) < cutoff; k, _ = c.Next() {
		old = append(old, k)
	}
	for _, k := range old {
		if err := root.DeleteBucket(k); err != nil {
			return err
		}
	}
	return nil
}

// Range reads key's series from r's intervals that start in [from, to).
func (s *Store) Range(r Resolution, from, to time.Time, key string) (map[int64]*Interval, error) {
	out := map[int64]*Interval{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(r.String())).Cursor()
		end := uint64(to.Unix())
		for k, _ := c.Seek(binary.BigEndian.AppendUint64(nil, uint64(max(from.Unix(), 0)))); k != nil && binary.BigEndian.Uint64(k) < end; k, _ = c.Next() {
			b := c.Bucket().Bucket(k)
			if b == nil {
				continue
			}
			iv := &Interval{Series: map[string]Integral{}}
			var cov storagev1.Coverage
			if _, err := boltdb.Get(b, coverageKey, &cov); err != nil {
				return err
			}
			iv.Coverage = cov.GetSeconds()
			var roll storagev1.Rollup
			ok, err := boltdb.Get(b, []byte(key), &roll)
			if err != nil {
				return err
			}
			if ok {
				iv.Series[key] = Integral{CPU: roll.GetCpuMillicoreSeconds(), Memory: roll.GetMemoryByteSeconds(), Storage: roll.GetStorageByteSeconds()}
			}
			out[int64(binary.BigEndian.Uint64(k))] = iv
		}
		return nil
	})
	return out, err
}
