package render

import (
	"fmt"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	admissionac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
)

// Annotations on each tenant namespace that the admission policies read
// (through namespaceObject): comma-joined names, empty meaning none. Only
// Landlord writes them; tenant users cannot change namespaces.
const (
	AnnotationPlan                  = "landlord.dev/plan"
	AnnotationAllowedStorageClasses = "landlord.dev/allowed-storage-classes"
	AnnotationRuntimeClasses        = "landlord.dev/runtime-classes"
	AnnotationServiceTypes          = "landlord.dev/service-types"
	AnnotationIngressDomains        = "landlord.dev/ingress-domains"
)

// Names of the cluster-wide admission policies (and their bindings).
const (
	TenantDeletionPolicyName = "landlord-tenant-deletion-protection"
	NamespacesPolicyName     = "landlord-namespaces-only-through-landlord"
	StorageClassPolicyName   = "landlord-allowed-storage-classes"
	RuntimeClassPolicyName   = "landlord-runtime-classes"
	ServicesPolicyName       = "landlord-service-exposure"
	IngressPolicyName        = "landlord-ingress-hosts"
	TokenSecretsPolicyName   = "landlord-no-long-lived-tokens"
	EventsPolicyName         = "landlord-no-tenant-events"
)

// Policy is a ValidatingAdmissionPolicy with the binding that enforces it.
type Policy struct {
	Policy  *admissionac.ValidatingAdmissionPolicyApplyConfiguration
	Binding *admissionac.ValidatingAdmissionPolicyBindingApplyConfiguration
}

// AdmissionPolicies are every cluster-wide policy Landlord relies on. They
// run in the API server (CEL), so no webhook can take the cluster down, and
// fail closed: a policy that cannot be evaluated refuses. operator is the
// user the operator acts as (the only one that may write Landlord's
// objects).
func AdmissionPolicies(operator string) []Policy {
	return []Policy{
		ProtectManagedObjects(operator),
		TenantDeletionProtection(),
		NamespacesOnlyThroughLandlord(operator),
		AllowedStorageClasses(),
		RuntimeClasses(),
		ServiceExposure(),
		IngressHosts(),
		NoLongLivedTokens(),
		NoTenantEvents(),
	}
}

// TenantDeletionProtection refuses to delete a Tenant whose spec asks for
// protection, whoever asks, cluster admins included: deleting a tenant
// deletes its namespaces and all their data, so it takes two deliberate
// steps.
func TenantDeletionProtection() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Delete).
		WithAPIGroups("landlord.dev").WithAPIVersions("*").WithResources("tenants")
	return newPolicy(TenantDeletionPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(admissionac.MatchResources().WithResourceRules(rule)).
		WithValidations(admissionac.Validation().
			WithExpression("!oldObject.spec.?deletionProtection.orValue(false)").
			WithMessageExpression("'tenant ' + oldObject.metadata.name + ' is protected from deletion: set spec.deletionProtection to false first'").
			WithReason(metav1.StatusReasonForbidden)))
}

// NamespacesOnlyThroughLandlord keeps tenant namespaces Landlord's: a
// namespace's labels and annotations carry its tenant, its Pod Security
// level and what it may use, and a namespace labelled with a tenant is
// inside that tenant's network policies. No one but the operator (and the
// controllers that delete namespaces) may change or delete a tenant
// namespace, or give any namespace Landlord's labels; Landlord identities
// may write no namespace at all. RBAC already refuses tenants this; the
// policy holds even if a binding grants too much, and holds cluster admins
// and every ServiceAccount to it too.
func NamespacesOnlyThroughLandlord(operator string) Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update, admissionv1.Delete).
		WithAPIGroups("").WithAPIVersions("v1").
		WithResources("namespaces", "namespaces/status", "namespaces/finalize")
	carries := func(obj string) string {
		return fmt.Sprintf("%[1]s != null && has(%[1]s.metadata.labels) && ('%[2]s' in %[1]s.metadata.labels || %[1]s.metadata.labels[?'%[3]s'].orValue('') == '%[4]s')",
			obj, LabelTenant, LabelManagedBy, ManagedBy)
	}
	p := newPolicy(NamespacesPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(admissionac.MatchResources().WithResourceRules(rule)).
		WithMatchConditions(exemptions(operator)...).
		WithValidations(
			admissionac.Validation().
				WithExpression("!request.userInfo.username.startsWith('landlord:')").
				WithMessage("namespaces are created, changed and deleted only through Landlord").
				WithReason(metav1.StatusReasonForbidden),
			admissionac.Validation().
				WithExpression("!("+carries("oldObject")+")").
				WithMessage("tenant namespaces are changed and deleted only through Landlord").
				WithReason(metav1.StatusReasonForbidden),
			admissionac.Validation().
				WithExpression("!("+carries("object")+")").
				WithMessage("only Landlord gives a namespace its tenant labels").
				WithReason(metav1.StatusReasonForbidden)))
	p.Policy.WithAnnotations(exemptionNotes(operator))
	return p
}

// AllowedStorageClasses refuses a claim in a tenant namespace unless it
// names one of the tenant's storage classes. It applies to every user:
// controllers (StatefulSets, generic ephemeral volumes) create claims on a
// tenant's behalf. The DefaultStorageClass admission plugin mutates before
// validation, so a claim without a class is checked under the cluster's
// default class. A claim still without one (no default class), or with ""
// (bind to any class-less volume an admin pre-provisioned), is refused: the
// first would get the default class later without this check, the second
// could bind to volumes that belong to nobody in particular. An update may
// not change the class either (Kubernetes allows nil to a name, once).
func AllowedStorageClasses() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update).
		WithAPIGroups("").WithAPIVersions("v1").WithResources("persistentvolumeclaims")
	return newPolicy(StorageClassPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(inTenantNamespaces(rule)).
		WithVariables(
			annotationList("allowed", AnnotationAllowedStorageClasses),
			admissionac.Variable().WithName("class").WithExpression("object.spec.?storageClassName.orValue('')"),
		).
		WithValidations(admissionac.Validation().
			WithExpression("(request.operation == 'UPDATE' && oldObject.spec.?storageClassName == object.spec.?storageClassName) || variables.class in variables.allowed").
			WithMessageExpression("(variables.class == '' ? 'claims in tenant namespaces must name a storage class' : 'storage class ' + variables.class + ' is not allowed in this tenant') + "+
				"'; allowed: ' + (size(variables.allowed) == 0 ? 'none' : variables.allowed.join(', '))").
			WithReason(metav1.StatusReasonForbidden)))
}

// RuntimeClasses refuses a pod in a tenant namespace whose plan requires
// sandboxed runtimes unless it names one of them. Every user: pods mostly
// come from controllers. runtimeClassName is immutable, so creation is the
// only moment to check.
func RuntimeClasses() Policy {
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create).
		WithAPIGroups("").WithAPIVersions("v1").WithResources("pods")
	return newPolicy(RuntimeClassPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(inTenantNamespaces(rule)).
		WithVariables(annotationList("required", AnnotationRuntimeClasses)).
		WithValidations(admissionac.Validation().
			WithExpression("size(variables.required) == 0 || object.spec.?runtimeClassName.orValue('') in variables.required").
			WithMessageExpression("'pods in this tenant must run under one of the runtime classes ' + variables.required.join(', ') + ' (spec.runtimeClassName)'").
			WithReason(metav1.StatusReasonForbidden)))
}

// Core rules name version v1, not "*": the API server type-checks a
// policy's CEL only against concrete versions (wildcards skip the check),
// and matchPolicy Equivalent still matches any other version.

// newPolicy labels a policy as Landlord's, makes it fail closed and binds
// it cluster-wide with Deny.
func newPolicy(name string, spec *admissionac.ValidatingAdmissionPolicySpecApplyConfiguration) Policy {
	lbl := map[string]string{LabelManagedBy: ManagedBy}
	return Policy{
		Policy: admissionac.ValidatingAdmissionPolicy(name).WithLabels(lbl).
			WithSpec(spec.WithFailurePolicy(admissionv1.Fail)),
		Binding: admissionac.ValidatingAdmissionPolicyBinding(name).WithLabels(lbl).
			WithSpec(admissionac.ValidatingAdmissionPolicyBindingSpec().
				WithPolicyName(name).
				WithValidationActions(admissionv1.Deny)),
	}
}

// inTenantNamespaces matches rule's requests in tenant namespaces.
func inTenantNamespaces(rule *admissionac.NamedRuleWithOperationsApplyConfiguration) *admissionac.MatchResourcesApplyConfiguration {
	return admissionac.MatchResources().WithResourceRules(rule).WithNamespaceSelector(tenantNamespaces())
}

// tenantNamespaces selects the namespaces Landlord made for tenants.
func tenantNamespaces() *metav1ac.LabelSelectorApplyConfiguration {
	return metav1ac.LabelSelector().WithMatchExpressions(metav1ac.LabelSelectorRequirement().
		WithKey(LabelTenant).WithOperator(metav1.LabelSelectorOpExists))
}

// annotationList is a CEL variable holding the names in a namespace
// annotation; a missing annotation is an empty list.
func annotationList(name, annotation string) *admissionac.VariableApplyConfiguration {
	return admissionac.Variable().WithName(name).
		WithExpression("namespaceObject.metadata.?annotations[?'" + annotation + "'].orValue('').split(',').filter(c, c != '')")
}
