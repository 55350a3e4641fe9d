package render

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowac "k8s.io/client-go/applyconfigurations/flowcontrol/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

// flowSchemaPrecedence puts tenant flow schemas ahead of the built-in
// catch-alls (global-default is 9900) but behind system traffic.
const flowSchemaPrecedence = 8000

// PriorityLevelName is the priority level of a plan's tier.
func PriorityLevelName(plan string) string { return "landlord-" + plan }

// FlowSchemaName is a tenant's flow schema.
func FlowSchemaName(tenant string) string { return "landlord-tenant-" + tenant }

// PriorityLevel is a plan's share of the API server, queued fairly per flow.
func PriorityLevel(plan *plans.Plan) *flowac.PriorityLevelConfigurationApplyConfiguration {
	return flowac.PriorityLevelConfiguration(PriorityLevelName(plan.Name)).
		WithLabels(map[string]string{LabelManagedBy: ManagedBy}).
		WithSpec(flowac.PriorityLevelConfigurationSpec().
			WithType(flowcontrolv1.PriorityLevelEnablementLimited).
			WithLimited(flowac.LimitedPriorityLevelConfiguration().
				WithNominalConcurrencyShares(plan.APIShares).
				WithLimitResponse(flowac.LimitResponse().
					WithType(flowcontrolv1.LimitResponseTypeQueue).
					WithQueuing(flowac.QueuingConfiguration().WithQueues(64).WithHandSize(6).WithQueueLengthLimit(50)))))
}

// FlowSchema sends every request of the tenant's role groups and of the
// ServiceAccounts of its namespaces (its workloads, and whatever its users
// bind) to its plan's priority level, one flow per user. namespaces are
// the cluster names of the tenant's namespaces (those it owns: a name
// another tenant holds is not this tenant's to classify).
func FlowSchema(t *v1alpha1.Tenant, namespaces []string) *flowac.FlowSchemaApplyConfiguration {
	rule := flowac.PolicyRulesWithSubjects().
		WithResourceRules(flowac.ResourcePolicyRule().WithVerbs("*").WithAPIGroups("*").WithResources("*").
			WithClusterScope(true).WithNamespaces("*")).
		WithNonResourceRules(flowac.NonResourcePolicyRule().WithVerbs("*").WithNonResourceURLs("*"))
	for _, role := range []string{"owner", "admin", "editor", "viewer"} {
		rule.WithSubjects(flowac.Subject().WithKind(flowcontrolv1.SubjectKindGroup).
			WithGroup(flowac.GroupSubject().WithName("landlord:tenant:" + t.Name + ":" + role)))
	}
	for _, ns := range namespaces {
		rule.WithSubjects(flowac.Subject().WithKind(flowcontrolv1.SubjectKindServiceAccount).
			WithServiceAccount(flowac.ServiceAccountSubject().WithNamespace(ns).WithName("*")))
	}
	return flowac.FlowSchema(FlowSchemaName(t.Name)).
		WithLabels(map[string]string{LabelTenant: t.Name, LabelManagedBy: ManagedBy}).
		WithOwnerReferences(ownerReference(t)).
		WithSpec(flowac.FlowSchemaSpec().
			WithPriorityLevelConfiguration(flowac.PriorityLevelConfigurationReference().WithName(PriorityLevelName(t.Spec.Plan))).
			WithMatchingPrecedence(flowSchemaPrecedence).
			WithDistinguisherMethod(flowac.FlowDistinguisherMethod().WithType(flowcontrolv1.FlowDistinguisherMethodByUserType)).
			WithRules(rule))
}
