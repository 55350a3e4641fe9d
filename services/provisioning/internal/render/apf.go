package render

import (
	"maps"
	"slices"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowac "k8s.io/client-go/applyconfigurations/flowcontrol/v1"

	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

// flowSchemaPrecedence puts tenant flow schemas ahead of the built-in
// catch-alls (global-default is 9900) but behind system traffic.
const flowSchemaPrecedence = 8000

// Tiers are the API Priority and Fairness tiers a plan may name, each
// with its share of the API server's concurrency; within a tier each
// tenant user is its own flow, so one noisy user cannot starve the others.
// The tiers are fixed, not configuration: each is a priority level the
// operator's role names (install.go), so a new one is a code change.
var Tiers = map[string]int32{"free": 5, "standard": 10, "enterprise": 20, "isolated": 10}

// TierNames lists the tiers, sorted.
func TierNames() []string { return slices.Sorted(maps.Keys(Tiers)) }

// PriorityLevelName is the priority level of an API tier.
func PriorityLevelName(tier string) string { return "landlord-" + tier }

// FlowSchemaName is a tenant's flow schema.
func FlowSchemaName(tenant string) string { return "landlord-tenant-" + tenant }

// PriorityLevel is a tier's share of the API server, queued fairly per flow.
func PriorityLevel(tier string, shares int32) *flowac.PriorityLevelConfigurationApplyConfiguration {
	return flowac.PriorityLevelConfiguration(PriorityLevelName(tier)).
		WithLabels(map[string]string{LabelManagedBy: ManagedBy}).
		WithSpec(flowac.PriorityLevelConfigurationSpec().
			WithType(flowcontrolv1.PriorityLevelEnablementLimited).
			WithLimited(flowac.LimitedPriorityLevelConfiguration().
				WithNominalConcurrencyShares(shares).
				WithLimitResponse(flowac.LimitResponse().
					WithType(flowcontrolv1.LimitResponseTypeQueue).
					WithQueuing(flowac.QueuingConfiguration().WithQueues(64).WithHandSize(6).WithQueueLengthLimit(50)))))
}

// FlowSchema sends every request of the tenant's role groups and of the
// ServiceAccounts of its namespaces (its workloads, and whatever its users
// bind) to the priority level of its plan's API tier, one flow per user. namespaces are
// the cluster names of the tenant's namespaces (those it owns: a name
// another tenant holds is not this tenant's to classify).
func FlowSchema(t *v1alpha1.Tenant, plan *plans.Plan, namespaces []string) *flowac.FlowSchemaApplyConfiguration {
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
			WithPriorityLevelConfiguration(flowac.PriorityLevelConfigurationReference().WithName(PriorityLevelName(plan.APITier))).
			WithMatchingPrecedence(flowSchemaPrecedence).
			WithDistinguisherMethod(flowac.FlowDistinguisherMethod().WithType(flowcontrolv1.FlowDistinguisherMethodByUserType)).
			WithRules(rule))
}
