package controller_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestEveryCreatableKindIsBounded walks what a tenant editor and admin may
// create in their namespace (SelfSubjectRulesReview, as the user), keeps
// the kinds the API server stores (discovery: listable), and fails for any
// the namespace's quota does not count. Events, which quota cannot count,
// must be refused instead. Node resources are bounded too: ephemeral
// storage in the quota, per-container maxima in the LimitRange.
func TestEveryCreatableKindIsBounded(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	provision(t, c, "bnd", v1alpha1.TenantSpec{Plan: "free", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}})
	const ns = "bnd-web"
	kube := devclustertest.Admin(t)
	// The namespace's two quotas together (v1alpha1.QuotaNameFor).
	quota := &corev1.ResourceQuota{Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{}}}
	for _, name := range v1alpha1.QuotaNames {
		rq, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		maps.Copy(quota.Spec.Hard, rq.Spec.Hard)
	}
	stored := storedKinds(t)
	for _, role := range []string{"editor", "admin"} {
		user := impersonate(t, "landlord:"+role, "landlord:tenant:bnd:"+role)
		review, err := user.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{
			Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: ns}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		creatable := map[schema.GroupResource]bool{}
		for _, rule := range review.Status.ResourceRules {
			if !slices.Contains(rule.Verbs, "create") && !slices.Contains(rule.Verbs, "*") {
				continue
			}
			for _, g := range rule.APIGroups {
				for _, r := range rule.Resources {
					if gr := (schema.GroupResource{Group: g, Resource: r}); stored[gr] {
						creatable[gr] = true
					}
				}
			}
		}
		if len(creatable) < 10 {
			t.Fatalf("%s: only %d creatable kinds found: the walk is broken", role, len(creatable))
		}
		for gr := range creatable {
			if gr.Resource == "events" {
				continue // refused, below
			}
			if !bounded(quota.Spec.Hard, gr) {
				t.Errorf("%s can create %s without bound: add count/%s to every plan", role, gr, gr)
			}
		}
		event := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "spam"}, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "x", Namespace: ns}}
		waitRefused(t, func() error {
			_, err := user.CoreV1().Events(ns).Create(ctx, event, dryRunCreate)
			return err
		}, metav1.StatusReasonForbidden, "cannot write Events")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceRequestsEphemeralStorage, corev1.ResourceLimitsEphemeralStorage} {
		if _, ok := quota.Spec.Hard[r]; !ok {
			t.Errorf("quota does not bound %s", r)
		}
	}
	lr, err := kube.CoreV1().LimitRanges(ns).Get(ctx, render.LimitRangeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		item := lr.Spec.Limits[0]
		if _, ok := item.Max[r]; !ok {
			t.Errorf("limit range sets no maximum %s", r)
		}
		if _, ok := item.Default[r]; !ok {
			t.Errorf("limit range sets no default %s", r)
		}
	}
}

// storedKinds are the namespaced kinds the API server serves that can be
// listed: what a create would store (reviews and tokens are not stored).
func storedKinds(t *testing.T) map[schema.GroupResource]bool {
	t.Helper()
	lists, err := devclustertest.Admin(t).Discovery().ServerPreferredNamespacedResources()
	if err != nil {
		t.Fatal(err)
	}
	out := map[schema.GroupResource]bool{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range l.APIResources {
			if slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "create") && !strings.Contains(r.Name, "/") {
				out[gv.WithResource(r.Name).GroupResource()] = true
			}
		}
	}
	return out
}

// bounded: the quota counts gr, by its object-count name or, for core
// kinds, its classic name (pods, services, ...).
func bounded(hard corev1.ResourceList, gr schema.GroupResource) bool {
	name := "count/" + gr.Resource
	if gr.Group != "" {
		name += "." + gr.Group
	}
	if _, ok := hard[corev1.ResourceName(name)]; ok {
		return true
	}
	_, ok := hard[corev1.ResourceName(gr.Resource)]
	return gr.Group == "" && ok
}
