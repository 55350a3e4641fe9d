package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// OperatorObjectsPerTenant is what the operator makes for a one-namespace
// tenant: the namespace, four RoleBindings, a ResourceQuota, a LimitRange,
// a NetworkPolicy and a FlowSchema.
const OperatorObjectsPerTenant = 9

// createOperatorObjects creates, with plain creates, objects shaped like
// the ones the operator renders for a one-namespace tenant on the standard
// plan (the render package is the operator's own: a copy by hand). Like the
// operator, it creates the namespace first and then the rest at once.
func createOperatorObjects(ctx context.Context, kube kubernetes.Interface, ns string) (Latencies, error) {
	labels := map[string]string{"bench.landlord.dev/tenant": ns, "bench.landlord.dev/namespace": "app", "bench.landlord.dev/raw": "true"}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Labels: labels}
	}
	nsLabels := map[string]string{"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest",
		"pod-security.kubernetes.io/audit": "restricted", "pod-security.kubernetes.io/warn": "restricted"}
	for k, v := range labels {
		nsLabels[k] = v
	}
	opts := metav1.CreateOptions{}
	var (
		mu  sync.Mutex
		lat Latencies
	)
	timed := func(create func() error) error {
		start := time.Now()
		err := create()
		mu.Lock()
		lat = append(lat, time.Since(start))
		mu.Unlock()
		return err
	}
	if err := timed(func() error {
		_, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: nsLabels,
			Annotations: map[string]string{"bench.landlord.dev/storage-classes": "", "bench.landlord.dev/runtime-classes": ""}}}, opts)
		return err
	}); err != nil {
		return lat, fmt.Errorf("tenant %s: %w", ns, err)
	}
	q := func(s string) resource.Quantity { return resource.MustParse(s) }
	inside := []func() error{
		func() error {
			_, err := kube.CoreV1().ResourceQuotas(ns).Create(ctx, &corev1.ResourceQuota{ObjectMeta: meta("quota"),
				Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
					"requests.cpu": q("4"), "requests.memory": q("8Gi"), "limits.cpu": q("8"), "limits.memory": q("16Gi"),
					"requests.storage": q("100Gi"), "persistentvolumeclaims": q("10"), "pods": q("50"), "services": q("20"),
					"services.nodeports": q("0"), "services.loadbalancers": q("0"), "count/configmaps": q("200"), "count/secrets": q("200"),
				}}}, opts)
			return err
		},
		func() error {
			_, err := kube.CoreV1().LimitRanges(ns).Create(ctx, &corev1.LimitRange{ObjectMeta: meta("defaults"),
				Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer,
					Default:        corev1.ResourceList{corev1.ResourceCPU: q("500m"), corev1.ResourceMemory: q("512Mi")},
					DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: q("100m"), corev1.ResourceMemory: q("128Mi")},
				}}}}, opts)
			return err
		},
		func() error {
			_, err := kube.NetworkingV1().NetworkPolicies(ns).Create(ctx, &networkingv1.NetworkPolicy{ObjectMeta: meta("isolation"),
				Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
					Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{
						NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"bench.landlord.dev/tenant": ns}}}}}}}}, opts)
			return err
		},
		func() error {
			var subjects []flowcontrolv1.Subject
			for _, role := range []string{"owner", "admin", "editor", "viewer"} {
				subjects = append(subjects, flowcontrolv1.Subject{Kind: flowcontrolv1.SubjectKindGroup,
					Group: &flowcontrolv1.GroupSubject{Name: "bench:tenant:" + ns + ":" + role}})
			}
			_, err := kube.FlowcontrolV1().FlowSchemas().Create(ctx, &flowcontrolv1.FlowSchema{
				ObjectMeta: metav1.ObjectMeta{Name: "bench-" + ns, Labels: labels},
				Spec: flowcontrolv1.FlowSchemaSpec{
					PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "global-default"},
					MatchingPrecedence:         8000,
					DistinguisherMethod:        &flowcontrolv1.FlowDistinguisherMethod{Type: flowcontrolv1.FlowDistinguisherMethodByUserType},
					Rules: []flowcontrolv1.PolicyRulesWithSubjects{{Subjects: subjects,
						ResourceRules: []flowcontrolv1.ResourcePolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"},
							Resources: []string{"*"}, ClusterScope: true, Namespaces: []string{"*"}}},
						NonResourceRules: []flowcontrolv1.NonResourcePolicyRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}}},
				}}, opts)
			return err
		},
	}
	for _, role := range []string{"owner", "admin", "editor", "viewer"} {
		inside = append(inside, func() error {
			_, err := kube.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta("bench-" + role + "s"),
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
				Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: "bench:tenant:" + ns + ":" + role}}}, opts)
			return err
		})
	}
	errs := make(chan error, len(inside))
	for _, create := range inside {
		go func() { errs <- timed(create) }()
	}
	var firstErr error
	for range inside {
		if err := <-errs; err != nil && firstErr == nil {
			firstErr = fmt.Errorf("tenant %s: %w", ns, err)
		}
	}
	return lat, firstErr
}

// tenantWrites wraps objects (a tenant's objects, created) with the two
// writes of the Tenant itself that the operator's path cannot avoid: the
// user's create (with the finalizer, as the TenantService does) and one
// status write. Timed against this, the operator shows its own overhead.
func tenantWrites(c client.Client, objects func(context.Context, kubernetes.Interface, string) (Latencies, error)) func(context.Context, kubernetes.Interface, string) (Latencies, error) {
	return func(ctx context.Context, kube kubernetes.Interface, name string) (Latencies, error) {
		t := &v1alpha1.Tenant{ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: []string{tenantFinalizer}},
			Spec: v1alpha1.TenantSpec{Plan: "standard", Namespaces: []v1alpha1.TenantNamespace{{Name: "app"}}}}
		if err := c.Create(ctx, t); err != nil {
			return nil, err
		}
		lat, err := objects(ctx, kube, name)
		if err != nil {
			return lat, err
		}
		before := t.DeepCopy()
		t.Status = v1alpha1.TenantStatus{Phase: v1alpha1.PhaseActive, ObservedGeneration: t.Generation, NamespaceCount: 1,
			Namespaces: []v1alpha1.NamespaceStatus{{Name: "app", ClusterName: name + "-app", Ready: true}}}
		for _, cond := range []string{v1alpha1.ConditionNamespacesReady, v1alpha1.ConditionAccessReady, v1alpha1.ConditionQuotaReady, v1alpha1.ConditionPoliciesReady, v1alpha1.ConditionReady} {
			t.Status.Conditions = append(t.Status.Conditions, metav1.Condition{Type: cond, Status: metav1.ConditionTrue,
				Reason: "Reconciled", Message: "every object is in place", ObservedGeneration: t.Generation, LastTransitionTime: metav1.Now()})
		}
		return lat, c.Status().Patch(ctx, t, client.MergeFrom(before))
	}
}

// removeTenants deletes the baseline's Tenants (dropping the finalizer no
// operator will remove), so that the operator never sees them.
func removeTenants(ctx context.Context, c client.Client, prefix string, n int) error {
	for i := range n {
		t := &v1alpha1.Tenant{}
		if err := c.Get(ctx, client.ObjectKey{Name: fmt.Sprintf("%s-%05d", prefix, i)}, t); err != nil {
			return err
		}
		t.Finalizers = nil
		if err := c.Update(ctx, t); err != nil {
			return err
		}
		if err := c.Delete(ctx, t); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}
