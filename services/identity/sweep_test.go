package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/identity"
	"github.com/landlord-dev/landlord/services/internal/testing/sweep"
)

// TestEdgeInputsNeverReachInternal sweeps every identity RPC with edge
// inputs, without credentials and as the bootstrap platform admin (who
// reaches deepest): every answer is a client error or success, and
// identity keeps serving.
func TestEdgeInputsNeverReachInternal(t *testing.T) {
	id := startIdentity(t, t.TempDir())
	admin := bearer(id.login(t, identity.BootstrapAdmin, id.adminPassword(t), "").GetAccessToken())
	t.Run("anonymous", func(t *testing.T) { sweep.Run(t, context.Background(), id.conn, 10*time.Second) })
	t.Run("platform admin", func(t *testing.T) { sweep.Run(t, admin, id.conn, 10*time.Second) })
}
