package render

import (
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowac "k8s.io/client-go/applyconfigurations/flowcontrol/v1"

	"github.com/landlord-dev/landlord/services/internal/roles"
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

// LegacyFlowSchemaName is the flow schema earlier Landlords gave each
// tenant; the operator deletes it (TierFlowSchemas replaced it).
func LegacyFlowSchemaName(tenant string) string { return "landlord-tenant-" + tenant }

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

// TierShards is how many flow schemas each API tier has. The API server
// matches a request against the flow schemas one by one, so their number
// must not grow with the tenants: a tenant's subjects go to one of a
// tier's fixed shards (TierShard) instead of a schema of its own.
const TierShards = 8

// NoTenantsGroup is the one subject of a tier shard that has no tenants:
// a flow schema needs a subject, and no token carries this group.
const NoTenantsGroup = "landlord:none"

// LabelAPITier labels a tier flow schema with its tier.
const LabelAPITier = "landlord.dev/api-tier"

// TierFlowSchemaName is shard shard of tier's flow schemas.
func TierFlowSchemaName(tier string, shard int) string {
	return "landlord-tier-" + tier + "-" + strconv.Itoa(shard)
}

// TierUsersFlowSchemaName is the flow schema of tier's tenant members
// whose tokens carry the tier's group (roles.TierGroup).
func TierUsersFlowSchemaName(tier string) string { return "landlord-tier-" + tier + "-users" }

// tiersByRank orders the tiers most generous first (more shares, then
// name): a user in tenants of several tiers carries each tier's group,
// and the most generous tier's schema is matched first.
func tiersByRank() []string {
	return slices.SortedFunc(maps.Keys(Tiers), func(a, b string) int {
		if Tiers[a] != Tiers[b] {
			return int(Tiers[b] - Tiers[a])
		}
		return strings.Compare(a, b)
	})
}

// TierFlowSchemaNames are every tier flow schema, in TierFlowSchemas'
// order: each tier's users schema, then the shards.
func TierFlowSchemaNames() []string {
	var out []string
	for _, tier := range tiersByRank() {
		out = append(out, TierUsersFlowSchemaName(tier))
	}
	for _, tier := range TierNames() {
		for shard := range TierShards {
			out = append(out, TierFlowSchemaName(tier, shard))
		}
	}
	return out
}

// TierShard is the shard of its tier that a tenant's subjects go to.
func TierShard(tenant string) int {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	return int(h.Sum32() % TierShards)
}

// TierMember is a tenant as its tier's flow schemas see it: its name,
// its plan's API tier, and the cluster names of the namespaces it owns
// (a name another tenant holds is not this tenant's to classify).
type TierMember struct {
	Tenant     string
	Tier       string
	Namespaces []string
}

// TierFlowSchemas are all the tier flow schemas (TierFlowSchemaNames),
// whoever is in them: each tier's users schema matches its tier group;
// each shard sends every request of its tenants' role groups and of the
// ServiceAccounts of their namespaces (their workloads, and whatever
// their users bind) to its tier's priority level, one flow per user. A
// member of a tier that does not exist is left out. The output depends
// only on the set of members, not on their order.
func TierFlowSchemas(members []TierMember) []*flowac.FlowSchemaApplyConfiguration {
	type key struct {
		tier  string
		shard int
	}
	byShard := map[key][]TierMember{}
	for _, m := range members {
		if _, ok := Tiers[m.Tier]; ok {
			k := key{m.Tier, TierShard(m.Tenant)}
			byShard[k] = append(byShard[k], m)
		}
	}
	var out []*flowac.FlowSchemaApplyConfiguration
	for rank, tier := range tiersByRank() {
		out = append(out, tierFlowSchema(TierUsersFlowSchemaName(tier), tier, usersPrecedence+int32(rank),
			[]*flowac.SubjectApplyConfiguration{group(roles.TierGroup(tier))}))
	}
	for _, tier := range TierNames() {
		for shard := range TierShards {
			out = append(out, tierFlowSchema(TierFlowSchemaName(tier, shard), tier, flowSchemaPrecedence,
				shardSubjects(byShard[key{tier, shard}])))
		}
	}
	return out
}

// usersPrecedence puts the tiers' users schemas, one constant subject
// each, ahead of the shards, whose subject lists grow with the tenants:
// a member whose token carries a tier group is classified after a few
// comparisons however many tenants there are. The shards still name
// every tenant's role groups, for tokens issued before identity knew
// the tenant's tier, and its ServiceAccounts, whose tokens carry no
// Landlord group.
const usersPrecedence = flowSchemaPrecedence - 100

// shardSubjects are the subjects of a shard's members, in the order of
// their names.
func shardSubjects(members []TierMember) []*flowac.SubjectApplyConfiguration {
	members = slices.Clone(members)
	slices.SortFunc(members, func(a, b TierMember) int { return strings.Compare(a.Tenant, b.Tenant) })
	var out []*flowac.SubjectApplyConfiguration
	for _, m := range members {
		for _, role := range []string{"owner", "admin", "editor", "viewer"} {
			out = append(out, group("landlord:tenant:"+m.Tenant+":"+role))
		}
		for _, ns := range slices.Sorted(slices.Values(m.Namespaces)) {
			out = append(out, flowac.Subject().WithKind(flowcontrolv1.SubjectKindServiceAccount).
				WithServiceAccount(flowac.ServiceAccountSubject().WithNamespace(ns).WithName("*")))
		}
	}
	if len(out) == 0 {
		out = append(out, group(NoTenantsGroup))
	}
	return out
}

func group(name string) *flowac.SubjectApplyConfiguration {
	return flowac.Subject().WithKind(flowcontrolv1.SubjectKindGroup).WithGroup(flowac.GroupSubject().WithName(name))
}

// tierFlowSchema sends every request of subjects to tier's priority
// level, one flow per user.
func tierFlowSchema(name, tier string, precedence int32, subjects []*flowac.SubjectApplyConfiguration) *flowac.FlowSchemaApplyConfiguration {
	rule := flowac.PolicyRulesWithSubjects().
		WithResourceRules(flowac.ResourcePolicyRule().WithVerbs("*").WithAPIGroups("*").WithResources("*").
			WithClusterScope(true).WithNamespaces("*")).
		WithNonResourceRules(flowac.NonResourcePolicyRule().WithVerbs("*").WithNonResourceURLs("*")).
		WithSubjects(subjects...)
	return flowac.FlowSchema(name).
		WithLabels(map[string]string{LabelManagedBy: ManagedBy, LabelAPITier: tier}).
		WithSpec(flowac.FlowSchemaSpec().
			WithPriorityLevelConfiguration(flowac.PriorityLevelConfigurationReference().WithName(PriorityLevelName(tier))).
			WithMatchingPrecedence(precedence).
			WithDistinguisherMethod(flowac.FlowDistinguisherMethod().WithType(flowcontrolv1.FlowDistinguisherMethodByUserType)).
			WithRules(rule))
}
