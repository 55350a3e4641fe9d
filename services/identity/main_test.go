package identity_test

import (
	"os"
	"testing"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// Every test here serves the issuer at the address the dev cluster trusts,
// one test at a time (none is parallel).
func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }
