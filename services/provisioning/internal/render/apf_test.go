package render_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowac "k8s.io/client-go/applyconfigurations/flowcontrol/v1"

	"github.com/landlord-dev/landlord/services/provisioning/internal/render"
)

// subjects lists a rendered schema's subjects as strings: the group's
// name, or "sa:<namespace>/<name>".
func subjects(fs *flowac.FlowSchemaApplyConfiguration) []string {
	var out []string
	for _, r := range fs.Spec.Rules {
		for _, s := range r.Subjects {
			switch *s.Kind {
			case flowcontrolv1.SubjectKindGroup:
				out = append(out, *s.Group.Name)
			case flowcontrolv1.SubjectKindServiceAccount:
				out = append(out, "sa:"+*s.ServiceAccount.Namespace+"/"+*s.ServiceAccount.Name)
			default:
				out = append(out, "?"+string(*s.Kind))
			}
		}
	}
	return out
}

func byName(schemas []*flowac.FlowSchemaApplyConfiguration) map[string]*flowac.FlowSchemaApplyConfiguration {
	out := map[string]*flowac.FlowSchemaApplyConfiguration{}
	for _, fs := range schemas {
		out[*fs.Name] = fs
	}
	return out
}

// TestTierFlowSchemasAreFixed: however many tenants there are, every tier
// has one users schema matching its tier group, ahead of its TierShards
// schemas at the tenants' precedence, one flow per user, in the tier's
// priority level; a shard with no tenants matches no one.
func TestTierFlowSchemasAreFixed(t *testing.T) {
	// The users schemas go most generous tier first, so that a member of
	// tenants on several tiers is classified in the best of them.
	byRank := []string{"enterprise", "isolated", "standard", "free"}
	var many []render.TierMember
	for i := range 1000 {
		many = append(many, render.TierMember{Tenant: fmt.Sprintf("t%04d", i), Tier: render.TierNames()[i%4], Namespaces: []string{fmt.Sprintf("t%04d-web", i)}})
	}
	for _, members := range [][]render.TierMember{nil, many} {
		schemas := render.TierFlowSchemas(members)
		var names []string
		for _, fs := range schemas {
			names = append(names, *fs.Name)
			tier := fs.Labels[render.LabelAPITier]
			users := *fs.Name == render.TierUsersFlowSchemaName(tier)
			precedence := int32(8000)
			if users {
				precedence = 7900 + int32(slices.Index(byRank, tier))
			}
			if *fs.Spec.PriorityLevelConfiguration.Name != render.PriorityLevelName(tier) || *fs.Spec.MatchingPrecedence != precedence ||
				*fs.Spec.DistinguisherMethod.Type != flowcontrolv1.FlowDistinguisherMethodByUserType || fs.Labels[render.LabelManagedBy] != render.ManagedBy {
				t.Errorf("%s: level %s precedence %d distinguisher %s labels %v", *fs.Name, *fs.Spec.PriorityLevelConfiguration.Name,
					*fs.Spec.MatchingPrecedence, *fs.Spec.DistinguisherMethod.Type, fs.Labels)
			}
			if len(fs.OwnerReferences) != 0 {
				t.Errorf("%s has owners", *fs.Name)
			}
			rule := fs.Spec.Rules[0]
			if len(fs.Spec.Rules) != 1 || rule.ResourceRules[0].Verbs[0] != "*" || !*rule.ResourceRules[0].ClusterScope ||
				rule.NonResourceRules[0].NonResourceURLs[0] != "*" {
				t.Errorf("%s: rules %+v", *fs.Name, fs.Spec.Rules)
			}
			switch {
			case users && !slices.Equal(subjects(fs), []string{"landlord:tier:" + tier}):
				t.Errorf("%s: subjects %v, want the tier group alone", *fs.Name, subjects(fs))
			case !users && members == nil && !slices.Equal(subjects(fs), []string{render.NoTenantsGroup}):
				t.Errorf("%s with no tenants: subjects %v", *fs.Name, subjects(fs))
			}
		}
		if !slices.Equal(names, render.TierFlowSchemaNames()) || len(names) != len(render.Tiers)*(render.TierShards+1) {
			t.Errorf("%d tenants: schemas %v", len(members), names)
		}
	}
	if got := render.TierFlowSchemaName("free", 3); got != "landlord-tier-free-3" {
		t.Errorf("name %s", got)
	}
}

// TestTierFlowSchemasPlaceTenants: a tenant's four role groups and the
// ServiceAccounts of its namespaces are in its tier's shard, and nowhere
// else; tenants are sorted, whatever order they come in.
func TestTierFlowSchemasPlaceTenants(t *testing.T) {
	members := []render.TierMember{
		{Tenant: "zeta", Tier: "standard", Namespaces: []string{"zeta-web", "zeta-db"}},
		{Tenant: "acme", Tier: "enterprise", Namespaces: []string{"acme-web"}},
		{Tenant: "ghost", Tier: "nonexistent"},
	}
	// Another standard tenant in zeta's shard, to check the order.
	for i := 0; ; i++ {
		if name := fmt.Sprintf("b%d", i); render.TierShard(name) == render.TierShard("zeta") {
			members = append(members, render.TierMember{Tenant: name, Tier: "standard"})
			break
		}
	}
	other := members[3].Tenant
	schemas := byName(render.TierFlowSchemas(members))
	reversed := slices.Clone(members)
	slices.Reverse(reversed)
	again := byName(render.TierFlowSchemas(reversed))
	zeta := schemas[render.TierFlowSchemaName("standard", render.TierShard("zeta"))]
	want := []string{
		"landlord:tenant:" + other + ":owner", "landlord:tenant:" + other + ":admin", "landlord:tenant:" + other + ":editor", "landlord:tenant:" + other + ":viewer",
		"landlord:tenant:zeta:owner", "landlord:tenant:zeta:admin", "landlord:tenant:zeta:editor", "landlord:tenant:zeta:viewer",
		"sa:zeta-db/*", "sa:zeta-web/*",
	}
	if got := subjects(zeta); !slices.Equal(got, want) {
		t.Errorf("zeta's shard: %v, want %v", got, want)
	}
	acme := schemas[render.TierFlowSchemaName("enterprise", render.TierShard("acme"))]
	if got := subjects(acme); !slices.Equal(got, []string{"landlord:tenant:acme:owner", "landlord:tenant:acme:admin",
		"landlord:tenant:acme:editor", "landlord:tenant:acme:viewer", "sa:acme-web/*"}) {
		t.Errorf("acme's shard: %v", got)
	}
	for name, fs := range schemas {
		if !slices.Equal(subjects(fs), subjects(again[name])) {
			t.Errorf("%s depends on the order of the tenants", name)
		}
		if fs == zeta || fs == acme || strings.HasSuffix(name, "-users") {
			continue
		}
		if got := subjects(fs); !slices.Equal(got, []string{render.NoTenantsGroup}) {
			t.Errorf("%s: %v, want no tenants", name, got)
		}
	}
}

// TestTierShardSpreads: a thousand tenants spread over the shards.
func TestTierShardSpreads(t *testing.T) {
	count := make([]int, render.TierShards)
	for i := range 1000 {
		count[render.TierShard(fmt.Sprintf("tenant-%d", i))]++
	}
	for shard, n := range count {
		if n < 1000/render.TierShards/2 || n > 1000/render.TierShards*2 {
			t.Errorf("shard %d has %d of 1000 tenants: %v", shard, n, count)
		}
	}
}
