// Package metrics serves tenants' usage as Prometheus gauges with a
// bounded label set: cluster-wide sums without labels, and per-tenant
// gauges only for the TopN tenants by CPU requests (ties by name), so
// that a scrape has at most TopN series per metric however many tenants
// there are. The whole picture is the API's (ListTenantUsage).
package metrics

import (
	"cmp"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// Source is every tenant's usage now.
type Source func() ([]usage.Tenant, error)

var (
	tenantsDesc  = prometheus.NewDesc("landlord_observability_tenants", "Tenants known to the observability service.", nil, nil)
	cpuDesc      = prometheus.NewDesc("landlord_observability_cpu_requests_cores", "CPU requested by all tenants' pods that have not terminated.", nil, nil)
	memoryDesc   = prometheus.NewDesc("landlord_observability_memory_requests_bytes", "Memory requested by all tenants' pods that have not terminated.", nil, nil)
	storageDesc  = prometheus.NewDesc("landlord_observability_storage_requests_bytes", "Storage requested by all tenants' PersistentVolumeClaims.", nil, nil)
	tCPUDesc     = prometheus.NewDesc("landlord_observability_tenant_cpu_requests_cores", "CPU requested by a tenant's pods (top tenants by CPU requests only).", []string{"tenant"}, nil)
	tMemoryDesc  = prometheus.NewDesc("landlord_observability_tenant_memory_requests_bytes", "Memory requested by a tenant's pods (top tenants by CPU requests only).", []string{"tenant"}, nil)
	tStorageDesc = prometheus.NewDesc("landlord_observability_tenant_storage_requests_bytes", "Storage requested by a tenant's PersistentVolumeClaims (top tenants by CPU requests only).", []string{"tenant"}, nil)
	tPodsDesc    = prometheus.NewDesc("landlord_observability_tenant_pods", "A tenant's pods, any phase (top tenants by CPU requests only).", []string{"tenant"}, nil)
)

// Collector computes the gauges at each scrape.
type Collector struct {
	Source Source
	TopN   int
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{tenantsDesc, cpuDesc, memoryDesc, storageDesc, tCPUDesc, tMemoryDesc, tStorageDesc, tPodsDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	tenants, err := c.Source()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(tenantsDesc, err)
		return
	}
	var sum usage.Usage
	for _, t := range tenants {
		sum.Add(t.Total)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(tenantsDesc, float64(len(tenants)))
	gauge(cpuDesc, float64(sum.CPURequests)/1000)
	gauge(memoryDesc, float64(sum.MemoryRequests))
	gauge(storageDesc, float64(sum.StorageRequests))
	for _, t := range Top(tenants, c.TopN) {
		gauge(tCPUDesc, float64(t.Total.CPURequests)/1000, t.Name)
		gauge(tMemoryDesc, float64(t.Total.MemoryRequests), t.Name)
		gauge(tStorageDesc, float64(t.Total.StorageRequests), t.Name)
		gauge(tPodsDesc, float64(t.Total.Objects.Pods), t.Name)
	}
}

// Top is the n tenants with the most CPU requests, ties by name.
func Top(tenants []usage.Tenant, n int) []usage.Tenant {
	top := slices.Clone(tenants)
	slices.SortFunc(top, func(a, b usage.Tenant) int {
		return cmp.Or(cmp.Compare(b.Total.CPURequests, a.Total.CPURequests), strings.Compare(a.Name, b.Name))
	})
	return top[:min(n, len(top))]
}
