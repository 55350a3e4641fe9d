package render

import (
	"fmt"
	"strconv"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	admissionac "k8s.io/client-go/applyconfigurations/admissionregistration/v1"
)

// ProtectPolicyName is the admission policy that keeps tenant users away
// from the objects Landlord manages in their namespaces.
const ProtectPolicyName = "landlord-protect-managed-objects"

// ProtectManagedObjects is enforced in the API server itself (CEL, no
// webhook): no one but the operator may change or delete an object
// labelled as managed by Landlord, nor create one carrying that label.
// RBAC alone cannot say this: a tenant admin may edit role bindings and
// network policies in general, just not Landlord's, and neither may the
// ServiceAccounts it binds, nor cluster admins by mistake.
func ProtectManagedObjects(operator string) Policy {
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
		WithMatchConditions(exemptions(operator)...).
		WithValidations(
			admissionac.Validation().
				WithExpression("oldObject == null || !("+isManaged("oldObject")+")").
				WithMessage("objects managed by Landlord are changed and deleted only by Landlord"),
			admissionac.Validation().
				WithExpression("object == null || !("+isManaged("object")+")").
				WithMessage("only Landlord labels objects as managed by Landlord"),
		))
	p.Policy.WithAnnotations(exemptionNotes(operator))
	return p
}

// Users the protection policies let through, each for a reason.
const (
	namespaceController = "system:serviceaccount:kube-system:namespace-controller"
	garbageCollector    = "system:serviceaccount:kube-system:generic-garbage-collector"
)

// exemptions are the protection policies' match conditions (all must
// hold for a policy to apply): every requester but these.
func exemptions(operator string) []*admissionac.MatchConditionApplyConfiguration {
	not := func(name, user string) *admissionac.MatchConditionApplyConfiguration {
		return admissionac.MatchCondition().WithName(name).WithExpression("request.userInfo.username != " + strconv.Quote(user))
	}
	return []*admissionac.MatchConditionApplyConfiguration{
		not("not-landlord-operator", operator),
		not("not-namespace-controller", namespaceController),
		not("not-garbage-collector", garbageCollector),
	}
}

// ExemptionsAnnotation says on each protection policy why its exemptions exist.
const ExemptionsAnnotation = "landlord.dev/exemptions"

func exemptionNotes(operator string) map[string]string {
	return map[string]string{ExemptionsAnnotation: operator + ": the Landlord operator writes these objects. " +
		namespaceController + ": empties and removes a deleted namespace, which deletes everything in it. " +
		garbageCollector + ": deletes what a deleted Tenant owned. Everyone else, cluster admins and ServiceAccounts included, is refused."}
}
