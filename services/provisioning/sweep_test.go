package provisioning_test

import (
	"context"
	"testing"
	"time"

	"github.com/landlord-dev/landlord/services/internal/testing/sweep"
)

// TestEdgeInputsNeverReachInternal sweeps every provisioning RPC with edge
// inputs (path-like names included, which once reached client-go):
// anonymously, as a user with no tenant, and as a platform admin.
func TestEdgeInputsNeverReachInternal(t *testing.T) {
	s := started(t)
	stranger := s.member(t, "sweep-stranger", "", 0)
	t.Run("anonymous", func(t *testing.T) { sweep.Run(t, context.Background(), s.provisioning, 10*time.Second) })
	t.Run("stranger", func(t *testing.T) { sweep.Run(t, stranger, s.provisioning, 10*time.Second) })
	t.Run("platform admin", func(t *testing.T) { sweep.Run(t, s.admin, s.provisioning, 10*time.Second) })
}
