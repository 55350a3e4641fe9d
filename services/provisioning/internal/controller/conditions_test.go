package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// TestOnlyQuotaFails: the API server refuses every ResourceQuota write in
// one tenant's namespace (an admission policy this test installs, the
// way a cluster's own policy or a full etcd would refuse). QuotaReady
// turns False and says why; the role bindings wait for the quota, so
// AccessReady is False too, saying so, while NamespacesReady and
// PoliciesReady, whose objects were written, stay True; Ready names
// QuotaReady. Once the policy is gone, the operator's own retries bring
// every condition back to True and the tenant to Active.
func TestOnlyQuotaFails(t *testing.T) {
	c := startOperator(t)
	ctx := context.Background()
	const tenant, ns, probe = "cond-quota", "cond-quota-web", "cond-quota-probe"
	const refusal = "test: resource quotas are refused here"
	deny := denyQuotas(t, c, []string{ns, probe}, refusal)
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Delete(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe}})
	})
	// Policies take a moment to reach the API server's admission: wait
	// until a quota in the probe namespace is refused.
	devclustertest.Eventually(t, 30*time.Second, func() error {
		q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: probe, Name: "probe"},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}}}
		if err := c.Create(ctx, q, client.DryRunAll); err == nil || !strings.Contains(err.Error(), refusal) {
			return fmt.Errorf("a quota in %s: %v, want the test's refusal", probe, err)
		}
		return nil
	})

	provisionAs := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: tenant},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}}}
	if err := c.Create(ctx, provisionAs); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), provisionAs) })
	failing := waitConditions(t, c, tenant, map[string]metav1.ConditionStatus{
		v1alpha1.ConditionNamespacesReady: metav1.ConditionTrue,
		v1alpha1.ConditionAccessReady:     metav1.ConditionFalse,
		v1alpha1.ConditionPoliciesReady:   metav1.ConditionTrue,
		v1alpha1.ConditionQuotaReady:      metav1.ConditionFalse,
		v1alpha1.ConditionReady:           metav1.ConditionFalse,
	})
	quota := meta.FindStatusCondition(failing.Status.Conditions, v1alpha1.ConditionQuotaReady)
	if quota.Reason != "ApplyFailed" || !strings.Contains(quota.Message, refusal) || !strings.Contains(quota.Message, render.QuotaName) {
		t.Errorf("QuotaReady = %s: %s, want ApplyFailed naming the quota and the refusal", quota.Reason, quota.Message)
	}
	for _, cond := range []string{v1alpha1.ConditionNamespacesReady, v1alpha1.ConditionAccessReady, v1alpha1.ConditionPoliciesReady} {
		if got := meta.FindStatusCondition(failing.Status.Conditions, cond); strings.Contains(got.Message, refusal) {
			t.Errorf("%s carries the quota's failure: %s", cond, got.Message)
		}
	}
	if ready := meta.FindStatusCondition(failing.Status.Conditions, v1alpha1.ConditionReady); !strings.Contains(ready.Message, v1alpha1.ConditionQuotaReady) {
		t.Errorf("Ready = %q, want it to name QuotaReady", ready.Message)
	}
	if failing.Status.Phase != v1alpha1.PhaseProvisioning {
		t.Errorf("phase = %s, want Provisioning", failing.Status.Phase)
	}
	// What QuotaReady covers is all that is missing.
	kube := devclustertest.Admin(t)
	if _, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, render.QuotaName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("quota written despite the refusal: %v", err)
	}
	if _, err := kube.CoreV1().LimitRanges(ns).Get(ctx, render.LimitRangeName, metav1.GetOptions{}); err != nil {
		t.Errorf("limit range: %v", err)
	}
	if access := meta.FindStatusCondition(failing.Status.Conditions, v1alpha1.ConditionAccessReady); access.Reason != "WaitingForQuota" || !strings.Contains(access.Message, "wait for its quota") {
		t.Errorf("AccessReady = %s: %s, want it waiting for the quota", access.Reason, access.Message)
	}
	if bindings, err := kube.RbacV1().RoleBindings(ns).List(ctx, metav1.ListOptions{LabelSelector: "landlord.dev/tenant=" + tenant}); err != nil || len(bindings.Items) != 0 {
		t.Errorf("role bindings without a quota: %d, %v", len(bindings.Items), err)
	}

	deny()
	removed := time.Now()
	recovered := waitConditions(t, c, tenant, map[string]metav1.ConditionStatus{
		v1alpha1.ConditionNamespacesReady: metav1.ConditionTrue,
		v1alpha1.ConditionAccessReady:     metav1.ConditionTrue,
		v1alpha1.ConditionPoliciesReady:   metav1.ConditionTrue,
		v1alpha1.ConditionQuotaReady:      metav1.ConditionTrue,
		v1alpha1.ConditionReady:           metav1.ConditionTrue,
	})
	t.Logf("QuotaReady True again %s after the policy was removed", time.Since(removed).Round(time.Millisecond))
	if recovered.Status.Phase != v1alpha1.PhaseActive {
		t.Errorf("phase = %s, want Active", recovered.Status.Phase)
	}
	if _, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, render.QuotaName, metav1.GetOptions{}); err != nil {
		t.Errorf("quota: %v", err)
	}
	if bindings, err := kube.RbacV1().RoleBindings(ns).List(ctx, metav1.ListOptions{LabelSelector: "landlord.dev/tenant=" + tenant}); err != nil || len(bindings.Items) != 4 {
		t.Errorf("role bindings: %d, %v", len(bindings.Items), err)
	}
}

// TestRoleBindingsWaitForTheQuota: until the quota service has allocated a
// namespace's quota, the namespace has its limit range and network
// policy but no role bindings, so the tenant's users can create nothing
// there without a quota; QuotaReady says what it waits for. Once the
// allocation arrives, the quota and then the bindings follow, unprompted.
func TestRoleBindingsWaitForTheQuota(t *testing.T) {
	op := runOperator(t, devclustertest.AdminConfig(t))
	c := op.client
	ctx := context.Background()
	const tenant, ns = "cond-wait", "cond-wait-web"
	op.quota.withhold(tenant, true)
	tn := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: tenant},
		Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "web"}}}}
	if err := c.Create(ctx, tn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Delete(context.Background(), tn) })
	waiting := waitConditions(t, c, tenant, map[string]metav1.ConditionStatus{
		v1alpha1.ConditionNamespacesReady: metav1.ConditionTrue,
		v1alpha1.ConditionAccessReady:     metav1.ConditionFalse,
		v1alpha1.ConditionPoliciesReady:   metav1.ConditionTrue,
		v1alpha1.ConditionQuotaReady:      metav1.ConditionFalse,
		v1alpha1.ConditionReady:           metav1.ConditionFalse,
	})
	quota := meta.FindStatusCondition(waiting.Status.Conditions, v1alpha1.ConditionQuotaReady)
	if quota.Reason != "WaitingForQuota" || !strings.Contains(quota.Message, "waiting for the quota service to allocate "+ns) {
		t.Errorf("QuotaReady = %s: %s", quota.Reason, quota.Message)
	}
	if waiting.Status.Phase != v1alpha1.PhaseProvisioning {
		t.Errorf("phase = %s, want Provisioning", waiting.Status.Phase)
	}
	kube := devclustertest.Admin(t)
	if bindings, err := kube.RbacV1().RoleBindings(ns).List(ctx, metav1.ListOptions{}); err != nil || len(bindings.Items) != 0 {
		t.Errorf("role bindings without a quota: %d, %v", len(bindings.Items), err)
	}
	if _, err := kube.CoreV1().LimitRanges(ns).Get(ctx, render.LimitRangeName, metav1.GetOptions{}); err != nil {
		t.Errorf("limit range: %v", err)
	}
	if _, err := kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, render.IsolationName, metav1.GetOptions{}); err != nil {
		t.Errorf("network policy: %v", err)
	}
	owner := impersonate(t, "landlord:olga", "landlord:tenant:"+tenant+":owner")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "early"}}
	if _, err := owner.CoreV1().ConfigMaps(ns).Create(ctx, cm, dryRunCreate); !apierrors.IsForbidden(err) {
		t.Errorf("the tenant's owner before the quota: %v, want Forbidden", err)
	}

	op.quota.withhold(tenant, false)
	allocated := time.Now()
	waitConditions(t, c, tenant, map[string]metav1.ConditionStatus{
		v1alpha1.ConditionNamespacesReady: metav1.ConditionTrue,
		v1alpha1.ConditionAccessReady:     metav1.ConditionTrue,
		v1alpha1.ConditionPoliciesReady:   metav1.ConditionTrue,
		v1alpha1.ConditionQuotaReady:      metav1.ConditionTrue,
		v1alpha1.ConditionReady:           metav1.ConditionTrue,
	})
	t.Logf("Ready %s after the allocation", time.Since(allocated).Round(time.Millisecond))
	q, err := kube.CoreV1().ResourceQuotas(ns).Get(ctx, render.QuotaName, metav1.GetOptions{})
	if err != nil || q.Annotations[render.AnnotationQuotaSeq] == "" {
		t.Fatalf("quota %v, %v", q, err)
	}
	waitQuotaTracked(t, ns)
	devclustertest.Eventually(t, 30*time.Second, func() error {
		_, err := owner.CoreV1().ConfigMaps(ns).Create(ctx, cm, dryRunCreate)
		return err
	})
}

// denyQuotas installs an admission policy refusing every ResourceQuota
// create and update in namespaces, with message; the returned func (also
// run at cleanup) removes it.
func denyQuotas(t *testing.T, c client.Client, namespaces []string, message string) (remove func()) {
	t.Helper()
	ctx := context.Background()
	name := "test-deny-quotas-" + namespaces[0]
	policy := &admissionv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionv1.Fail),
			MatchConstraints: &admissionv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: namespaces}}},
				ResourceRules: []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update},
					Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"resourcequotas"}},
				}}},
			},
			Validations: []admissionv1.Validation{{Expression: "false", Message: message}},
		}}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny}}}
	for _, obj := range []client.Object{policy, binding} {
		if err := c.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	remove = func() {
		for _, obj := range []client.Object{binding, policy} {
			if err := c.Delete(context.Background(), obj); client.IgnoreNotFound(err) != nil {
				t.Errorf("removing the test policy: %v", err)
			}
		}
	}
	t.Cleanup(remove)
	return remove
}

// waitConditions waits until the tenant's status, for its current
// generation, has exactly these conditions with these statuses.
func waitConditions(t *testing.T, c client.Client, name string, want map[string]metav1.ConditionStatus) *v1alpha1.Tenant {
	t.Helper()
	tenant := &v1alpha1.Tenant{}
	devclustertest.Eventually(t, 60*time.Second, func() error {
		if err := c.Get(context.Background(), client.ObjectKey{Name: name}, tenant); err != nil {
			return err
		}
		return conditionsAre(tenant, want)
	})
	return tenant
}

// conditionsAre: the tenant reports exactly the wanted conditions, each
// with its status, for its current generation.
func conditionsAre(tenant *v1alpha1.Tenant, want map[string]metav1.ConditionStatus) error {
	if tenant.Status.ObservedGeneration != tenant.Generation {
		return fmt.Errorf("status is of generation %d, the tenant is at %d", tenant.Status.ObservedGeneration, tenant.Generation)
	}
	if len(tenant.Status.Conditions) != len(want) {
		return fmt.Errorf("conditions %v, want %v", tenant.Status.Conditions, want)
	}
	for cond, status := range want {
		got := meta.FindStatusCondition(tenant.Status.Conditions, cond)
		if got == nil || got.Status != status || got.ObservedGeneration != tenant.Generation {
			return fmt.Errorf("condition %s = %+v, want %s at generation %d", cond, got, status, tenant.Generation)
		}
	}
	return nil
}
