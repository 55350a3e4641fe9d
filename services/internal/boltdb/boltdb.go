// Package boltdb opens a service's bbolt file the Landlord way: private file
// mode, a lock timeout instead of a hang when another process holds the
// file, a schema version, and ordered migrations applied exactly once.
//
// Bucket tree shared by every service file:
//
//	meta/                   this package's bookkeeping
//	  schema_version        uint64, big endian: how many migrations are applied
//	<service buckets>       documented in the package comment of each
//	                        service's store package; values are protobuf
//
// Every committed transaction is fsynced before Update returns, so a write
// acknowledged to a client survives a crash (see the kill -9 test).
package boltdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	metaBucket       = []byte("meta")
	schemaVersionKey = []byte("schema_version")
)

// ErrNewerSchema means the file was written by a newer Landlord: running an
// older binary on it could lose data, so Open refuses.
var ErrNewerSchema = errors.New("database schema is newer than this binary knows")

// Migration moves the file's schema one step forward. Migrations are never
// reordered or removed once released: the schema version is their count.
type Migration struct {
	// Name says what the step does, e.g. "create users and groups buckets".
	Name  string
	Apply func(tx *bolt.Tx) error
}

// DB is an open service database.
type DB struct {
	*bolt.DB
}

// Open opens (creating if needed) the file at path and applies, each in its
// own transaction together with the version bump, the migrations not yet
// applied.
func Open(path string, migrations []Migration) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open %s: locked by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{DB: bdb}
	if err := db.migrate(migrations); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return db, nil
}

// SchemaVersion is the number of migrations applied to the file.
func (db *DB) SchemaVersion() (int, error) {
	var v int
	err := db.View(func(tx *bolt.Tx) error {
		v = schemaVersion(tx)
		return nil
	})
	return v, err
}

func (db *DB) migrate(migrations []Migration) error {
	var current int
	if err := db.View(func(tx *bolt.Tx) error { current = schemaVersion(tx); return nil }); err != nil {
		return err
	}
	if current > len(migrations) {
		return fmt.Errorf("%w: file has version %d, this binary knows %d", ErrNewerSchema, current, len(migrations))
	}
	for i := current; i < len(migrations); i++ {
		m := migrations[i]
		err := db.Update(func(tx *bolt.Tx) error {
			if err := m.Apply(tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(metaBucket)
			if err != nil {
				return err
			}
			return meta.Put(schemaVersionKey, binary.BigEndian.AppendUint64(nil, uint64(i+1)))
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", i+1, m.Name, err)
		}
	}
	return nil
}

func schemaVersion(tx *bolt.Tx) int {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		return 0
	}
	v := meta.Get(schemaVersionKey)
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}
