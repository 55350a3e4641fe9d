package metrics

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// However many tenants there are, a scrape has TopN per-tenant series
// per metric: the biggest by CPU requests.
func TestPerTenantSeriesAreBounded(t *testing.T) {
	var tenants []usage.Tenant
	for i := range 500 {
		tenants = append(tenants, usage.Tenant{Name: fmt.Sprintf("t%03d", i), Total: usage.Usage{CPURequests: int64(i)}})
	}
	c := &Collector{TopN: 3, Source: func() ([]usage.Tenant, error) { return tenants, nil }}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	if n := testutil.CollectAndCount(c, "landlord_observability_tenant_cpu_requests_cores"); n != 3 {
		t.Errorf("%d per-tenant series, want 3", n)
	}
	want := `
# HELP landlord_observability_tenant_cpu_requests_cores CPU requested by a tenant's pods (top tenants by CPU requests only).
# TYPE landlord_observability_tenant_cpu_requests_cores gauge
landlord_observability_tenant_cpu_requests_cores{tenant="t497"} 0.497
landlord_observability_tenant_cpu_requests_cores{tenant="t498"} 0.498
landlord_observability_tenant_cpu_requests_cores{tenant="t499"} 0.499
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "landlord_observability_tenant_cpu_requests_cores"); err != nil {
		t.Error(err)
	}
}
