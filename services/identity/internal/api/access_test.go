package api_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/api"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

// Every method identity's protos declare is served, and has a row in the
// authorization table: a new RPC without one fails here (and the server
// would refuse to start).
func TestEveryMethodHasAnAuthorizationRule(t *testing.T) {
	srv := grpc.NewServer()
	api.Register(srv, api.Domain{})
	served := server.Methods(srv)
	declared := grpctest.DeclaredMethods(identityv1.File_landlord_identity_v1_user_service_proto.Package())
	if !slices.Equal(served, declared) {
		t.Errorf("served methods %v\ndiffer from the declared %v", served, declared)
	}
	if missing := api.Access(nil).Missing(declared); len(missing) > 0 {
		t.Errorf("methods without an authorization rule: %v", missing)
	}
}
