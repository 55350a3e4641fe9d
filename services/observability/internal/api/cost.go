package api

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/observability/internal/cost"
	"github.com/landlord-dev/landlord/services/observability/internal/history"
)

// CostServer serves CostService: the history's resource-hours, priced.
type CostServer struct {
	observabilityv1.UnimplementedCostServiceServer
	Usage   Usage
	History History
	Prices  cost.PriceSheet
}

func (s *CostServer) GetCostReport(_ context.Context, req *observabilityv1.GetCostReportRequest) (*observabilityv1.GetCostReportResponse, error) {
	q, err := history.Plan(req.GetStartTime().AsTime(), req.GetEndTime().AsTime(), req.GetStep().AsDuration())
	if err != nil {
		return nil, err
	}
	t, err := s.Usage.Tenant(req.GetTenant())
	if err != nil {
		return nil, err
	}
	r := &observabilityv1.CostReport{Tenant: t.Name, PriceSheet: priceSheet(s.Prices),
		StartTime: timestamppb.New(q.Start), EndTime: req.GetEndTime(), Step: durationpb.New(q.Step)}
	if r.Points, r.Total, err = s.series(q, history.Key(t.UID, "")); err != nil {
		return nil, err
	}
	if req.GetGroupBy() == observabilityv1.CostGroupBy_COST_GROUP_BY_NAMESPACE {
		for _, ns := range t.Namespaces {
			nc := &observabilityv1.NamespaceCost{Namespace: ns.Name}
			if nc.Points, nc.Total, err = s.series(q, history.Key(t.UID, ns.Name)); err != nil {
				return nil, err
			}
			r.Namespaces = append(r.Namespaces, nc)
		}
	}
	return &observabilityv1.GetCostReportResponse{Report: r}, nil
}

// series prices one series' points, and sums them.
func (s *CostServer) series(q history.Query, key string) ([]*observabilityv1.CostPoint, *observabilityv1.CostPoint, error) {
	points, err := s.History.History(q, key)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*observabilityv1.CostPoint, len(points))
	var sum cost.Line
	var observed float64
	for i, p := range points {
		l := s.Prices.Price(cost.HoursOf(p))
		sum.Add(l)
		observed += p.Observed
		out[i] = s.costPoint(p.Start, p.Observed, l)
	}
	return out, s.costPoint(q.Start, observed, sum), nil
}

func (s *CostServer) costPoint(start time.Time, observed float64, l cost.Line) *observabilityv1.CostPoint {
	return &observabilityv1.CostPoint{StartTime: timestamppb.New(start), Observed: durationpb.New(secondsToDuration(observed)),
		Cpu: resourceCost(l.CPU), Memory: resourceCost(l.Memory), Storage: resourceCost(l.Storage),
		TotalCostMicros: l.Total, CurrencyCode: s.Prices.Currency}
}

// resourceCost leaves used and idle unset: no usage source exists.
func resourceCost(r cost.Resource) *observabilityv1.ResourceCost {
	return &observabilityv1.ResourceCost{RequestedHours: r.Hours, CostMicros: r.Micros}
}

func priceSheet(s cost.PriceSheet) *observabilityv1.PriceSheet {
	out := &observabilityv1.PriceSheet{Version: s.Version, CurrencyCode: s.Currency,
		CpuCoreHourNanos: s.CPUCoreHour, MemoryGibHourNanos: s.MemoryGiBHour, StorageGibHourNanos: s.StorageGiBHour}
	if !s.EffectiveTime.IsZero() {
		out.EffectiveTime = timestamppb.New(s.EffectiveTime)
	}
	return out
}
