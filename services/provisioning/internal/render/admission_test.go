package render_test

import (
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestNamespaceAnnotations: the policies read what a namespace may use from
// its annotations, so they must always be there, empty meaning none.
func TestNamespaceAnnotations(t *testing.T) {
	table := planstest.Table()
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}
	for _, c := range []struct {
		plan         string
		storage      []string
		wantStorage  string
		wantRuntimes string
	}{
		{"standard", nil, "", ""},
		{"standard", []string{"fast", "slow"}, "fast,slow", ""},
		{"isolated", []string{"fast"}, "fast", "gvisor,kata"},
		// A comma would smuggle two names in; such an entry names no class.
		{"standard", []string{"fast", "a,b", ""}, "fast", ""},
	} {
		tenant.Spec.AllowedStorageClasses = c.storage
		ann := render.Namespace(tenant, "web", render.Inputs{Plan: table[c.plan]}).Namespace.Annotations
		got, ok := ann[render.AnnotationAllowedStorageClasses]
		if !ok || got != c.wantStorage {
			t.Errorf("%s %v: storage classes = %q (present %v), want %q", c.plan, c.storage, got, ok, c.wantStorage)
		}
		if got, ok := ann[render.AnnotationRuntimeClasses]; !ok || got != c.wantRuntimes {
			t.Errorf("%s: runtime classes = %q (present %v), want %q", c.plan, got, ok, c.wantRuntimes)
		}
	}
}

func TestAdmissionPolicies(t *testing.T) {
	names := map[string]bool{}
	for _, p := range render.AdmissionPolicies("landlord-dev-admin") {
		name := *p.Policy.Name
		if names[name] {
			t.Errorf("policy %s twice", name)
		}
		names[name] = true
		spec := p.Policy.Spec
		if *spec.FailurePolicy != admissionv1.Fail {
			t.Errorf("%s fails open", name)
		}
		if *p.Binding.Name != name || *p.Binding.Spec.PolicyName != name || p.Binding.Spec.ValidationActions[0] != admissionv1.Deny {
			t.Errorf("%s: binding %s binds %s with %v", name, *p.Binding.Name, *p.Binding.Spec.PolicyName, p.Binding.Spec.ValidationActions)
		}
		for _, obj := range []map[string]string{p.Policy.Labels, p.Binding.Labels} {
			if obj[render.LabelManagedBy] != render.ManagedBy {
				t.Errorf("%s not labelled as Landlord's", name)
			}
		}
		if len(spec.Validations) == 0 {
			t.Errorf("%s validates nothing", name)
		}
	}
	for _, want := range []string{render.ProtectPolicyName, render.TenantDeletionPolicyName, render.NamespacesPolicyName, render.StorageClassPolicyName, render.RuntimeClassPolicyName} {
		if !names[want] {
			t.Errorf("policy %s missing", want)
		}
	}
	// Claims and pods come from controllers too: those two policies must
	// not be limited to Landlord identities, and must read the annotations.
	for _, p := range []render.Policy{render.AllowedStorageClasses(), render.RuntimeClasses()} {
		if len(p.Policy.Spec.MatchConditions) != 0 {
			t.Errorf("%s applies only to some users", *p.Policy.Name)
		}
		if sel := p.Policy.Spec.MatchConstraints.NamespaceSelector; sel == nil || *sel.MatchExpressions[0].Key != render.LabelTenant {
			t.Errorf("%s is not limited to tenant namespaces", *p.Policy.Name)
		}
		vars := ""
		for _, v := range p.Policy.Spec.Variables {
			vars += *v.Expression
		}
		if !strings.Contains(vars, "namespaceObject") {
			t.Errorf("%s does not read the namespace", *p.Policy.Name)
		}
	}
}
