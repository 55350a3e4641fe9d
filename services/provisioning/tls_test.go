package provisioning_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
)

// TestTheAPIServesOnlyTLS sends a plaintext request, token and all, to
// provisioning's port: nothing answers it.
func TestTheAPIServesOnlyTLS(t *testing.T) {
	s := started(t)
	conn, err := grpc.NewClient(s.provisioning.Target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = provisioningv1.NewTenantServiceClient(conn).ListTenants(s.admin, &provisioningv1.ListTenantsRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext ListTenants with an admin token: %v, want the connection refused (Unavailable)", err)
	}
}
