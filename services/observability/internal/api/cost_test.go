package api

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/observability/internal/cost"
	"github.com/landlord-dev/landlord/services/observability/internal/history"
	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// flat is a history in which every series requests cores[key] CPU
// cores, observed for all of each step.
type flat map[string]float64

func (f flat) History(q history.Query, key string) ([]history.Point, error) {
	points := q.Points(nil, key)
	for i := range points {
		secs := q.Step.Seconds()
		points[i].Observed = secs
		points[i].Integral.CPU = f[key] * 1000 * secs
	}
	return points, nil
}

func TestCostReportPricesEachStepAndSumsThem(t *testing.T) {
	tenants := fixed{{Name: "acme", UID: "u1", Namespaces: []usage.Namespace{{Name: "acme-a"}, {Name: "acme-b"}}}}
	prices := cost.PriceSheet{Version: "v1", Currency: "EUR", CPUCoreHour: 100_000_000} // 0.10 a core-hour
	s := &CostServer{Usage: tenants, History: flat{"u1/": 1.5, "u1/acme-a": 1, "u1/acme-b": 0.5}, Prices: prices}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := &observabilityv1.GetCostReportRequest{Tenant: "acme", StartTime: timestamppb.New(start),
		EndTime: timestamppb.New(start.Add(3 * time.Hour)), Step: durationpb.New(time.Hour), GroupBy: observabilityv1.CostGroupBy_COST_GROUP_BY_NAMESPACE}
	resp, err := s.GetCostReport(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	r := resp.GetReport()
	if len(r.GetPoints()) != 3 || r.GetPoints()[0].GetCpu().GetCostMicros() != 150_000 || r.GetPoints()[0].GetCurrencyCode() != "EUR" {
		t.Fatalf("points %v", r.GetPoints())
	}
	// 1.5 cores for 3 hours at 0.10 is 0.45.
	if tot := r.GetTotal(); tot.GetCpu().GetRequestedHours() != 4.5 || tot.GetTotalCostMicros() != 450_000 || tot.GetObserved().AsDuration() != 3*time.Hour {
		t.Errorf("total %v", tot)
	}
	if len(r.GetNamespaces()) != 2 || r.GetNamespaces()[0].GetTotal().GetTotalCostMicros() != 300_000 || r.GetNamespaces()[1].GetTotal().GetTotalCostMicros() != 150_000 {
		t.Errorf("namespaces %v", r.GetNamespaces())
	}
	if r.GetUsageSourceConfigured() || r.GetTotal().GetCpu().UsedHours != nil || r.GetTotal().GetCpu().IdleCostMicros != nil {
		t.Errorf("used or idle reported without a usage source: %v", r.GetTotal().GetCpu())
	}
	if r.GetPriceSheet().GetVersion() != "v1" || r.GetPriceSheet().GetCpuCoreHourNanos() != 100_000_000 {
		t.Errorf("price sheet %v", r.GetPriceSheet())
	}

	req.GroupBy = observabilityv1.CostGroupBy_COST_GROUP_BY_UNSPECIFIED
	if resp, err := s.GetCostReport(t.Context(), req); err != nil || len(resp.GetReport().GetNamespaces()) != 0 {
		t.Errorf("ungrouped: %v, %v", resp, err)
	}
	req.Tenant = "other"
	if _, err := s.GetCostReport(t.Context(), req); !errors.Is(err, apierror.ErrNotFound) {
		t.Errorf("unknown tenant: %v", err)
	}
	req.Tenant, req.Step = "acme", durationpb.New(0)
	var bad *apierror.InvalidArgumentError
	if _, err := s.GetCostReport(t.Context(), req); !errors.As(err, &bad) {
		t.Errorf("zero step: %v", err)
	}
}
