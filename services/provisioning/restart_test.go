package provisioning_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// TestRestartedOperatorReconcilesAtOnce: an operator stopped with
// SIGTERM (Ctrl-C, a rolling update) gives its leader Lease up before it
// exits, so the next one leads at once: once it says it is ready, a new
// tenant is reconciled within a second, not after the old Lease expires.
func TestRestartedOperatorReconcilesAtOnce(t *testing.T) {
	s := started(t)
	for _, name := range []string{"restart-before", "restart-after"} {
		s.deleted(t, name) // by an earlier run
	}
	s.create(t, &provisioningv1.Tenant{Name: "restart-before", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "app"}}}) // so it leads
	if err := s.stopOperator(); err != nil {
		t.Error(err)
	}
	lease, err := devclustertest.Admin(t).CoordinationV1().Leases("landlord-system").Get(t.Context(), "landlord-provisioning", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if holder := lease.Spec.HolderIdentity; holder != nil && *holder != "" {
		t.Errorf("the stopped operator still holds the Lease: %q", *holder)
	}

	started := time.Now()
	if err := s.startOperator(); err != nil {
		t.Fatal(err)
	}
	s.waitServing(t)
	t.Logf("restarted operator ready after %s", time.Since(started).Round(time.Millisecond))

	created := time.Now()
	if _, err := s.tenants.CreateTenant(s.admin, &provisioningv1.CreateTenantRequest{
		Tenant: &provisioningv1.Tenant{Name: "restart-after", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "app"}}}}); err != nil {
		t.Fatal(err)
	}
	var reconciled time.Duration
	for {
		resp, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: "restart-after"})
		if err != nil {
			t.Fatal(err)
		}
		if tn := resp.GetTenant(); tn.GetPhase() == provisioningv1.Phase_PHASE_ACTIVE && tn.GetObservedGeneration() == tn.GetGeneration() {
			reconciled = time.Since(created)
			break
		}
		if time.Since(created) > 30*time.Second {
			t.Fatalf("tenant not Active 30 s after its create: %v", resp.GetTenant().GetPhase())
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("tenant created on the restarted operator is Active after %s", reconciled.Round(time.Millisecond))
	if reconciled > time.Second {
		t.Errorf("tenant Active after %s, want within 1s", reconciled)
	}
	for _, name := range []string{"restart-before", "restart-after"} {
		s.deleted(t, name)
	}
}

// deleted deletes a tenant, if it exists, and waits until it is gone.
func (s *stack) deleted(t *testing.T, name string) {
	t.Helper()
	_, err := s.tenants.DeleteTenant(s.admin, &provisioningv1.DeleteTenantRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return
	}
	if err != nil {
		t.Fatalf("delete %s: %v", name, err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		_, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: name})
		if status.Code(err) == codes.NotFound {
			return nil
		}
		return fmt.Errorf("tenant %s not deleted yet (%v)", name, err)
	})
}

// waitServing waits until the operator's gRPC health says SERVING: what
// its /readyz serves.
func (s *stack) waitServing(t *testing.T) {
	t.Helper()
	health := healthpb.NewHealthClient(s.provisioning)
	devclustertest.Eventually(t, 60*time.Second, func() error {
		resp, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health is %v", resp.GetStatus())
		}
		return nil
	})
}
