package render_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans/planstest"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

func TestNamespaceObjects(t *testing.T) {
	table := planstest.Table()
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
	if got := (*objs.LimitRange.Spec.Limits[0].Max)[corev1.ResourceCPU]; got.String() != "4" {
		t.Errorf("container cpu max = %s, want the standard plan's 4", got.String())
	}
	for purpose, obj := range objs.Inside() {
		if _, quota := obj.(*corev1ac.ResourceQuotaApplyConfiguration); quota {
			t.Errorf("a %s ResourceQuota is rendered: it is the quota writer's", purpose)
		}
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
	plan := planstest.Table()["standard"]
	objs := render.Namespace(&v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: "acme"}}, "web", render.Inputs{Plan: plan})
	(*objs.LimitRange.Spec.Limits[0].Default)["scribbled"] = *plan.ContainerDefaults.Max.Cpu()
	(*objs.LimitRange.Spec.Limits[0].Max)[corev1.ResourceCPU] = *plan.ContainerDefaults.Limit.Cpu()
	if got := plan.ContainerDefaults.Max[corev1.ResourceCPU]; got.String() != "4" {
		t.Errorf("writing to a rendered limit range changed the plan's max cpu to %s", got.String())
	}
	if _, ok := plan.ContainerDefaults.Limit["scribbled"]; ok {
		t.Error("writing to a rendered limit range changed the plan")
	}
}

// TestPriorityLevelsAreTheTiers: every tier has a level the operator's
// role may write, with its shares.
func TestPriorityLevelsAreTheTiers(t *testing.T) {
	want := map[string]int32{"free": 5, "standard": 10, "enterprise": 20, "isolated": 10}
	for _, tier := range render.TierNames() {
		pl := render.PriorityLevel(tier, render.Tiers[tier])
		if *pl.Name != "landlord-"+tier || *pl.Spec.Limited.NominalConcurrencyShares != want[tier] {
			t.Errorf("tier %s: level %s with %d shares", tier, *pl.Name, *pl.Spec.Limited.NominalConcurrencyShares)
		}
	}
	if len(render.Tiers) != len(want) {
		t.Errorf("tiers %v", render.Tiers)
	}
}
