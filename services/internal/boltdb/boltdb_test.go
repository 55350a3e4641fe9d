package boltdb_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
	"github.com/landlord-dev/landlord/services/internal/storagetest"
)

func createBucket(name string) boltdb.Migration {
	return boltdb.Migration{Name: "create " + name, Apply: func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte(name))
		return err
	}}
}

func TestMigrationsApplyInOrderExactlyOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.db")
	v1 := []boltdb.Migration{createBucket("users")}
	db, err := boltdb.Open(path, v1)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SchemaVersion(); v != 1 {
		t.Errorf("version = %d, want 1", v)
	}
	db.Close()

	// Reopening with the same list applies nothing: CreateBucket would fail
	// on an existing bucket.
	if db, err = boltdb.Open(path, v1); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db.Close()

	// A newer binary adds a step that rewrites existing data.
	v2 := append(v1, boltdb.Migration{Name: "seed admin", Apply: func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("users")).Put([]byte("admin"), []byte("1"))
	}})
	if db, err = boltdb.Open(path, v2); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if v, _ := db.SchemaVersion(); v != 2 {
		t.Errorf("version after upgrade = %d, want 2", v)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		if got := tx.Bucket([]byte("users")).Get([]byte("admin")); string(got) != "1" {
			t.Errorf("migrated value = %q", got)
		}
		return nil
	})
	db.Close()

	// The older binary must refuse the newer file rather than corrupt it.
	if _, err := boltdb.Open(path, v1); !errors.Is(err, boltdb.ErrNewerSchema) {
		t.Errorf("old binary on new file: %v, want ErrNewerSchema", err)
	}
}

func TestFailedMigrationChangesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.db")
	broken := []boltdb.Migration{
		createBucket("users"),
		{Name: "half-done", Apply: func(tx *bolt.Tx) error {
			if err := tx.Bucket([]byte("users")).Put([]byte("x"), []byte("y")); err != nil {
				return err
			}
			return errors.New("disk says no")
		}},
	}
	if _, err := boltdb.Open(path, broken); err == nil || !strings.Contains(err.Error(), "half-done") {
		t.Fatalf("Open = %v, want the failing migration named", err)
	}
	db, err := boltdb.Open(path, broken[:1])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(); v != 1 {
		t.Errorf("version = %d, want 1 (the failed step must not count)", v)
	}
	_ = db.View(func(tx *bolt.Tx) error {
		if got := tx.Bucket([]byte("users")).Get([]byte("x")); got != nil {
			t.Errorf("failed migration left a write behind: %q", got)
		}
		return nil
	})
}

func TestSecondOpenFailsClearly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.db")
	db, err := boltdb.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := boltdb.Open(path, nil); err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Errorf("second Open = %v, want a lock error", err)
	}
}

// infoStore is a minimal store used to exercise the conformance harness and
// the protobuf value helpers.
type infoStore struct{ db *boltdb.DB }

var infoBucket = []byte("infos")

func openInfoStore(t *testing.T) infoStore {
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "infos.db"), []boltdb.Migration{createBucket(string(infoBucket))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return infoStore{db}
}

func (s infoStore) put(info *metav1.Info) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return boltdb.Put(tx.Bucket(infoBucket), []byte(info.GetService()), info)
	})
}

func (s infoStore) get(name string) (*metav1.Info, bool, error) {
	info := &metav1.Info{}
	var found bool
	err := s.db.View(func(tx *bolt.Tx) (err error) {
		found, err = boltdb.Get(tx.Bucket(infoBucket), []byte(name), info)
		return err
	})
	return info, found, err
}

func TestProtoValuesConformance(t *testing.T) {
	storagetest.Run(t, openInfoStore, []storagetest.Case[infoStore]{
		{Name: "round trip", Run: func(t *testing.T, s infoStore) {
			want := &metav1.Info{Service: "identity", Version: "v1.2.3"}
			if err := s.put(want); err != nil {
				t.Fatal(err)
			}
			got, found, err := s.get("identity")
			if err != nil || !found || !proto.Equal(got, want) {
				t.Errorf("get = %v, %v, %v; want %v", got, found, err, want)
			}
		}},
		{Name: "missing key", Run: func(t *testing.T, s infoStore) {
			if _, found, err := s.get("nobody"); found || err != nil {
				t.Errorf("get missing = %v, %v", found, err)
			}
		}},
	})
}
