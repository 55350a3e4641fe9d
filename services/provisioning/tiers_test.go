package provisioning_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// TestMembersTokensCarryTheirTenantsTier: provisioning tells identity
// (service to service, over mutual TLS) the API tier of each tenant's
// plan, and a member's next token carries "landlord:tier:<tier>", the
// group the tier's users flow schema matches; a plan on another tier
// moves the member's next token to that tier. A member of no tenant on a
// tier carries no tier group.
func TestMembersTokensCarryTheirTenantsTier(t *testing.T) {
	s := started(t)
	s.create(t, &provisioningv1.Tenant{Name: "tiered", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "web"}}})
	s.member(t, "tiered-viewer", "tiered", identityv1.Role_ROLE_VIEWER)
	loner := s.member(t, "tierless", "", identityv1.Role_ROLE_UNSPECIFIED)
	auth := identityv1.NewAuthServiceClient(s.identity)
	tiersOfNextToken := func() ([]string, error) {
		token, err := s.login("tiered-viewer", "correct horse battery staple")
		if err != nil {
			return nil, err
		}
		who, err := auth.WhoAmI(bearer(token), &identityv1.WhoAmIRequest{})
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(who.GetGroups(), func(g string) bool { return !isTierGroup(g) }), nil
	}
	wantTiers := func(want ...string) {
		t.Helper()
		devclustertest.Eventually(t, 30*time.Second, func() error {
			got, err := tiersOfNextToken()
			if err != nil || !slices.Equal(got, want) {
				return fmt.Errorf("tier groups %v, %v; want %v", got, err, want)
			}
			return nil
		})
	}
	wantTiers("landlord:tier:free")

	if _, err := s.tenants.UpdateTenant(s.admin, &provisioningv1.UpdateTenantRequest{
		Tenant: &provisioningv1.Tenant{Name: "tiered", Plan: "enterprise"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"plan"}}}); err != nil {
		t.Fatal(err)
	}
	wantTiers("landlord:tier:enterprise")

	who, err := auth.WhoAmI(loner, &identityv1.WhoAmIRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if tiers := slices.DeleteFunc(who.GetGroups(), func(g string) bool { return !isTierGroup(g) }); len(tiers) != 0 {
		t.Errorf("a member of no tenant carries %v", tiers)
	}
}

func isTierGroup(g string) bool { return strings.HasPrefix(g, "landlord:tier:") }
