// Package render turns a Tenant and its plan into the Kubernetes objects
// that make up each of its namespaces, as server-side apply configurations.
// Pure functions: the controller applies what they return.
package render

import (
	"iter"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	netac "k8s.io/client-go/applyconfigurations/networking/v1"
	rbacac "k8s.io/client-go/applyconfigurations/rbac/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

// Labels on every object Landlord manages; informers and cleanup select on
// them. Defined in api/v1alpha1, which the quota service reads too.
const (
	LabelTenant    = v1alpha1.LabelTenant
	LabelNamespace = v1alpha1.LabelNamespace
	LabelManagedBy = v1alpha1.LabelManagedBy
	ManagedBy      = v1alpha1.ManagedBy
)

// Names of the objects in each tenant namespace. The ResourceQuota is not
// rendered here: its hard limits are the quota service's, written by
// provisioning's quota writer (quotasync) under the same labels.
const (
	QuotaName      = v1alpha1.QuotaName
	LimitRangeName = "landlord-defaults"
	IsolationName  = "landlord-isolation"
)

// AnnotationQuotaSeq on the ResourceQuota is the sequence number of the
// quota service's write it holds: a write with a lower one is never
// applied over it.
const AnnotationQuotaSeq = v1alpha1.AnnotationQuotaSeq

// Objects are one tenant namespace's objects.
type Objects struct {
	Namespace       *corev1ac.NamespaceApplyConfiguration
	RoleBindings    []*rbacac.RoleBindingApplyConfiguration
	LimitRange      *corev1ac.LimitRangeApplyConfiguration
	NetworkPolicies []*netac.NetworkPolicyApplyConfiguration
}

// Purpose is what an object inside a tenant namespace is for; each has its
// own status condition.
type Purpose string

// Purposes of the objects inside a namespace.
const (
	PurposeAccess   Purpose = "Access"   // role bindings
	PurposeQuota    Purpose = "Quota"    // limit range (the resource quota is the quota writer's)
	PurposePolicies Purpose = "Policies" // network policies
)

// Inside lists the objects in the namespace, each with its purpose.
func (o Objects) Inside() iter.Seq2[Purpose, runtime.ApplyConfiguration] {
	return func(yield func(Purpose, runtime.ApplyConfiguration) bool) {
		if !yield(PurposeQuota, o.LimitRange) {
			return
		}
		for _, rb := range o.RoleBindings {
			if !yield(PurposeAccess, rb) {
				return
			}
		}
		for _, np := range o.NetworkPolicies {
			if !yield(PurposePolicies, np) {
				return
			}
		}
	}
}

// Labels are those of every object in tenant namespace ns (its short
// name, not the cluster's).
func Labels(tenant, ns string) map[string]string {
	return map[string]string{LabelTenant: tenant, LabelNamespace: ns, LabelManagedBy: ManagedBy}
}

// Inputs are what rendering needs besides the Tenant.
type Inputs struct {
	Plan    *plans.Plan
	Network Network
	// IngressDomains are the tenant's allowed domains that no older tenant
	// holds (see the controller); nil for none.
	IngressDomains []string
}

// Namespace renders the objects of tenant namespace ns.
func Namespace(t *v1alpha1.Tenant, ns string, in Inputs) Objects {
	plan := in.Plan
	name := ClusterName(t.Name, ns)
	lbl := Labels(t.Name, ns)
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
	// The API server sets this label itself; rendering it keeps a created
	// namespace (whose create owns it) equal to what is rendered.
	nsLabels[corev1.LabelMetadataName] = name
	return Objects{
		Namespace: corev1ac.Namespace(name).WithLabels(nsLabels).WithOwnerReferences(ownerReference(t)).
			WithAnnotations(namespaceAnnotations(t, in)),
		RoleBindings: roleBindings(t.Name, name, lbl),
		// Copies: the client decodes the server's answer back into the apply
		// configuration, and the plan is shared by concurrent reconciles.
		LimitRange: corev1ac.LimitRange(LimitRangeName, name).WithLabels(lbl).
			WithSpec(corev1ac.LimitRangeSpec().WithLimits(corev1ac.LimitRangeItem().
				WithType(corev1.LimitTypeContainer).
				WithDefaultRequest(plan.ContainerDefaults.Request.DeepCopy()).
				WithDefault(plan.ContainerDefaults.Limit.DeepCopy()).
				WithMax(plan.ContainerDefaults.Max.DeepCopy()))),
		NetworkPolicies: []*netac.NetworkPolicyApplyConfiguration{isolation(t, name, lbl, plan.Egress, in.Network)},
	}
}

// ownerReference makes t the controller of an object: the operator writes
// only to objects whose controller is this Tenant's UID, and the garbage
// collector removes them with it.
func ownerReference(t *v1alpha1.Tenant) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().WithAPIVersion(v1alpha1.GroupVersion.String()).WithKind("Tenant").
		WithName(t.Name).WithUID(t.UID).WithController(true).WithBlockOwnerDeletion(true)
}

// namespaceAnnotations tell the admission policies what the namespace may
// use; always written, empty meaning none, so that a change of plan or spec
// overwrites them.
func namespaceAnnotations(t *v1alpha1.Tenant, in Inputs) map[string]string {
	plan := in.Plan
	serviceTypes := []string{string(corev1.ServiceTypeClusterIP)}
	for _, st := range plan.ServiceTypes {
		serviceTypes = append(serviceTypes, string(st))
	}
	return map[string]string{
		AnnotationPlan:                  plan.Name,
		AnnotationAllowedStorageClasses: strings.Join(classNames(t.Spec.AllowedStorageClasses), ","),
		AnnotationRuntimeClasses:        strings.Join(plan.RuntimeClasses, ","),
		AnnotationServiceTypes:          strings.Join(serviceTypes, ","),
		AnnotationIngressDomains:        strings.Join(in.IngressDomains, ","),
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
