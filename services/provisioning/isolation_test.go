package provisioning_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

// TestNamesCannotBeTakenThroughTheAPI: what the operator would refuse, the
// API refuses first, with a clear code, and writes nothing. The exact case
// of the review: an admin of tenant "iso" asks for namespace "corp-prod",
// tenant "iso-corp"'s "prod"; and tenants named to own system namespaces.
func TestNamesCannotBeTakenThroughTheAPI(t *testing.T) {
	s := started(t)
	kube := devclustertest.Admin(t)
	s.create(t, &provisioningv1.Tenant{Name: "iso-corp", Plan: "standard", Namespaces: []*provisioningv1.Namespace{{Name: "prod"}}})
	s.create(t, &provisioningv1.Tenant{Name: "iso", Plan: "standard", Namespaces: []*provisioningv1.Namespace{{Name: "web"}}})
	victim, err := kube.CoreV1().Namespaces().Get(t.Context(), "iso-corp-prod", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	admin := s.member(t, "iso-admin", "iso", identityv1.Role_ROLE_ADMIN)
	_, err = s.tenants.CreateNamespace(admin, &provisioningv1.CreateNamespaceRequest{Tenant: "iso", Namespace: &provisioningv1.Namespace{Name: "corp-prod"}})
	code(t, err, codes.AlreadyExists, "a namespace of another tenant")
	if err != nil && !strings.Contains(err.Error(), "iso-corp-prod") {
		t.Errorf("the refusal does not name the namespace: %v", err)
	}
	// And as a new tenant's namespace, at creation: "iso-ab" + "c-d" and
	// "iso-ab-c" + "d" spell the same name.
	s.create(t, &provisioningv1.Tenant{Name: "iso-ab", Plan: "standard", Namespaces: []*provisioningv1.Namespace{{Name: "c-d"}}})
	_, err = s.tenants.CreateTenant(s.admin, &provisioningv1.CreateTenantRequest{Tenant: &provisioningv1.Tenant{
		Name: "iso-ab-c", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "d"}}}})
	code(t, err, codes.AlreadyExists, "a new tenant spelling another's namespace")
	if _, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: "iso-ab-c"}); status.Code(err) != codes.NotFound {
		t.Errorf("the refused tenant was written: %v", err)
	}

	hand := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "iso-handmade"}}
	if _, err := kube.CoreV1().Namespaces().Create(t.Context(), hand, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.CoreV1().Namespaces().Delete(t.Context(), hand.Name, metav1.DeleteOptions{}) })
	_, err = s.tenants.CreateNamespace(admin, &provisioningv1.CreateNamespaceRequest{Tenant: "iso", Namespace: &provisioningv1.Namespace{Name: "handmade"}})
	code(t, err, codes.AlreadyExists, "a namespace the cluster already has")

	for _, c := range []struct {
		what   string
		tenant *provisioningv1.Tenant
		field  string
	}{
		{"tenant kube", &provisioningv1.Tenant{Name: "kube", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "system"}}}, "tenant.name"},
		{"tenant landlord", &provisioningv1.Tenant{Name: "landlord", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "system"}}}, "tenant.name"},
		{"tenant openshift-x", &provisioningv1.Tenant{Name: "openshift-x", Plan: "free"}, "tenant.name"},
		{"a -system namespace", &provisioningv1.Tenant{Name: "istio", Plan: "free", Namespaces: []*provisioningv1.Namespace{{Name: "system"}}}, "tenant.namespaces[0].name"},
	} {
		_, err := s.tenants.CreateTenant(s.admin, &provisioningv1.CreateTenantRequest{Tenant: c.tenant})
		code(t, err, codes.InvalidArgument, c.what)
		if got := grpctest.FieldViolation(err); got != c.field {
			t.Errorf("%s: field %q, want %q", c.what, got, c.field)
		}
	}
	for _, name := range []string{"kube-system", "landlord-system"} {
		ns, err := kube.CoreV1().Namespaces().Get(t.Context(), name, metav1.GetOptions{})
		if err == nil && ns.Labels["landlord.dev/tenant"] != "" {
			t.Errorf("%s is labelled as a tenant's: %v", name, ns.Labels)
		}
	}
	after, err := kube.CoreV1().Namespaces().Get(t.Context(), "iso-corp-prod", metav1.GetOptions{})
	if err != nil || after.ResourceVersion != victim.ResourceVersion {
		t.Errorf("the victim's namespace changed: %v", err)
	}
}

// TestIngressDomainsBelongToOneTenant: only platform admins set them, and
// no two tenants' overlap.
func TestIngressDomainsBelongToOneTenant(t *testing.T) {
	s := started(t)
	s.create(t, &provisioningv1.Tenant{Name: "dom-a", Plan: "free", AllowedIngressDomains: []string{"a.example.net"}})
	s.create(t, &provisioningv1.Tenant{Name: "dom-b", Plan: "free"})
	owner := s.member(t, "dom-b-owner", "dom-b", identityv1.Role_ROLE_OWNER)
	mask := &fieldmaskpb.FieldMask{Paths: []string{"allowed_ingress_domains"}}
	_, err := s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{UpdateMask: mask,
		Tenant: &provisioningv1.Tenant{Name: "dom-b", AllowedIngressDomains: []string{"b.example.net"}}})
	code(t, err, codes.PermissionDenied, "a tenant owner giving itself a domain")
	for _, d := range []string{"a.example.net", "shop.a.example.net", "example.net"} {
		_, err = s.tenants.UpdateTenant(s.admin, &provisioningv1.UpdateTenantRequest{UpdateMask: mask,
			Tenant: &provisioningv1.Tenant{Name: "dom-b", AllowedIngressDomains: []string{d}}})
		code(t, err, codes.InvalidArgument, "an overlapping domain "+d)
	}
	_, err = s.tenants.UpdateTenant(s.admin, &provisioningv1.UpdateTenantRequest{UpdateMask: mask,
		Tenant: &provisioningv1.Tenant{Name: "dom-b", AllowedIngressDomains: []string{"Not A Domain"}}})
	code(t, err, codes.InvalidArgument, "a malformed domain")
	got, err := s.tenants.UpdateTenant(s.admin, &provisioningv1.UpdateTenantRequest{UpdateMask: mask,
		Tenant: &provisioningv1.Tenant{Name: "dom-b", AllowedIngressDomains: []string{"b.example.net"}}})
	if err != nil || len(got.GetTenant().GetAllowedIngressDomains()) != 1 {
		t.Fatalf("a platform admin setting a free domain: %v", err)
	}
}

// TestOnlyPlatformAdminsForceDeletion: force removes other controllers'
// finalizers, so a tenant owner may delete its tenant but not force it.
func TestOnlyPlatformAdminsForceDeletion(t *testing.T) {
	s := started(t)
	s.create(t, &provisioningv1.Tenant{Name: "frc", Plan: "free"})
	owner := s.member(t, "frc-owner", "frc", identityv1.Role_ROLE_OWNER)
	_, err := s.tenants.DeleteTenant(owner, &provisioningv1.DeleteTenantRequest{Name: "frc", Force: true})
	code(t, err, codes.PermissionDenied, "an owner forcing deletion")
	if _, err := s.tenants.GetTenant(owner, &provisioningv1.GetTenantRequest{Name: "frc"}); err != nil {
		t.Fatalf("the tenant is gone after a refused force: %v", err)
	}
	if _, err := s.tenants.DeleteTenant(s.admin, &provisioningv1.DeleteTenantRequest{Name: "frc", Force: true}); err != nil {
		t.Fatalf("a platform admin forcing deletion: %v", err)
	}
}
