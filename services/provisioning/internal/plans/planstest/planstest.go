// Package planstest holds, for tests and benchmarks, the four plans
// Landlord shipped built in before the quota service owned plans (free,
// standard, enterprise, isolated), as the quota service sends them, and
// the per-namespace hard limits such a service would write for them.
package planstest

import (
	"maps"
	"slices"
	"strconv"
	"sync/atomic"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/provisioning/internal/plans"
)

// RequiredQuota are the resources every namespace's quota bounds: node
// resources, exposure, and the count of every namespaced kind Landlord's
// tenant roles can create (the controller's integration tests walk what the
// roles can create in a real cluster and fail if it is not all here).
var RequiredQuota = []string{
	"requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
	"requests.ephemeral-storage", "limits.ephemeral-storage", "requests.storage",
	"pods", "services", "services.nodeports", "services.loadbalancers",
	"persistentvolumeclaims", "replicationcontrollers",
	"count/configmaps", "count/secrets", "count/serviceaccounts",
	"count/deployments.apps", "count/replicasets.apps", "count/statefulsets.apps", "count/daemonsets.apps",
	"count/jobs.batch", "count/cronjobs.batch", "count/horizontalpodautoscalers.autoscaling",
	"count/ingresses.networking.k8s.io", "count/networkpolicies.networking.k8s.io",
	"count/poddisruptionbudgets.policy", "count/roles.rbac.authorization.k8s.io",
	"count/rolebindings.rbac.authorization.k8s.io", "count/leases.coordination.k8s.io",
	"count/resourceclaims.resource.k8s.io", "count/resourceclaimtemplates.resource.k8s.io",
}

// counts builds a namespace quota: node resources and storage as given,
// then every count: n for kinds, few for the rarer ones (replication
// controllers, daemon sets), many for the plentiful (config maps, secrets,
// replica sets, jobs).
func counts(node map[string]string, pods, services, pvcs, lbs, few, n, many int) map[string]string {
	out := maps.Clone(node)
	itoa := strconv.Itoa
	out["pods"], out["services"], out["persistentvolumeclaims"] = itoa(pods), itoa(services), itoa(pvcs)
	out["services.nodeports"], out["services.loadbalancers"] = "0", itoa(lbs)
	out["replicationcontrollers"], out["count/daemonsets.apps"] = itoa(few), itoa(few)
	for _, r := range RequiredQuota {
		if _, set := out[r]; !set {
			out[r] = itoa(n)
		}
	}
	for _, r := range []string{"count/configmaps", "count/secrets", "count/replicasets.apps", "count/jobs.batch"} {
		out[r] = itoa(many)
	}
	return out
}

var (
	freeQuota = counts(map[string]string{"requests.cpu": "1", "requests.memory": "2Gi", "limits.cpu": "2", "limits.memory": "4Gi",
		"requests.ephemeral-storage": "2Gi", "limits.ephemeral-storage": "4Gi", "requests.storage": "10Gi"},
		10, 5, 2, 0, 0, 20, 50)
	standardQuota = counts(map[string]string{"requests.cpu": "4", "requests.memory": "8Gi", "limits.cpu": "8", "limits.memory": "16Gi",
		"requests.ephemeral-storage": "10Gi", "limits.ephemeral-storage": "20Gi", "requests.storage": "100Gi"},
		50, 20, 10, 0, 5, 50, 200)
	enterpriseQuota = counts(map[string]string{"requests.cpu": "16", "requests.memory": "64Gi", "limits.cpu": "32", "limits.memory": "128Gi",
		"requests.ephemeral-storage": "50Gi", "limits.ephemeral-storage": "100Gi", "requests.storage": "1Ti"},
		200, 50, 50, 2, 20, 200, 1000)
)

type plan struct {
	maxNamespaces int32
	quota         map[string]string
	defaults      [3]map[string]string // request, limit, max
	serviceTypes  []string
	runtime       []string
	egress        string
}

func defaults(cpu, mem, eph [3]string) [3]map[string]string {
	var out [3]map[string]string
	for i := range out {
		out[i] = map[string]string{"cpu": cpu[i], "memory": mem[i], "ephemeral-storage": eph[i]}
	}
	return out
}

var fixture = map[string]plan{
	"free": {maxNamespaces: 1, quota: freeQuota,
		defaults: defaults([3]string{"50m", "250m", "1"}, [3]string{"64Mi", "256Mi", "2Gi"}, [3]string{"64Mi", "256Mi", "2Gi"})},
	"standard": {maxNamespaces: 5, quota: standardQuota,
		defaults: defaults([3]string{"100m", "500m", "4"}, [3]string{"128Mi", "512Mi", "8Gi"}, [3]string{"128Mi", "512Mi", "10Gi"})},
	"enterprise": {maxNamespaces: 20, quota: enterpriseQuota, serviceTypes: []string{"LoadBalancer"},
		defaults: defaults([3]string{"100m", "1", "16"}, [3]string{"128Mi", "1Gi", "64Gi"}, [3]string{"128Mi", "1Gi", "50Gi"})},
	"isolated": {maxNamespaces: 5, quota: standardQuota, runtime: []string{"gvisor", "kata"}, egress: "Tenant",
		defaults: defaults([3]string{"100m", "500m", "4"}, [3]string{"128Mi", "512Mi", "8Gi"}, [3]string{"128Mi", "512Mi", "10Gi"})},
}

// Names are the fixture's plans, sorted.
func Names() []string { return slices.Sorted(maps.Keys(fixture)) }

// Protos are the plans as the quota service's Sync sends them. Each plan's
// API tier is its name; its budget is its namespace quota times its
// namespace count.
func Protos() []*quotav1.Plan {
	var out []*quotav1.Plan
	for _, name := range Names() {
		p := fixture[name]
		out = append(out, &quotav1.Plan{
			Name: name, MaxNamespaces: p.maxNamespaces, NamespaceInitial: maps.Clone(p.quota),
			ContainerDefaults: &quotav1.ContainerDefaults{Request: maps.Clone(p.defaults[0]), Limit: maps.Clone(p.defaults[1]), Max: maps.Clone(p.defaults[2])},
			ServiceTypes:      slices.Clone(p.serviceTypes), ApiTier: name, RuntimeClasses: slices.Clone(p.runtime), Egress: p.egress,
		})
	}
	return out
}

// Table is the fixture as a plans.Table.
func Table() plans.Table {
	t := plans.Table{}
	for _, p := range Protos() {
		converted, err := plans.FromProto(p)
		if err != nil {
			panic(err) // the fixture is wrong
		}
		t[p.GetName()] = converted
	}
	return t
}

// NamespaceHard is the hard limits of one namespace of a tenant on plan
// (nil for an unknown plan): a fresh copy.
func NamespaceHard(plan string) map[string]string {
	p, ok := fixture[plan]
	if !ok {
		return nil
	}
	return maps.Clone(p.quota)
}

var seq atomic.Uint64

// Write is a QuotaWrite of the plan's namespace hard limits for a tenant's
// namespace (its cluster name), with a sequence number above every one
// this process handed out before.
func Write(tenant, namespace, plan string) *quotav1.QuotaWrite {
	return &quotav1.QuotaWrite{Tenant: tenant, Namespace: namespace, Seq: seq.Add(1), Hard: NamespaceHard(plan)}
}
