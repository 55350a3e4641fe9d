// Package render turns a Tenant and its plan into the Kubernetes objects
// that make up each of its namespaces, as server-side apply configurations.
// Pure functions: the controller applies what they return.
package render

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"
	rbacac "k8s.io/client-go/applyconfigurations/rbac/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

// Labels on every object Landlord manages; informers and cleanup select on them.
const (
	LabelTenant    = "landlord.dev/tenant"
	LabelNamespace = "landlord.dev/namespace"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "landlord-provisioning"
)

// Names of the objects in each tenant namespace.
const (
	QuotaName      = "landlord-quota"
	LimitRangeName = "landlord-defaults"
	IsolationName  = "landlord-isolation"
)

// ClusterName is a tenant namespace's name in the cluster.
func ClusterName(tenant, namespace string) string { return tenant + "-" + namespace }

// Objects are one tenant namespace's objects.
type Objects struct {
	Namespace       *corev1ac.NamespaceApplyConfiguration
	RoleBindings    []*rbacac.RoleBindingApplyConfiguration
	Quota           *corev1ac.ResourceQuotaApplyConfiguration
	LimitRange      *corev1ac.LimitRangeApplyConfiguration
	NetworkPolicies []*netac.NetworkPolicyApplyConfiguration
}

func labels(t *v1alpha1.Tenant, ns string) map[string]string {
	return map[string]string{LabelTenant: t.Name, LabelNamespace: ns, LabelManagedBy: ManagedBy}
}

// Namespace renders the objects of tenant namespace ns under plan.
func Namespace(t *v1alpha1.Tenant, ns string, plan *plans.Plan) Objects {
	name := ClusterName(t.Name, ns)
	lbl := labels(t, ns)
	level := string(t.Spec.PodSecurity)
	if level == "" {
		level = string(v1alpha1.PodSecurityRestricted)
	}
	nsLabels := map[string]string{
		"pod-security.kubernetes.io/enforce":         level,
		"pod-security.kubernetes.io/enforce-version": "latest",
		"pod-security.kubernetes.io/audit":           level,
		"pod-security.kubernetes.io/warn":            level,
	}
	for k, v := range lbl {
		nsLabels[k] = v
	}
	owner := metav1ac.OwnerReference().WithAPIVersion(v1alpha1.GroupVersion.String()).WithKind("Tenant").
		WithName(t.Name).WithUID(t.UID).WithController(true).WithBlockOwnerDeletion(true)

	return Objects{
		Namespace: corev1ac.Namespace(name).WithLabels(nsLabels).WithOwnerReferences(owner).
			WithAnnotations(namespaceAnnotations(t, plan)),
		RoleBindings: roleBindings(t.Name, name, lbl),
		// Copies: the client decodes the server's answer back into the apply
		// configuration, and the plan is shared by concurrent reconciles.
		Quota: corev1ac.ResourceQuota(QuotaName, name).WithLabels(lbl).
			WithSpec(corev1ac.ResourceQuotaSpec().WithHard(plan.NamespaceQuota.DeepCopy())),
		LimitRange: corev1ac.LimitRange(LimitRangeName, name).WithLabels(lbl).
			WithSpec(corev1ac.LimitRangeSpec().WithLimits(corev1ac.LimitRangeItem().
				WithType(corev1.LimitTypeContainer).
				WithDefaultRequest(plan.ContainerDefaults.Request.DeepCopy()).
				WithDefault(plan.ContainerDefaults.Limit.DeepCopy()))),
		NetworkPolicies: []*netac.NetworkPolicyApplyConfiguration{isolation(t, name, lbl)},
	}
}

// namespaceAnnotations tell the admission policies what the namespace may
// use; always written, empty meaning none, so that a change of plan or spec
// overwrites them.
func namespaceAnnotations(t *v1alpha1.Tenant, plan *plans.Plan) map[string]string {
	return map[string]string{
		AnnotationAllowedStorageClasses: strings.Join(classNames(t.Spec.AllowedStorageClasses), ","),
		AnnotationRuntimeClasses:        strings.Join(plan.RuntimeClasses, ","),
	}
}

// classNames drops what cannot name a class: a comma would split into
// names nobody meant to allow.
func classNames(names []string) []string {
	var out []string
	for _, n := range names {
		if len(validation.IsDNS1123Subdomain(n)) == 0 {
			out = append(out, n)
		}
	}
	return out
}

// roleBindings bind each tenant role group to its Landlord ClusterRole.
func roleBindings(tenant, ns string, lbl map[string]string) []*rbacac.RoleBindingApplyConfiguration {
	var out []*rbacac.RoleBindingApplyConfiguration
	for _, b := range []struct{ role, clusterRole string }{
		{"owner", TenantAdminRole}, {"admin", TenantAdminRole},
		{"editor", TenantEditorRole}, {"viewer", TenantViewerRole},
	} {
		out = append(out, rbacac.RoleBinding("landlord-"+b.role+"s", ns).WithLabels(lbl).
			WithRoleRef(rbacac.RoleRef().WithAPIGroup("rbac.authorization.k8s.io").WithKind("ClusterRole").WithName(b.clusterRole)).
			WithSubjects(rbacac.Subject().WithAPIGroup("rbac.authorization.k8s.io").WithKind("Group").
				WithName("landlord:tenant:"+tenant+":"+b.role)))
	}
	return out
}

// isolation admits ingress only from the tenant's own namespaces (or, in
// Namespace mode, the namespace itself); a policy that selects every pod
// with ingress rules denies every other source, the world included.
func isolation(t *v1alpha1.Tenant, ns string, lbl map[string]string) *netac.NetworkPolicyApplyConfiguration {
	peer := netac.NetworkPolicyPeer().WithNamespaceSelector(metav1ac.LabelSelector().WithMatchLabels(map[string]string{LabelTenant: t.Name}))
	if t.Spec.NetworkIsolation == v1alpha1.NetworkIsolationNamespace {
		peer = netac.NetworkPolicyPeer().WithPodSelector(metav1ac.LabelSelector())
	}
	return netac.NetworkPolicy(IsolationName, ns).WithLabels(lbl).WithSpec(netac.NetworkPolicySpec().
		WithPodSelector(metav1ac.LabelSelector()).
		WithPolicyTypes(networkingv1.PolicyTypeIngress).
		WithIngress(netac.NetworkPolicyIngressRule().WithFrom(peer)))
}
