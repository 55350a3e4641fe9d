package api

import (
	"context"
	"math"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
)

// MembershipServer serves identity.v1.MembershipService.
type MembershipServer struct {
	identityv1.UnimplementedMembershipServiceServer
	Memberships *memberships.Service
}

func (s *MembershipServer) SetMembership(ctx context.Context, req *identityv1.SetMembershipRequest) (*identityv1.SetMembershipResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.Memberships.Set(ctx, c, req.GetMembership(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &identityv1.SetMembershipResponse{Membership: m}, nil
}

func (s *MembershipServer) DeleteMembership(ctx context.Context, req *identityv1.DeleteMembershipRequest) (*identityv1.DeleteMembershipResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Memberships.Delete(ctx, c, req.GetTenant(), req.GetSubject(), req.GetEtag()); err != nil {
		return nil, err
	}
	return &identityv1.DeleteMembershipResponse{}, nil
}

func (s *MembershipServer) ListMemberships(ctx context.Context, req *identityv1.ListMembershipsRequest) (*identityv1.ListMembershipsResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, next, err := s.Memberships.List(ctx, c, req.GetTenant(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListMembershipsResponse{Memberships: list, NextPageToken: next}, nil
}

func (s *MembershipServer) DeleteTenantMemberships(ctx context.Context, req *identityv1.DeleteTenantMembershipsRequest) (*identityv1.DeleteTenantMembershipsResponse, error) {
	n, err := s.Memberships.DeleteTenant(ctx, req.GetTenant())
	if err != nil {
		return nil, err
	}
	return &identityv1.DeleteTenantMembershipsResponse{DeletedCount: int32(min(n, math.MaxInt32))}, nil
}

func (s *MembershipServer) SetTenantTiers(ctx context.Context, req *identityv1.SetTenantTiersRequest) (*identityv1.SetTenantTiersResponse, error) {
	tiers := make(map[string]string, len(req.GetTiers()))
	for _, t := range req.GetTiers() {
		tiers[t.GetTenant()] = t.GetTier()
	}
	if err := s.Memberships.SetTiers(ctx, tiers); err != nil {
		return nil, err
	}
	return &identityv1.SetTenantTiersResponse{}, nil
}
