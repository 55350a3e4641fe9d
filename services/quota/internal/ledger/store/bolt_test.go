package store_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/landlord-dev/landlord/services/internal/boltdb"
	"github.com/landlord-dev/landlord/services/internal/storagetest"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger/store"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t testing.TB, path string) *store.Bolt {
	t.Helper()
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestBoltConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) ledger.Store {
		st := open(t, filepath.Join(t.TempDir(), "ledger.db"))
		t.Cleanup(func() { _ = st.Close() })
		return st
	}, storetest.Cases())
}

func TestBoltKeepsRecordsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st := open(t, path)
	if err := st.Save(storetest.Record("acme")); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, path)
	defer st.Close()
	var got *ledger.TenantRecord
	if err := st.Load(func(rec *ledger.TenantRecord) error { got = rec; return nil }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, storetest.Record("acme")) {
		t.Errorf("reopened: %+v", got)
	}
}

func TestBoltSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st := open(t, path)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// The file records its migration: a binary knowing none refuses it.
	db, err := boltdb.Open(path, nil)
	if !errors.Is(err, boltdb.ErrNewerSchema) {
		if db != nil {
			_ = db.Close()
		}
		t.Fatalf("a binary without the ledger's migrations: %v", err)
	}
}

// fullRecord sets every field, with values at the edges: nil and empty
// Spec, Status and Used (they mean different things), -1, unbounded.
func fullRecord(name string) *ledger.TenantRecord {
	rec := storetest.Record(name)
	rec.SeqFloor = 11
	rec.NextMove = 9
	rec.Limit[1] = 1 << 53
	rec.Moves = append(rec.Moves, ledger.Move{ID: 9, Resource: "pods", From: "b", To: "a", Amount: 1})
	rec.Namespaces[0].Issued[0].Hard[1] = 1 << 61
	rec.Namespaces = append(rec.Namespaces,
		&ledger.NamespaceRecord{ // a quota and status without managed resources
			Name: "c", Seq: 12, Intended: []int64{0, 0}, Seen: true, ObsSeq: 12,
			Spec: []int64{}, Status: []int64{}, Used: []int64{},
		},
		&ledger.NamespaceRecord{ // no quota, empty status
			Name: "d", Seq: 13, Intended: []int64{5, 1},
			Issued: []ledger.IssuedWrite{{Seq: 13, Hard: []int64{5, 1}}},
			Seen:   true, ObsSeq: 4, Used: []int64{-1, 0},
		})
	return rec
}

func loadAll(t *testing.T, st *store.Bolt) map[string]*ledger.TenantRecord {
	t.Helper()
	out := map[string]*ledger.TenantRecord{}
	if err := st.Load(func(rec *ledger.TenantRecord) error { out[rec.Name] = rec; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBoltRoundTripsEveryField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	st := open(t, path)
	if err := st.Save(fullRecord("acme")); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, path)
	defer st.Close()
	got := loadAll(t, st)["acme"]
	if want := fullRecord("acme"); !reflect.DeepEqual(got, want) {
		t.Errorf("loaded\n%s\nwant\n%s", dump(got), dump(want))
	}
}

// TestBoltMigratesJSON opens a file written by the version that stored
// JSON (schema version 1) and finds its records, now protobuf.
func TestBoltMigratesJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := boltdb.Open(path, store.Migrations[:1])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*ledger.TenantRecord{"acme": fullRecord("acme"), "bolt": storetest.Record("bolt")}
	err = db.Update(func(tx *bolt.Tx) error {
		for name, rec := range want {
			v, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := tx.Bucket([]byte("ledger_tenants")).Put([]byte(name), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	st := open(t, path)
	if got := loadAll(t, st); !reflect.DeepEqual(got, want) {
		t.Errorf("after migration loaded %s, want %s", dump(got), dump(want))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = boltdb.Open(path, store.Migrations)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(); v != len(store.Migrations) {
		t.Errorf("schema version %d, want %d", v, len(store.Migrations))
	}
	_ = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("ledger_tenants")).ForEach(func(k, v []byte) error {
			if len(v) > 0 && v[0] == '{' {
				t.Errorf("%s still JSON: %s", k, v)
			}
			return nil
		})
	})
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}
