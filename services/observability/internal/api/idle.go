package api

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	provisioningv1 "github.com/landlord-dev/landlord/gen/go/landlord/provisioning/v1"
	"github.com/landlord-dev/landlord/services/internal/pagetoken"
	"github.com/landlord-dev/landlord/services/observability/internal/idle"
	v1alpha1 "github.com/landlord-dev/landlord/services/provisioning/api/v1alpha1"
)

// HibernationServer serves HibernationService.
type HibernationServer struct {
	observabilityv1.UnimplementedHibernationServiceServer
	// Tenants are every tenant as the idle rule sees it, in name order.
	Tenants func() ([]idle.Tenant, error)
	Now     func() time.Time
}

const idleTenantsPage = "idleTenants"

func (s *HibernationServer) ListIdleTenants(_ context.Context, req *observabilityv1.ListIdleTenantsRequest) (*observabilityv1.ListIdleTenantsResponse, error) {
	after, err := pagetoken.Decode(req.GetPageToken(), idleTenantsPage)
	if err != nil {
		return nil, err
	}
	all, err := s.Tenants()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	size := pagetoken.Size(req.GetPageSize())
	resp := &observabilityv1.ListIdleTenantsResponse{}
	for _, t := range all {
		if t.Name <= after || t.IdleAfter == 0 {
			continue
		}
		st := idle.Assess(now, t)
		if req.GetIdleOnly() && !st.Idle {
			continue
		}
		if len(resp.IdleTenants) == size {
			resp.NextPageToken = pagetoken.Encode(idleTenantsPage, resp.IdleTenants[size-1].GetTenant())
			break
		}
		resp.IdleTenants = append(resp.IdleTenants, idleTenant(st))
	}
	return resp, nil
}

func idleTenant(st idle.Status) *observabilityv1.IdleTenant {
	return &observabilityv1.IdleTenant{Tenant: st.Name, HibernateAfterIdle: durationpb.New(st.IdleAfter),
		LastActivityTime: timestamppb.New(st.Since), IdleFor: durationpb.New(st.IdleFor), Idle: st.Idle,
		Hibernated: st.Hibernated, HibernationReason: hibernationReasons[st.Reason]}
}

var hibernationReasons = map[v1alpha1.HibernationReason]provisioningv1.HibernationReason{
	v1alpha1.HibernationRequested: provisioningv1.HibernationReason_HIBERNATION_REASON_REQUESTED,
	v1alpha1.HibernationIdle:      provisioningv1.HibernationReason_HIBERNATION_REASON_IDLE,
}
