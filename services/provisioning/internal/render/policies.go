package render

import (
	"fmt"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	admissionac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
)

// ProtectPolicyName is the admission policy that keeps tenant users away
// from the objects Landlord manages in their namespaces.
const ProtectPolicyName = "landlord-protect-managed-objects"

// ProtectManagedObjects returns a ValidatingAdmissionPolicy and its binding,
// enforced in the API server itself (CEL, no webhook): a request from a
// Landlord identity may not change or delete an object labelled as managed
// by Landlord, nor create one carrying that label. RBAC alone cannot say
// this: a tenant admin may edit role bindings and network policies in
// general, just not Landlord's.
func ProtectManagedObjects() (*admissionac.ValidatingAdmissionPolicyApplyConfiguration, *admissionac.ValidatingAdmissionPolicyBindingApplyConfiguration) {
	isManaged := func(obj string) string {
		return fmt.Sprintf("has(%[1]s.metadata.labels) && '%[2]s' in %[1]s.metadata.labels && %[1]s.metadata.labels['%[2]s'] == '%[3]s'",
			obj, LabelManagedBy, ManagedBy)
	}
	rule := admissionac.NamedRuleWithOperations().
		WithOperations(admissionv1.Create, admissionv1.Update, admissionv1.Delete).
		WithAPIGroups("", "rbac.authorization.k8s.io", "networking.k8s.io").
		WithAPIVersions("*").
		WithResources("resourcequotas", "limitranges", "rolebindings", "roles", "networkpolicies")
	p := newPolicy(ProtectPolicyName, admissionac.ValidatingAdmissionPolicySpec().
		WithMatchConstraints(admissionac.MatchResources().WithResourceRules(rule)).
		WithMatchConditions(landlordIdentities()).
		WithValidations(
			admissionac.Validation().
				WithExpression("oldObject == null || !("+isManaged("oldObject")+")").
				WithMessage("objects managed by Landlord cannot be changed or deleted by tenant users"),
			admissionac.Validation().
				WithExpression("object == null || !("+isManaged("object")+")").
				WithMessage("tenant users cannot label objects as managed by Landlord"),
		))
	return p.Policy, p.Binding
}
