package store_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/identity/internal/store/storetest"
	"github.com/landlord-dev/landlord/services/internal/storagetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBoltConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) store.Store { return storetest.Bolt(t) }, storetest.Cases())
}
