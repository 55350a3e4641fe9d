package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/serviceaccounts"
)

// ServiceAccountServer serves identity.v1.ServiceAccountService.
type ServiceAccountServer struct {
	identityv1.UnimplementedServiceAccountServiceServer
	ServiceAccounts *serviceaccounts.Service
}

func (s *ServiceAccountServer) CreateServiceAccount(ctx context.Context, req *identityv1.CreateServiceAccountRequest) (*identityv1.CreateServiceAccountResponse, error) {
	sa, err := s.ServiceAccounts.Create(ctx, req.GetServiceAccount())
	if err != nil {
		return nil, err
	}
	return &identityv1.CreateServiceAccountResponse{ServiceAccount: sa}, nil
}

func (s *ServiceAccountServer) ListServiceAccounts(ctx context.Context, req *identityv1.ListServiceAccountsRequest) (*identityv1.ListServiceAccountsResponse, error) {
	list, next, err := s.ServiceAccounts.List(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListServiceAccountsResponse{ServiceAccounts: list, NextPageToken: next}, nil
}

func (s *ServiceAccountServer) DeleteServiceAccount(ctx context.Context, req *identityv1.DeleteServiceAccountRequest) (*identityv1.DeleteServiceAccountResponse, error) {
	if err := s.ServiceAccounts.Delete(ctx, req.GetName()); err != nil {
		return nil, err
	}
	return &identityv1.DeleteServiceAccountResponse{}, nil
}
