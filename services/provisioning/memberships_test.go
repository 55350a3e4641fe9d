package provisioning_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// TestADeletedTenantsMembersDoNotCarryOverToItsName deletes a tenant with
// a member: provisioning tells identity (service to service, over mutual
// TLS) before the Tenant goes, so a new tenant with the old name starts
// with no members, and the old member's next token has no role in it.
func TestADeletedTenantsMembersDoNotCarryOverToItsName(t *testing.T) {
	s := started(t)
	web := []*provisioningv1.Namespace{{Name: "web"}}
	s.create(t, &provisioningv1.Tenant{Name: "reborn", Plan: "standard", Namespaces: web})
	s.member(t, "reborn-editor", "reborn", identityv1.Role_ROLE_EDITOR)
	members := identityv1.NewMembershipServiceClient(s.identity)
	list := func() int {
		resp, err := members.ListMemberships(s.admin, &identityv1.ListMembershipsRequest{Tenant: "reborn"})
		if err != nil {
			t.Fatal(err)
		}
		return len(resp.GetMemberships())
	}
	if n := list(); n != 1 {
		t.Fatalf("%d members before the deletion, want 1", n)
	}

	if _, err := s.tenants.DeleteTenant(s.admin, &provisioningv1.DeleteTenantRequest{Name: "reborn"}); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 90*time.Second, func() error {
		_, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: "reborn"})
		if status.Code(err) != codes.NotFound {
			return fmt.Errorf("tenant still there: %v", err)
		}
		return nil
	})
	if n := list(); n != 0 {
		t.Errorf("%d members left after the tenant was deleted, want none", n)
	}

	s.create(t, &provisioningv1.Tenant{Name: "reborn", Plan: "standard", Namespaces: web})
	token, err := s.login("reborn-editor", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.tenants.GetTenant(bearer(token), &provisioningv1.GetTenantRequest{Name: "reborn"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("the old member on the new tenant: %v, want NotFound", errors.Unwrap(err))
	}
}
