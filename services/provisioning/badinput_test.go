package provisioning_test

import (
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	"github.com/landlord-dev/landlord/services/internal/testing/grpctest"
)

// TestBadRequestsGetTheRightCodes sends what a careless or hostile client
// would: each gets its code and the field at fault, nothing is written,
// and the server answers the next call.
func TestBadRequestsGetTheRightCodes(t *testing.T) {
	s := started(t)
	kube := devclustertest.Admin(t)
	ns := func(names ...string) []*provisioningv1.Namespace {
		var out []*provisioningv1.Namespace
		for _, n := range names {
			out = append(out, &provisioningv1.Namespace{Name: n})
		}
		return out
	}
	long := strings.Repeat("n", 30)
	for _, c := range []struct {
		what   string
		tenant *provisioningv1.Tenant
		code   codes.Code
		field  string
	}{
		{"name not a DNS label", &provisioningv1.Tenant{Name: "Bad_Name", Plan: "free"}, codes.InvalidArgument, "tenant.name"},
		{"name too long", &provisioningv1.Tenant{Name: strings.Repeat("a", 41), Plan: "free"}, codes.InvalidArgument, "tenant.name"},
		{"namespace too long with the prefix", &provisioningv1.Tenant{Name: "bad-" + long, Plan: "standard", Namespaces: ns(long)}, codes.InvalidArgument, "tenant.namespaces[0].name"},
		{"namespace not a DNS label", &provisioningv1.Tenant{Name: "bad-ns", Plan: "free", Namespaces: ns("Web")}, codes.InvalidArgument, "tenant.namespaces[0].name"},
		{"duplicate namespace", &provisioningv1.Tenant{Name: "bad-dup", Plan: "standard", Namespaces: ns("a", "a")}, codes.InvalidArgument, "tenant.namespaces[1].name"},
		{"unknown plan", &provisioningv1.Tenant{Name: "bad-plan", Plan: "platinum"}, codes.InvalidArgument, "tenant.plan"},
		{"no plan", &provisioningv1.Tenant{Name: "bad-noplan"}, codes.InvalidArgument, "tenant.plan"},
		{"more namespaces than the plan", &provisioningv1.Tenant{Name: "bad-count", Plan: "free", Namespaces: ns("a", "b")}, codes.ResourceExhausted, ""},
		{"unknown pod security level", &provisioningv1.Tenant{Name: "bad-psa", Plan: "free", PodSecurity: 7}, codes.InvalidArgument, "tenant.pod_security"},
	} {
		_, err := s.tenants.CreateTenant(s.admin, &provisioningv1.CreateTenantRequest{Tenant: c.tenant})
		code(t, err, c.code, c.what)
		if c.field != "" && grpctest.FieldViolation(err) != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.what, grpctest.FieldViolation(err), c.field, err)
		}
		if c.code == codes.ResourceExhausted && !hasQuotaFailure(err) {
			t.Errorf("%s: no QuotaFailure detail in %v", c.what, err)
		}
		if _, err := s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: c.tenant.GetName()}); status.Code(err) != codes.NotFound && status.Code(err) != codes.InvalidArgument {
			t.Errorf("%s: tenant half-created: %v", c.what, err)
		}
	}
	left, err := kube.CoreV1().Namespaces().List(t.Context(), metav1.ListOptions{LabelSelector: "landlord.dev/tenant"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range left.Items {
		if strings.HasPrefix(n.Name, "bad-") {
			t.Errorf("namespace %s created by a refused request", n.Name)
		}
	}

	s.create(t, &provisioningv1.Tenant{Name: "bad-owner", Plan: "free", Namespaces: ns("app")})
	owner := s.member(t, "bad-owner-user", "bad-owner", identityv1.Role_ROLE_OWNER)
	_, err = s.tenants.CreateNamespace(owner, &provisioningv1.CreateNamespaceRequest{Tenant: "bad-owner", Namespace: &provisioningv1.Namespace{Name: "second"}})
	code(t, err, codes.ResourceExhausted, "namespace over the plan's count")
	if _, err := kube.CoreV1().Namespaces().Get(t.Context(), "bad-owner-second", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace over the count exists: %v", err)
	}
	_, err = s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{
		Tenant: &provisioningv1.Tenant{Name: "bad-owner"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"namespaces"}}})
	code(t, err, codes.InvalidArgument, "update of a field that cannot be updated")
	_, err = s.tenants.UpdateTenant(owner, &provisioningv1.UpdateTenantRequest{Tenant: &provisioningv1.Tenant{Name: "bad-owner"}})
	code(t, err, codes.InvalidArgument, "update without a mask")
	_, err = s.tenants.DeleteTenant(owner, &provisioningv1.DeleteTenantRequest{Name: "bad-owner", Etag: "999"})
	code(t, err, codes.Aborted, "delete with a stale etag")
	_, err = s.tenants.ListTenants(s.admin, &provisioningv1.ListTenantsRequest{PageToken: "forged"})
	code(t, err, codes.InvalidArgument, "forged page token")
	_, err = s.tenants.ListTenants(s.admin, &provisioningv1.ListTenantsRequest{Filter: "color=red"})
	code(t, err, codes.InvalidArgument, "unknown filter")
	_, err = s.tenants.GetTenant(s.admin, &provisioningv1.GetTenantRequest{Name: "no-such-tenant"})
	code(t, err, codes.NotFound, "missing tenant")
	_, err = s.tenants.GetTenant(bearer("not.a.token"), &provisioningv1.GetTenantRequest{Name: "bad-owner"})
	code(t, err, codes.Unauthenticated, "garbage token")

	// Still serving, and the tenant is untouched.
	got, err := s.tenants.GetTenant(owner, &provisioningv1.GetTenantRequest{Name: "bad-owner"})
	if err != nil || len(got.GetTenant().GetNamespaces()) != 1 {
		t.Fatalf("after bad requests: %v, %v", got, err)
	}
}

func hasQuotaFailure(err error) bool {
	_, ok := grpctest.Detail[*errdetails.QuotaFailure](err)
	return ok
}
