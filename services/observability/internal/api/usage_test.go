package api

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/observability/internal/cost"
	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

type fixed []usage.Tenant

func (f fixed) Tenant(name string) (usage.Tenant, error) {
	for _, t := range f {
		if t.Name == name {
			return t, nil
		}
	}
	return usage.Tenant{}, apierror.ErrNotFound
}

func (f fixed) Tenants() ([]usage.Tenant, error) { return slices.Clone(f), nil }

// list pages through every tenant, size at a time.
func list(t *testing.T, s *Server, orderBy string, size int32) []string {
	t.Helper()
	var names []string
	req := &observabilityv1.ListTenantUsageRequest{PageSize: size, OrderBy: orderBy}
	for {
		resp, err := s.ListTenantUsage(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range resp.GetTenantUsages() {
			names = append(names, u.GetTenant())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return names
		}
	}
}

// Pages follow the order exactly, across ties and page boundaries.
func TestListTenantUsageOrdersAndPages(t *testing.T) {
	var tenants fixed
	for i, cpu := range []int64{5, 1, 5, 3, 0, 5} {
		tenants = append(tenants, usage.Tenant{Name: fmt.Sprint("t", i), Total: usage.Usage{CPURequests: cpu}})
	}
	s := &Server{Usage: tenants}
	for _, c := range []struct {
		order string
		want  []string
	}{
		{"", []string{"t0", "t1", "t2", "t3", "t4", "t5"}},
		{"tenant desc", []string{"t5", "t4", "t3", "t2", "t1", "t0"}},
		{"cpu_requests", []string{"t4", "t1", "t3", "t0", "t2", "t5"}},
		{"cpu_requests desc", []string{"t0", "t2", "t5", "t3", "t1", "t4"}},
	} {
		for _, size := range []int32{1, 2, 4, 0} {
			if got := list(t, s, c.order, size); !slices.Equal(got, c.want) {
				t.Errorf("%q by %d: %v, want %v", c.order, size, got, c.want)
			}
		}
	}
}

func TestListTenantUsageRefusesBadOrderAndTokens(t *testing.T) {
	s := &Server{Usage: fixed{{Name: "a"}, {Name: "b"}}}
	for _, req := range []*observabilityv1.ListTenantUsageRequest{
		{OrderBy: "secrets"}, {OrderBy: "cpu_requests asc"}, {OrderBy: "cpu_requests desc x"},
		{PageToken: "garbage"},
	} {
		var invalid *apierror.InvalidArgumentError
		if _, err := s.ListTenantUsage(t.Context(), req); !errors.As(err, &invalid) {
			t.Errorf("%v: %v, want INVALID_ARGUMENT", req, err)
		}
	}
	first, err := s.ListTenantUsage(t.Context(), &observabilityv1.ListTenantUsageRequest{PageSize: 1, OrderBy: "pods desc"})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatal(first, err)
	}
	var invalid *apierror.InvalidArgumentError
	if _, err := s.ListTenantUsage(t.Context(), &observabilityv1.ListTenantUsageRequest{PageToken: first.GetNextPageToken()}); !errors.As(err, &invalid) {
		t.Errorf("a pods token in the tenant order: %v", err)
	}
}

// "cost" orders by what an hour of each tenant's requests costs at the
// price sheet's prices, memory and storage counted with CPU.
func TestListTenantUsageByCost(t *testing.T) {
	tenants := fixed{
		{Name: "cpu-heavy", Total: usage.Usage{CPURequests: 1000}},           // 1 core: 31,611 micros/h
		{Name: "memory-heavy", Total: usage.Usage{MemoryRequests: 16 << 30}}, // 16 GiB: 67,792 micros/h
		{Name: "idle"},
	}
	s := &Server{Usage: tenants, Prices: cost.Default()}
	if got := list(t, s, "cost desc", 2); !slices.Equal(got, []string{"memory-heavy", "cpu-heavy", "idle"}) {
		t.Errorf("by cost, most first: %v", got)
	}
	resp, err := s.GetTenantUsage(t.Context(), &observabilityv1.GetTenantUsageRequest{Tenant: "cpu-heavy"})
	if err != nil {
		t.Fatal(err)
	}
	if u := resp.GetUsage(); u.GetHourlyCostMicros() != 31611 || u.GetCurrency() != "USD" {
		t.Errorf("cpu-heavy costs %d micros %s an hour, want 31611 USD", u.GetHourlyCostMicros(), u.GetCurrency())
	}
}
