package store_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"

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
