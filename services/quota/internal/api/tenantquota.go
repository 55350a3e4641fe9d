package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
	"github.com/landlord-dev/landlord/services/quota/internal/changes"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	"github.com/landlord-dev/landlord/services/quota/internal/plans"
)

// Tenants is what the handlers need of the cluster and the allocator.
type Tenants interface {
	Tenant(name string) (*v1alpha1.Tenant, error)
	// Reconcile applies a tenant's plan and overrides to the ledger now.
	Reconcile(name string) error
}

// TenantQuotaServer serves TenantQuotaService.
type TenantQuotaServer struct {
	quotav1.UnimplementedTenantQuotaServiceServer
	Ledger  *ledger.Ledger
	Plans   *plans.Store
	Tenants Tenants
	Changes *changes.Broadcast
}

func (s *TenantQuotaServer) GetTenantQuota(_ context.Context, req *quotav1.GetTenantQuotaRequest) (*quotav1.GetTenantQuotaResponse, error) {
	q, err := s.quota(req.GetTenant())
	return &quotav1.GetTenantQuotaResponse{Quota: q}, err
}

func (s *TenantQuotaServer) UpdateTenantQuota(_ context.Context, req *quotav1.UpdateTenantQuotaRequest) (*quotav1.UpdateTenantQuotaResponse, error) {
	name := req.GetTenant()
	t, err := s.Tenants.Tenant(name)
	if err != nil {
		return nil, tenantNotFound(name, err)
	}
	plan, err := s.Plans.GetPlan(t.Spec.Plan)
	if err != nil {
		return nil, err
	}
	_, _, err = s.Plans.UpdateOverrides(name, req.GetOverrides(), req.GetUpdateMask().GetPaths(), req.GetEtag(),
		func(o *quotav1.Overrides) error { return plans.ValidateOverrides(o, plan) })
	if err != nil {
		return nil, err
	}
	if err := s.Tenants.Reconcile(name); err != nil {
		return nil, err
	}
	s.Changes.Notify()
	q, err := s.quota(name)
	return &quotav1.UpdateTenantQuotaResponse{Quota: q}, err
}

// watchCoalesce bounds how often a watch sends: changes within it are
// sent as one.
const watchCoalesce = 100 * time.Millisecond

func (s *TenantQuotaServer) WatchTenantQuota(req *quotav1.WatchTenantQuotaRequest, stream quotav1.TenantQuotaService_WatchTenantQuotaServer) error {
	ctx := stream.Context()
	var last *quotav1.TenantQuota
	for {
		wait := s.Changes.Wait()
		q, err := s.quota(req.GetTenant())
		if err != nil {
			return err
		}
		if !proto.Equal(q, last) {
			if err := stream.Send(&quotav1.WatchTenantQuotaResponse{Quota: q}); err != nil {
				return err
			}
			last = q
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wait:
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(watchCoalesce):
		}
	}
}

func (s *TenantQuotaServer) GetTenantRateLimit(_ context.Context, req *quotav1.GetTenantRateLimitRequest) (*quotav1.GetTenantRateLimitResponse, error) {
	t, err := s.Tenants.Tenant(req.GetTenant())
	if err != nil {
		return nil, tenantNotFound(req.GetTenant(), err)
	}
	plan, err := s.Plans.GetPlan(t.Spec.Plan)
	if err != nil {
		return nil, err
	}
	o, _, err := s.Plans.GetOverrides(t.Name)
	if err != nil {
		return nil, err
	}
	return &quotav1.GetTenantRateLimitResponse{RateLimit: rateLimit(plan, o)}, nil
}

func rateLimit(plan *quotav1.Plan, o *quotav1.Overrides) *quotav1.RateLimit {
	if o.GetRateLimit() != nil {
		return o.GetRateLimit()
	}
	return plan.GetRateLimit()
}

func tenantNotFound(name string, err error) error {
	if errors.Is(err, apierror.ErrNotFound) {
		return fmt.Errorf("tenant %q: %w", name, apierror.ErrNotFound)
	}
	return err
}

// quota is a tenant's quota as the API shows it.
func (s *TenantQuotaServer) quota(name string) (*quotav1.TenantQuota, error) {
	t, err := s.Tenants.Tenant(name)
	if err != nil {
		return nil, tenantNotFound(name, err)
	}
	o, etag, err := s.Plans.GetOverrides(name)
	if err != nil {
		return nil, err
	}
	q := &quotav1.TenantQuota{Tenant: name, Plan: t.Spec.Plan, Overrides: o, Etag: etag}
	if plan, err := s.Plans.GetPlan(t.Spec.Plan); err == nil {
		q.RateLimit = rateLimit(plan, o)
	}
	view, err := s.Ledger.Get(name)
	if errors.Is(err, apierror.ErrNotFound) {
		return q, nil // not budgeted yet
	}
	if err != nil {
		return nil, err
	}
	q.Budget = quantities(view.Budget.Limits)
	q.MaxNamespaces = int32(view.Budget.MaxNamespaces)
	q.OverLimit = view.OverLimit
	q.Hibernated = view.Asleep
	used := ledger.Amounts{}
	for _, nv := range view.Namespaces {
		q.Namespaces = append(q.Namespaces, &quotav1.NamespaceAllocation{
			Name: nv.Name, Hard: quantities(nv.Intended), Used: quantities(nv.Used), Applied: nv.ObservedSeq >= nv.Seq,
		})
		for r, v := range nv.Used {
			used[r] += v
		}
	}
	q.Used = quantities(used)
	for _, m := range view.Moves {
		q.Moves = append(q.Moves, &quotav1.Move{Resource: m.Resource, From: m.From, To: m.To, Amount: qty(m.Resource, m.Amount)})
	}
	return q, nil
}

func quantities(a ledger.Amounts) map[string]string {
	if len(a) == 0 {
		return nil
	}
	out := make(map[string]string, len(a))
	for _, r := range slices.Sorted(maps.Keys(a)) {
		out[r] = qty(r, a[r])
	}
	return out
}

// qty presents v ledger units of resource: counts as plain numbers
// ("1000", not the quantity's "1k"), the rest as Kubernetes quantities.
func qty(resource string, v int64) string {
	if ledger.IsCount(resource) {
		return strconv.FormatInt(v, 10)
	}
	q := ledger.FromUnits(resource, v)
	return q.String()
}
