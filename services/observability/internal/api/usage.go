package api

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/pagetoken"
	"github.com/landlord-dev/landlord/services/observability/internal/cost"
	"github.com/landlord-dev/landlord/services/observability/internal/history"
	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// Usage is the cluster's usage now.
type Usage interface {
	// Tenant is one tenant's usage; ErrNotFound if there is none.
	Tenant(name string) (usage.Tenant, error)
	// Tenants is every tenant's, in name order.
	Tenants() ([]usage.Tenant, error)
}

// History is the stored and pending rollups.
type History interface {
	History(q history.Query, key string) ([]history.Point, error)
}

// Server serves ObservabilityService.
type Server struct {
	observabilityv1.UnimplementedObservabilityServiceServer
	Usage   Usage
	History History
	// Prices give each tenant's hourly cost (and the "cost" order).
	Prices cost.PriceSheet
}

func (s *Server) GetTenantUsage(_ context.Context, req *observabilityv1.GetTenantUsageRequest) (*observabilityv1.GetTenantUsageResponse, error) {
	t, err := s.Usage.Tenant(req.GetTenant())
	if err != nil {
		return nil, err
	}
	return &observabilityv1.GetTenantUsageResponse{Usage: tenantUsage(t, true, s.Prices)}, nil
}

func (s *Server) ListTenantUsage(_ context.Context, req *observabilityv1.ListTenantUsageRequest) (*observabilityv1.ListTenantUsageResponse, error) {
	ord, err := parseOrder(req.GetOrderBy(), s.Prices)
	if err != nil {
		return nil, err
	}
	kind := "tenantUsage:" + ord.String()
	after, err := pagetoken.Decode(req.GetPageToken(), kind)
	if err != nil {
		return nil, err
	}
	all, err := s.Usage.Tenants()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, ord.compare)
	from := 0
	if after != "" {
		at, err := ord.decode(after)
		if err != nil {
			return nil, err
		}
		// The first tenant after the position, wherever the last page's
		// tenant has moved since.
		from, _ = slices.BinarySearchFunc(all, at, func(t usage.Tenant, p pos) int { return ord.cmp(ord.pos(t), p) })
		for from < len(all) && ord.cmp(ord.pos(all[from]), at) <= 0 {
			from++
		}
	}
	page := all[from:min(from+pagetoken.Size(req.GetPageSize()), len(all))]
	resp := &observabilityv1.ListTenantUsageResponse{}
	for _, t := range page {
		resp.TenantUsages = append(resp.TenantUsages, tenantUsage(t, false, s.Prices))
	}
	if from+len(page) < len(all) {
		resp.NextPageToken = pagetoken.Encode(kind, ord.encode(page[len(page)-1]))
	}
	return resp, nil
}

func (s *Server) GetUsageHistory(_ context.Context, req *observabilityv1.GetUsageHistoryRequest) (*observabilityv1.GetUsageHistoryResponse, error) {
	q, err := history.Plan(req.GetStartTime().AsTime(), req.GetEndTime().AsTime(), req.GetStep().AsDuration())
	if err != nil {
		return nil, err
	}
	t, err := s.Usage.Tenant(req.GetTenant())
	if err != nil {
		return nil, err
	}
	points, err := s.History.History(q, history.Key(t.UID, req.GetNamespace()))
	if err != nil {
		return nil, err
	}
	resp := &observabilityv1.GetUsageHistoryResponse{Points: make([]*observabilityv1.UsagePoint, len(points))}
	for i, p := range points {
		resp.Points[i] = point(p)
	}
	return resp, nil
}

// orderFields are what ListTenantUsage sorts by, besides the name.
var orderFields = map[string]func(usage.Usage) int64{
	"cpu_requests":     func(u usage.Usage) int64 { return u.CPURequests },
	"cpu_limits":       func(u usage.Usage) int64 { return u.CPULimits },
	"memory_requests":  func(u usage.Usage) int64 { return u.MemoryRequests },
	"memory_limits":    func(u usage.Usage) int64 { return u.MemoryLimits },
	"storage_requests": func(u usage.Usage) int64 { return u.StorageRequests },
	"pods":             func(u usage.Usage) int64 { return int64(u.Objects.Pods) },
}

// order is a parsed order_by: by a usage field (or by name when field is
// ""), then by name.
type order struct {
	field string
	desc  bool
	value func(usage.Usage) int64
}

func parseOrder(s string, prices cost.PriceSheet) (order, error) {
	words := strings.Fields(s)
	bad := apierror.InvalidArgument("order_by", `want "tenant" or one of cpu_requests, cpu_limits, memory_requests, memory_limits, storage_requests, pods, cost, optionally followed by " desc"`)
	if len(words) == 0 {
		return order{}, nil
	}
	if len(words) > 2 || len(words) == 2 && words[1] != "desc" {
		return order{}, bad
	}
	o := order{field: words[0], desc: len(words) == 2, value: orderFields[words[0]]}
	if o.field == "cost" {
		o.value = func(u usage.Usage) int64 { return hourlyCost(prices, u) }
	}
	if o.value == nil && o.field != "tenant" {
		return order{}, bad
	}
	if o.field == "tenant" {
		o.field = ""
	}
	return o, nil
}

func (o order) String() string {
	s := cmp.Or(o.field, "tenant")
	if o.desc {
		s += " desc"
	}
	return s
}

// pos is a tenant's place in an order: its value and name.
type pos struct {
	value int64
	name  string
}

func (o order) pos(t usage.Tenant) pos {
	if o.field == "" {
		return pos{name: t.Name}
	}
	return pos{o.value(t.Total), t.Name}
}

// cmp orders by value (ascending or descending), then by name (ascending
// for a value order; as asked for the name order).
func (o order) cmp(a, b pos) int {
	c := cmp.Compare(a.value, b.value)
	if o.desc {
		c = -c
	}
	if c != 0 {
		return c
	}
	c = strings.Compare(a.name, b.name)
	if o.desc && o.field == "" {
		c = -c
	}
	return c
}

func (o order) compare(a, b usage.Tenant) int { return o.cmp(o.pos(a), o.pos(b)) }

// encode is where a page ends: the last tenant's value and name. A
// tenant's usage may have changed by the next page; the position stays.
func (o order) encode(t usage.Tenant) string {
	p := o.pos(t)
	return strconv.FormatInt(p.value, 10) + "/" + p.name
}

func (o order) decode(s string) (pos, error) {
	v, name, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil {
		return pos{}, apierror.InvalidArgument("page_token", "not a page token of this list")
	}
	return pos{n, name}, nil
}

func secondsToDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
