package ledger_test

import (
	"testing"

	"github.com/landlord-dev/landlord/services/internal/storagetest"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	storagetest.Run(t, func(*testing.T) ledger.Store { return ledger.NewMemStore() }, storetest.Cases())
}
