package provisioning_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// TestIdleHibernationAndWakeOnUse: the observability service (its client
// certificate, nothing else) hibernates a tenant it found idle, unless the
// tenant changed since it looked; a member's next request wakes it, a
// platform admin's look does not, and a tenant hibernated on request
// stays asleep whoever calls.
func TestIdleHibernationAndWakeOnUse(t *testing.T) {
	s := started(t)
	web := []*provisioningv1.Namespace{{Name: "web"}}
	seen := s.create(t, &provisioningv1.Tenant{Name: "dozy", Plan: "free", Namespaces: web})
	viewer := s.member(t, "dozy-viewer", "dozy", identityv1.Role_ROLE_VIEWER)
	conn, err := s.DialAs(s.Provisioning.Addr(), "observability")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	observability := provisioningv1.NewTenantServiceClient(conn)
	idle := func(etag string) error {
		_, err := observability.HibernateIdleTenant(t.Context(), &provisioningv1.HibernateIdleTenantRequest{Name: "dozy", Etag: etag})
		return err
	}
	get := func() *provisioningv1.Tenant {
		t.Helper()
		resp, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: "dozy"})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetTenant()
	}

	// Only observability's certificate: not a member, not a platform admin.
	for who, call := range map[string]func() error{
		"platform admin": func() error {
			_, err := s.tenants.HibernateIdleTenant(s.admin, &provisioningv1.HibernateIdleTenantRequest{Name: "dozy", Etag: seen.GetEtag()})
			return err
		},
		"quota's certificate": func() error {
			c, err := s.DialAs(s.Provisioning.Addr(), "quota")
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = provisioningv1.NewTenantServiceClient(c).HibernateIdleTenant(t.Context(), &provisioningv1.HibernateIdleTenantRequest{Name: "dozy", Etag: seen.GetEtag()})
			return err
		},
	} {
		code(t, call(), codes.PermissionDenied, who+" hibernating a tenant for idleness")
	}

	// Activity after observability looked: its etag is stale.
	if _, err := s.tenants.UpdateTenant(s.admin, &provisioningv1.UpdateTenantRequest{
		Tenant: &provisioningv1.Tenant{Name: "dozy", DisplayName: "Dozy"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); err != nil {
		t.Fatal(err)
	}
	code(t, idle(seen.GetEtag()), codes.Aborted, "hibernating with a stale etag")
	if got := get(); got.GetHibernated() {
		t.Fatal("hibernated despite the stale etag")
	}
	if err := idle(get().GetEtag()); err != nil {
		t.Fatalf("hibernating an idle tenant: %v", err)
	}
	if got := get(); !got.GetHibernated() || got.GetHibernationReason() != provisioningv1.HibernationReason_HIBERNATION_REASON_IDLE {
		t.Fatalf("after HibernateIdleTenant: hibernated %v, reason %v", got.GetHibernated(), got.GetHibernationReason())
	}
	code(t, idle(get().GetEtag()), codes.FailedPrecondition, "hibernating a hibernated tenant")

	// A platform admin looking is not the tenant's use.
	get()
	if _, err := s.tenants.ListNamespaces(s.admin, &provisioningv1.ListNamespacesRequest{Tenant: "dozy"}); err != nil {
		t.Fatal(err)
	}
	if !get().GetHibernated() {
		t.Error("a platform admin's calls woke the tenant")
	}
	// A member's request is: it wakes the tenant.
	if _, err := s.tenants.GetTenant(viewer, &provisioningv1.GetTenantRequest{Name: "dozy"}); err != nil {
		t.Fatal(err)
	}
	devclustertest.Eventually(t, 10*time.Second, func() error {
		if got := get(); got.GetHibernated() || got.GetHibernationReason() != provisioningv1.HibernationReason_HIBERNATION_REASON_UNSPECIFIED {
			return fmt.Errorf("after a member's request: hibernated %v, reason %v", got.GetHibernated(), got.GetHibernationReason())
		}
		return nil
	})

	// Hibernated on request: a member's request leaves it asleep.
	if _, err := s.tenants.HibernateTenant(s.admin, &provisioningv1.HibernateTenantRequest{Name: "dozy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.tenants.GetTenant(viewer, &provisioningv1.GetTenantRequest{Name: "dozy"}); err != nil {
		t.Fatal(err)
	}
	if got := get(); !got.GetHibernated() || got.GetHibernationReason() != provisioningv1.HibernationReason_HIBERNATION_REASON_REQUESTED {
		t.Errorf("hibernated on request, after a member's request: hibernated %v, reason %v", got.GetHibernated(), got.GetHibernationReason())
	}
}
