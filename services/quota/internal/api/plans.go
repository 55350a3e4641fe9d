package api

import (
	"context"
	"fmt"
	"strings"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/quota/internal/plans"
)

// PlanServer serves PlanService from the plan store.
type PlanServer struct {
	quotav1.UnimplementedPlanServiceServer
	Plans *plans.Store
	// TenantsOn lists the tenants on a plan.
	TenantsOn func(ctx context.Context, plan string) ([]string, error)
}

func (s *PlanServer) CreatePlan(_ context.Context, req *quotav1.CreatePlanRequest) (*quotav1.CreatePlanResponse, error) {
	p, err := s.Plans.CreatePlan(req.GetPlan())
	return &quotav1.CreatePlanResponse{Plan: p}, err
}

func (s *PlanServer) GetPlan(_ context.Context, req *quotav1.GetPlanRequest) (*quotav1.GetPlanResponse, error) {
	p, err := s.Plans.GetPlan(req.GetName())
	return &quotav1.GetPlanResponse{Plan: p}, err
}

func (s *PlanServer) ListPlans(context.Context, *quotav1.ListPlansRequest) (*quotav1.ListPlansResponse, error) {
	ps, err := s.Plans.ListPlans()
	return &quotav1.ListPlansResponse{Plans: ps}, err
}

func (s *PlanServer) UpdatePlan(_ context.Context, req *quotav1.UpdatePlanRequest) (*quotav1.UpdatePlanResponse, error) {
	p, err := s.Plans.UpdatePlan(req.GetPlan(), req.GetUpdateMask().GetPaths())
	return &quotav1.UpdatePlanResponse{Plan: p}, err
}

func (s *PlanServer) DeletePlan(ctx context.Context, req *quotav1.DeletePlanRequest) (*quotav1.DeletePlanResponse, error) {
	err := s.Plans.DeletePlan(req.GetName(), req.GetEtag(), func(plan string) error {
		tenants, err := s.TenantsOn(ctx, plan)
		if err != nil {
			return err
		}
		if len(tenants) > 0 {
			if len(tenants) > 5 {
				tenants = append(tenants[:5], fmt.Sprintf("and %d more", len(tenants)-5))
			}
			return fmt.Errorf("plan %q is in use by tenants %s; move them to another plan first: %w",
				plan, strings.Join(tenants, ", "), apierror.ErrFailedPrecondition)
		}
		return nil
	})
	return &quotav1.DeletePlanResponse{}, err
}
