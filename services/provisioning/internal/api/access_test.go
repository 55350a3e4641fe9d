package api_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc"

	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/api"
)

// Every method provisioning's protos declare is served, and has a row in
// the authorization table.
func TestEveryMethodHasAnAuthorizationRule(t *testing.T) {
	srv := grpc.NewServer()
	provisioningv1.RegisterTenantServiceServer(srv, &api.TenantServer{})
	served := server.Methods(srv)
	declared := grpctest.DeclaredMethods(provisioningv1.File_landlord_provisioning_v1_tenant_service_proto.Package())
	if !slices.Equal(served, declared) {
		t.Errorf("served methods %v\ndiffer from the declared %v", served, declared)
	}
	if missing := api.Access().Missing(declared); len(missing) > 0 {
		t.Errorf("methods without an authorization rule: %v", missing)
	}
}
