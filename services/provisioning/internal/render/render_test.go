package render_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

func TestNamespaceObjects(t *testing.T) {
	table, err := plans.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	tenant := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme", UID: "uid-1"}, Spec: v1alpha1.TenantSpec{Plan: "standard"}}
	objs := render.Namespace(tenant, "web", render.Inputs{Plan: table["standard"]})

	if *objs.Namespace.Name != "acme-web" {
		t.Errorf("namespace = %s", *objs.Namespace.Name)
	}
	for k, want := range map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "landlord.dev/tenant": "acme", "landlord.dev/namespace": "web",
	} {
		if got := objs.Namespace.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if ref := objs.Namespace.OwnerReferences[0]; *ref.Kind != "Tenant" || string(*ref.UID) != "uid-1" {
		t.Errorf("owner = %+v", ref)
	}
	if got := (*objs.Quota.Spec.Hard)[corev1.ResourcePods]; got.String() != "50" {
		t.Errorf("pods quota = %s, want the standard plan's 50", got.String())
	}
	subjects := map[string]string{}
	for _, rb := range objs.RoleBindings {
		subjects[*rb.Subjects[0].Name] = *rb.RoleRef.Name
	}
	if subjects["landlord:tenant:acme:editor"] != render.TenantEditorRole || subjects["landlord:tenant:acme:owner"] != render.TenantAdminRole || len(subjects) != 4 {
		t.Errorf("role bindings = %v", subjects)
	}
	peer := objs.NetworkPolicies[0].Spec.Ingress[0].From[0]
	if peer.NamespaceSelector == nil || peer.NamespaceSelector.MatchLabels["landlord.dev/tenant"] != "acme" {
		t.Errorf("Tenant isolation admits %+v", peer)
	}

	tenant.Spec.PodSecurity, tenant.Spec.NetworkIsolation = v1alpha1.PodSecurityBaseline, v1alpha1.NetworkIsolationNamespace
	objs = render.Namespace(tenant, "web", render.Inputs{Plan: table["standard"]})
	if objs.Namespace.Labels["pod-security.kubernetes.io/enforce"] != "baseline" {
		t.Error("baseline tenant not labelled baseline")
	}
	if peer := objs.NetworkPolicies[0].Spec.Ingress[0].From[0]; peer.PodSelector == nil || peer.NamespaceSelector != nil {
		t.Errorf("Namespace isolation admits %+v", peer)
	}
}

// TestObjectsDoNotShareThePlan: the API client writes the server's answer
// into the apply configuration; that must never reach the shared plan.
func TestObjectsDoNotShareThePlan(t *testing.T) {
	table, _ := plans.Builtin()
	plan := table["standard"]
	objs := render.Namespace(&v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}, "web", render.Inputs{Plan: plan})
	(*objs.Quota.Spec.Hard)[corev1.ResourcePods] = *plan.NamespaceQuota.Pods()
	(*objs.Quota.Spec.Hard)["scribbled"] = *plan.NamespaceQuota.Pods()
	(*objs.LimitRange.Spec.Limits[0].Default)["scribbled"] = *plan.NamespaceQuota.Pods()
	if _, ok := plan.NamespaceQuota["scribbled"]; ok {
		t.Error("writing to a rendered quota changed the plan")
	}
	if _, ok := plan.ContainerDefaults.Limit["scribbled"]; ok {
		t.Error("writing to a rendered limit range changed the plan")
	}
}
