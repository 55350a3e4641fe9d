package crds_test

import (
	"context"
	"os"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/crds"
)

func TestMain(m *testing.M) { os.Exit(devclustertest.Main(m)) }

func kubeClient(t *testing.T) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(devclustertest.AdminConfig(t), client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTenantCRDInstallsAndValidates installs the CRD twice (idempotent)
// and checks that the real API server applies its defaults and refuses
// what its schema and CEL rules refuse.
func TestTenantCRDInstallsAndValidates(t *testing.T) {
	c := kubeClient(t)
	ctx := context.Background()
	for range 2 {
		if err := crds.Install(ctx, c); err != nil {
			t.Fatalf("Install: %v", err)
		}
	}

	good := &v1alpha1.Tenant{
		ObjectMeta: metav1.ObjectMeta{Name: "acme-crd-test"},
		Spec:       v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}, {Name: "jobs"}}},
	}
	if err := c.Create(ctx, good); err != nil {
		t.Fatalf("valid tenant: %v", err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), good) })
	if good.Spec.PodSecurity != v1alpha1.PodSecurityRestricted || good.Spec.NetworkIsolation != v1alpha1.NetworkIsolationTenant {
		t.Errorf("defaults not applied: podSecurity %q, networkIsolation %q", good.Spec.PodSecurity, good.Spec.NetworkIsolation)
	}

	cases := map[string]struct {
		tenant  *v1alpha1.Tenant
		message string
	}{
		"plan not a DNS label":    {tenant("bad-plan", v1alpha1.TenantSpec{Plan: "Gold Plan"}), "spec.plan"},
		"privileged pod security": {tenant("bad-psa", v1alpha1.TenantSpec{Plan: "standard", PodSecurity: "privileged"}), "spec.podSecurity"},
		"name too long":           {tenant(strings.Repeat("a", 41), v1alpha1.TenantSpec{Plan: "standard"}), "at most 40 characters"},
		"namespace too long with the prefix": {
			tenant("acme", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: strings.Repeat("n", 60)}}}),
			"must be at most 63 characters"},
		"duplicate namespace": {
			tenant("dup", v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}, {Name: "web"}}}),
			"Duplicate value"},
	}
	for name, tc := range cases {
		err := c.Create(ctx, tc.tenant)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%s: %v, want Invalid mentioning %q", name, err, tc.message)
		}
	}
}

func tenant(name string, spec v1alpha1.TenantSpec) *v1alpha1.Tenant {
	return &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
}
