package observability_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/testing/devclustertest"
)

// The tests' price sheet, in nanos per unit-hour: round numbers, so that
// a report can be checked by hand.
const (
	cpuNanos     = 50_000_000 // 0.05 per core-hour
	memoryNanos  = 8_000_000  // 0.008 per GiB-hour
	storageNanos = 200_000    // 0.0002 per GiB-hour
)

// priceSheetArgs writes the tests' price sheet and passes it to the
// service.
func priceSheetArgs() []string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("landlord-price-sheet-%d.yaml", os.Getpid()))
	sheet := "version: test-7\neffectiveTime: 2026-01-01T00:00:00Z\ncurrency: EUR\ncpuCoreHour: \"0.05\"\nmemoryGiBHour: \"0.008\"\nstorageGiBHour: \"0.0002\"\n"
	if err := os.WriteFile(path, []byte(sheet), 0o600); err != nil {
		panic(err)
	}
	return []string{"--price-sheet", path}
}

func (e *env) costClient(t *testing.T) observabilityv1.CostServiceClient {
	return observabilityv1.NewCostServiceClient(dial(t, e.Observability.Addr()))
}

// A tenant's cost report is its history's requested resource-hours times
// the price sheet's prices, per step, per namespace and in total; used
// and idle are unknown (no usage source).
func TestCostReportPricesTheHistory(t *testing.T) {
	e := started(t)
	costs := e.costClient(t)
	e.createTenant(t, &provisioningv1.Tenant{Name: "cost-a", Plan: "standard", AllowedStorageClasses: []string{"fast"},
		Namespaces: []*provisioningv1.Namespace{{Name: "a"}, {Name: "b"}}})
	e.pod(t, "cost-a-a", "p", 500, "256Mi")
	e.pod(t, "cost-a-b", "p", 250, "128Mi")
	fast := "fast"
	if _, err := e.kube.CoreV1().PersistentVolumeClaims("cost-a-b").Create(t.Context(), &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &fast, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Whole minutes that have ended no longer change: compare the report
	// with the history over those. The last one begins after the requests
	// were made, so it holds all of them throughout.
	requested := time.Now()
	start := time.Now().Add(-5 * time.Minute)
	var end time.Time
	var hist *observabilityv1.GetUsageHistoryResponse
	devclustertest.Eventually(t, 180*time.Second, func() error {
		end = time.Now().Add(-2 * sample).Truncate(time.Minute)
		if end.Add(-time.Minute).Before(requested) {
			return fmt.Errorf("no whole minute since the requests were made at %s yet", requested.Format(time.TimeOnly))
		}
		var err error
		hist, err = e.obs.GetUsageHistory(e.Admin, &observabilityv1.GetUsageHistoryRequest{Tenant: "cost-a", StartTime: ts(start), EndTime: ts(end), Step: dur(time.Minute)})
		if err != nil {
			return err
		}
		if last := hist.GetPoints()[len(hist.GetPoints())-1]; last.GetStorageGibHours() == 0 || last.GetObserved().AsDuration() < 50*time.Second {
			return fmt.Errorf("the last whole minute has not seen the tenant's requests yet: %v", last)
		}
		return nil
	})
	resp, err := costs.GetCostReport(e.Admin, &observabilityv1.GetCostReportRequest{Tenant: "cost-a", StartTime: ts(start), EndTime: ts(end),
		Step: dur(time.Minute), GroupBy: observabilityv1.CostGroupBy_COST_GROUP_BY_NAMESPACE})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetReport()
	if ps := r.GetPriceSheet(); ps.GetVersion() != "test-7" || ps.GetCurrencyCode() != "EUR" || ps.GetCpuCoreHourNanos() != cpuNanos ||
		ps.GetEffectiveTime().AsTime() != time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("price sheet %v, want the --price-sheet file's", ps)
	}
	if r.GetUsageSourceConfigured() {
		t.Error("a usage source is reported configured; there is none")
	}
	if len(r.GetPoints()) != len(hist.GetPoints()) {
		t.Fatalf("%d cost points, %d history points", len(r.GetPoints()), len(hist.GetPoints()))
	}
	var sum int64
	var cpuHours float64
	for i, p := range r.GetPoints() {
		h := hist.GetPoints()[i]
		if !p.GetStartTime().AsTime().Equal(h.GetStartTime().AsTime()) || p.GetObserved().AsDuration() != h.GetObserved().AsDuration() {
			t.Errorf("point %d: %v/%v, history %v/%v", i, p.GetStartTime().AsTime(), p.GetObserved(), h.GetStartTime().AsTime(), h.GetObserved())
		}
		for _, c := range []struct {
			name  string
			got   *observabilityv1.ResourceCost
			hours float64
			nanos int64
		}{{"cpu", p.GetCpu(), h.GetCpuCoreHours(), cpuNanos}, {"memory", p.GetMemory(), h.GetMemoryGibHours(), memoryNanos}, {"storage", p.GetStorage(), h.GetStorageGibHours(), storageNanos}} {
			if !near(c.got.GetRequestedHours(), c.hours) {
				t.Errorf("point %d %s: %v hours, history says %v", i, c.name, c.got.GetRequestedHours(), c.hours)
			}
			if want := int64(math.Round(c.hours * float64(c.nanos) / 1000)); c.got.GetCostMicros() != want {
				t.Errorf("point %d %s: %d micros, want %d", i, c.name, c.got.GetCostMicros(), want)
			}
			if c.got.UsedHours != nil || c.got.IdleCostMicros != nil {
				t.Errorf("point %d %s: used or idle given without a usage source", i, c.name)
			}
		}
		// Never more than the tenant requested: 0.75 cores, 0.375 GiB, 2 GiB.
		if obs := p.GetObserved().AsDuration().Hours(); p.GetCpu().GetRequestedHours() > 0.75*obs+1e-9 || p.GetStorage().GetRequestedHours() > 2*obs+1e-9 {
			t.Errorf("point %d: %v over %v hours observed", i, p, obs)
		}
		sum += p.GetTotalCostMicros()
		cpuHours += p.GetCpu().GetRequestedHours()
	}
	last := r.GetPoints()[len(r.GetPoints())-1]
	if obs := last.GetObserved().AsDuration().Hours(); !near(last.GetCpu().GetRequestedHours(), 0.75*obs) || !near(last.GetMemory().GetRequestedHours(), 0.375*obs) {
		t.Errorf("last whole minute: %v, want 0.75 cores and 0.375 GiB over %v hours", last, obs)
	}
	if tot := r.GetTotal(); tot.GetTotalCostMicros() != sum || !near(tot.GetCpu().GetRequestedHours(), cpuHours) || tot.GetCurrencyCode() != "EUR" || sum <= 0 {
		t.Errorf("total %v; the points sum to %d micros, %v core-hours", tot, sum, cpuHours)
	}
	var names []string
	var nsHours float64
	for _, ns := range r.GetNamespaces() {
		names = append(names, ns.GetNamespace())
		nsHours += ns.GetTotal().GetCpu().GetRequestedHours()
	}
	if !slices.Equal(names, []string{"cost-a-a", "cost-a-b"}) || !near(nsHours, cpuHours) {
		t.Errorf("namespaces %v with %v core-hours, want a and b adding up to %v", names, nsHours, cpuHours)
	}
	t.Logf("cost-a over %v: %.6f core-hours, %d micros EUR in total", end.Sub(r.GetStartTime().AsTime()), cpuHours, sum)
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// Another tenant's cost is NOT_FOUND to a member, like an absent tenant's;
// bad ranges and steps are INVALID_ARGUMENT naming the field.
func TestCostReportAccessAndBadInput(t *testing.T) {
	e := started(t)
	costs := e.costClient(t)
	e.tenant(t, "cost-vis-a", "a")
	e.tenant(t, "cost-vis-b", "a")
	member := e.Member(t, "cost-member", "cost-vis-a", identityv1.Role_ROLE_VIEWER)
	now := time.Now()
	report := func(ctx context.Context, tenant string) error {
		_, err := costs.GetCostReport(ctx, &observabilityv1.GetCostReportRequest{Tenant: tenant, StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(time.Minute)})
		return err
	}
	if err := report(member, "cost-vis-a"); err != nil {
		t.Errorf("member reads its tenant's cost: %v", err)
	}
	other, absent := status.Convert(report(member, "cost-vis-b")), status.Convert(report(member, "cost-vis-none"))
	if other.Code() != codes.NotFound || replaceName(other.Message(), "cost-vis-b") != replaceName(absent.Message(), "cost-vis-none") {
		t.Errorf("member asks for another tenant's cost: %v; for an absent one: %v; want the same NOT_FOUND", other, absent)
	}
	if err := report(e.Admin, "cost-vis-none"); status.Code(err) != codes.NotFound {
		t.Errorf("admin asks for an absent tenant: %v", err)
	}
	for _, c := range []struct {
		name  string
		req   *observabilityv1.GetCostReportRequest
		field string
	}{
		{"inverted range", &observabilityv1.GetCostReportRequest{Tenant: "cost-vis-a", StartTime: ts(now), EndTime: ts(now.Add(-time.Hour)), Step: dur(time.Minute)}, "end_time"},
		{"zero step", &observabilityv1.GetCostReportRequest{Tenant: "cost-vis-a", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(0)}, "step"},
		{"negative step", &observabilityv1.GetCostReportRequest{Tenant: "cost-vis-a", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(-time.Hour)}, "step"},
		{"huge range", &observabilityv1.GetCostReportRequest{Tenant: "cost-vis-a", StartTime: ts(now.AddDate(-30, 0, 0)), EndTime: ts(now), Step: dur(time.Hour)}, "step"},
		{"no start", &observabilityv1.GetCostReportRequest{Tenant: "cost-vis-a", EndTime: ts(now), Step: dur(time.Hour)}, "start_time"},
		{"unknown group_by", &observabilityv1.GetCostReportRequest{Tenant: "cost-vis-a", StartTime: ts(now.Add(-time.Hour)), EndTime: ts(now), Step: dur(time.Minute), GroupBy: 9}, "group_by"},
	} {
		_, err := costs.GetCostReport(member, c.req)
		if st := status.Convert(err); st.Code() != codes.InvalidArgument || !slices.Contains(fields(st), c.field) {
			t.Errorf("%s: %v (violations %v), want INVALID_ARGUMENT on %s", c.name, err, fields(st), c.field)
		}
	}
}
