package observability_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

func ts(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func dur(d time.Duration) *durationpb.Duration { return durationpb.New(d) }

// observed is how much of the last ten minutes the tenant's history has
// seen, and its CPU core-hours.
func (e *env) observed(t *testing.T, tenant string) (time.Duration, float64) {
	t.Helper()
	now := time.Now()
	resp, err := e.obs.GetUsageHistory(e.Admin, &observabilityv1.GetUsageHistoryRequest{Tenant: tenant,
		StartTime: ts(now.Add(-10 * time.Minute)), EndTime: ts(now.Add(time.Minute)), Step: dur(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	var seen time.Duration
	var coreHours float64
	for _, p := range resp.GetPoints() {
		seen += p.GetObserved().AsDuration()
		coreHours += p.GetCpuCoreHours()
		if avg := p.GetCpuRequestsCores(); avg < 0 || avg > 0.5+1e-9 {
			t.Errorf("point %v averages %v cores; the tenant never requested more than 0.5", p.GetStartTime().AsTime(), avg)
		}
	}
	return seen, coreHours
}

// History survives a graceful restart whole, and a kill -9 minus at most
// the unflushed interval.
func TestHistorySurvivesRestartAndKill9(t *testing.T) {
	e := started(t)
	e.tenant(t, "obs-hist", "a")
	e.pod(t, "obs-hist-a", "p", 500, "16Mi")
	devclustertest.Eventually(t, 30*time.Second, func() error {
		if seen, coreHours := e.observed(t, "obs-hist"); seen < 3*flush || coreHours <= 0 {
			return fmt.Errorf("observed %v, %v core-hours so far", seen, coreHours)
		}
		return nil
	})

	before, _ := e.observed(t, "obs-hist")
	if err := e.Observability.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := e.Observability.Start(); err != nil {
		t.Fatal(err)
	}
	if err := e.WaitServing(e.Observability.Addr()); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.observed(t, "obs-hist"); after < before {
		t.Errorf("graceful restart lost history: observed %v before, %v after", before, after)
	}

	time.Sleep(flush + flush/2) // somewhere between two flushes
	before, beforeHours := e.observed(t, "obs-hist")
	e.Observability.Kill()
	if err := e.Observability.Start(); err != nil {
		t.Fatal(err)
	}
	if err := e.WaitServing(e.Observability.Addr()); err != nil {
		t.Fatal(err)
	}
	after, afterHours := e.observed(t, "obs-hist")
	lost := before - after
	t.Logf("kill -9: observed %v before, %v after: lost %v (flush interval %v); core-hours %.6f → %.6f",
		before, after, lost, flush, beforeHours, afterHours)
	if lost > flush+2*sample {
		t.Errorf("kill -9 lost %v of history, more than the flush interval %v", lost, flush)
	}
	if after < before/2 {
		t.Errorf("history after kill -9: %v of %v", after, before)
	}
}

func TestHistoryBadInput(t *testing.T) {
	e := started(t)
	e.tenant(t, "obs-bad", "a")
	now := time.Now()
	for _, c := range []struct {
		name  string
		req   *observabilityv1.GetUsageHistoryRequest
		code  codes.Code
		field string
	}{
		{"inverted range", &observabilityv1.GetUsageHistoryRequest{Tenant: "obs-bad", StartTime: ts(now), EndTime: ts(now.Add(-time.Hour)), Step: dur(time.Minute)}, codes.InvalidArgument, "end_time"},
		{"zero step", &observabilityv1.GetUsageHistoryRequest{Tenant: "obs-bad", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(0)}, codes.InvalidArgument, "step"},
		{"negative step", &observabilityv1.GetUsageHistoryRequest{Tenant: "obs-bad", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(-time.Minute)}, codes.InvalidArgument, "step"},
		{"no step", &observabilityv1.GetUsageHistoryRequest{Tenant: "obs-bad", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now)}, codes.InvalidArgument, "step"},
		{"huge range for the step", &observabilityv1.GetUsageHistoryRequest{Tenant: "obs-bad", StartTime: ts(now.AddDate(-5, 0, 0)), EndTime: ts(now), Step: dur(time.Minute)}, codes.InvalidArgument, "step"},
		{"unknown tenant", &observabilityv1.GetUsageHistoryRequest{Tenant: "obs-bad-none", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(time.Minute)}, codes.NotFound, ""},
	} {
		_, err := e.obs.GetUsageHistory(e.Admin, c.req)
		st := status.Convert(err)
		if st.Code() != c.code {
			t.Errorf("%s: %v, want %v", c.name, err, c.code)
			continue
		}
		if c.field != "" && !slices.Contains(fields(st), c.field) {
			t.Errorf("%s: violations %v, want one on %s", c.name, fields(st), c.field)
		}
	}
	if _, err := e.obs.ListTenantUsage(e.Admin, &observabilityv1.ListTenantUsageRequest{OrderBy: "secrets"}); !slices.Contains(fields(status.Convert(err)), "order_by") {
		t.Errorf("unknown order_by: %v", err)
	}
}

func fields(st *status.Status) []string {
	var out []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}

// An admin pages through every tenant in CPU request order, one at a
// time; ties go by name, and a token of one order is refused by another.
func TestListTenantUsagePagesAndSorts(t *testing.T) {
	e := started(t)
	for i, milli := range []int64{300, 100, 200} {
		name := fmt.Sprintf("obs-srt%d", i+1)
		e.tenant(t, name, "a")
		e.pod(t, name+"-a", "p", milli, "16Mi")
	}
	var listed []*observabilityv1.TenantUsage
	devclustertest.Eventually(t, 20*time.Second, func() error {
		listed = nil
		req := &observabilityv1.ListTenantUsageRequest{PageSize: 1, OrderBy: "cpu_requests desc"}
		for pages := 0; ; pages++ {
			resp, err := e.obs.ListTenantUsage(e.Admin, req)
			if err != nil {
				return err
			}
			if len(resp.GetTenantUsages()) != 1 {
				return fmt.Errorf("page of %d", len(resp.GetTenantUsages()))
			}
			listed = append(listed, resp.GetTenantUsages()...)
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				break
			}
		}
		var order []string
		for _, u := range listed {
			if slices.Contains([]string{"obs-srt1", "obs-srt2", "obs-srt3"}, u.GetTenant()) {
				order = append(order, u.GetTenant())
			}
		}
		if !slices.Equal(order, []string{"obs-srt1", "obs-srt3", "obs-srt2"}) {
			return fmt.Errorf("order %v, want srt1 (300m), srt3 (200m), srt2 (100m)", order)
		}
		return nil
	})
	// Other packages' tenants may change between pages (then they may show
	// twice or not at all, as documented): check this package's, which
	// hold still.
	var ours []*observabilityv1.TenantUsage
	for _, u := range listed {
		if strings.HasPrefix(u.GetTenant(), "obs-") {
			ours = append(ours, u)
		}
	}
	seen := map[string]bool{}
	for i, u := range ours {
		if seen[u.GetTenant()] {
			t.Errorf("%s listed twice", u.GetTenant())
		}
		seen[u.GetTenant()] = true
		if len(u.GetNamespaces()) != 0 {
			t.Errorf("list shows %s's namespaces", u.GetTenant())
		}
		if i == 0 {
			continue
		}
		prev := ours[i-1]
		a, b := prev.GetTotal().GetCpuRequestsMillicores(), u.GetTotal().GetCpuRequestsMillicores()
		if a < b || a == b && prev.GetTenant() > u.GetTenant() {
			t.Errorf("%s (%dm) before %s (%dm)", prev.GetTenant(), a, u.GetTenant(), b)
		}
	}
	first, err := e.obs.ListTenantUsage(e.Admin, &observabilityv1.ListTenantUsageRequest{PageSize: 1, OrderBy: "cpu_requests desc"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.obs.ListTenantUsage(e.Admin, &observabilityv1.ListTenantUsageRequest{PageSize: 1, OrderBy: "tenant", PageToken: first.GetNextPageToken()})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("a cpu_requests token in the tenant order: %v, want INVALID_ARGUMENT", err)
	}
	byName, err := e.obs.ListTenantUsage(e.Admin, &observabilityv1.ListTenantUsageRequest{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, u := range byName.GetTenantUsages() {
		names = append(names, u.GetTenant())
	}
	if !slices.IsSorted(names) || !slices.Contains(names, "obs-srt2") {
		t.Errorf("default order: %v", names)
	}
}
