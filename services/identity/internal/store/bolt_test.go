package store_test

import (
	"path/filepath"
	"testing"

	"go.uber.org/goleak"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBoltConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) store.Store {
		s, err := store.OpenBolt(filepath.Join(t.TempDir(), "identity.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, storetest.Cases())
}
