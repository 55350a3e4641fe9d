package api

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	corev1 "k8s.io/api/core/v1"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/observability/internal/cost"
	"github.com/landlord-dev/landlord/services/observability/internal/history"
	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

func tenantUsage(t usage.Tenant, namespaces bool, prices cost.PriceSheet) *observabilityv1.TenantUsage {
	out := &observabilityv1.TenantUsage{Tenant: t.Name, Total: usageOf(t.Total),
		HourlyCostMicros: hourlyCost(prices, t.Total), Currency: prices.Currency}
	if !namespaces {
		return out
	}
	for _, ns := range t.Namespaces {
		out.Namespaces = append(out.Namespaces, &observabilityv1.NamespaceUsage{Name: ns.Name, Usage: usageOf(ns.Usage),
			QuotaHard: quantities(ns.QuotaHard), QuotaUsed: quantities(ns.QuotaUsed)})
	}
	return out
}

func usageOf(u usage.Usage) *observabilityv1.Usage {
	o := u.Objects
	return &observabilityv1.Usage{
		Pods: &observabilityv1.PodPhases{Pending: int32(u.Pods.Pending), Running: int32(u.Pods.Running),
			Succeeded: int32(u.Pods.Succeeded), Failed: int32(u.Pods.Failed), Unknown: int32(u.Pods.Unknown)},
		CpuRequestsMillicores: u.CPURequests, CpuLimitsMillicores: u.CPULimits,
		MemoryRequestsBytes: u.MemoryRequests, MemoryLimitsBytes: u.MemoryLimits,
		StorageRequestsBytes: u.StorageRequests,
		Objects: &observabilityv1.ObjectCounts{Pods: int32(o.Pods), Services: int32(o.Services), ConfigMaps: int32(o.ConfigMaps),
			Secrets: int32(o.Secrets), PersistentVolumeClaims: int32(o.PVCs), Deployments: int32(o.Deployments),
			StatefulSets: int32(o.StatefulSets), Jobs: int32(o.Jobs)},
		DeploymentReplicas:  &observabilityv1.Replicas{Desired: int32(u.Deployments.Desired), Ready: int32(u.Deployments.Ready)},
		StatefulSetReplicas: &observabilityv1.Replicas{Desired: int32(u.StatefulSets.Desired), Ready: int32(u.StatefulSets.Ready)},
	}
}

func quantities(l corev1.ResourceList) map[string]string {
	if len(l) == 0 {
		return nil
	}
	out := make(map[string]string, len(l))
	for _, name := range slices.Sorted(maps.Keys(l)) {
		q := l[name]
		out[string(name)] = q.String()
	}
	return out
}

const gib = 1 << 30

func point(p history.Point) *observabilityv1.UsagePoint {
	avg := p.Average()
	return &observabilityv1.UsagePoint{
		StartTime: timestamppb.New(p.Start), Observed: durationpb.New(secondsToDuration(p.Observed)),
		CpuRequestsCores: avg.CPU / 1000, MemoryRequestsBytes: avg.Memory, StorageRequestsBytes: avg.Storage,
		CpuCoreHours: p.Integral.CPU / 1000 / 3600, MemoryGibHours: p.Integral.Memory / gib / 3600,
		StorageGibHours: p.Integral.Storage / gib / 3600,
	}
}

// hourlyCost is what an hour of u's requests costs, in micros.
func hourlyCost(prices cost.PriceSheet, u usage.Usage) int64 {
	const gib = 1 << 30
	return prices.Price(cost.Hours{CPU: float64(u.CPURequests) / 1000, Memory: float64(u.MemoryRequests) / gib,
		Storage: float64(u.StorageRequests) / gib}).Total
}
