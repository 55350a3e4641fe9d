package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/apikeys"
	"github.com/landlord-dev/landlord/services/identity/internal/serviceaccounts"
)

// ServiceAccountServer serves identity.v1.ServiceAccountService.
type ServiceAccountServer struct {
	identityv1.UnimplementedServiceAccountServiceServer
	ServiceAccounts *serviceaccounts.Service
}

func (s *ServiceAccountServer) CreateServiceAccount(ctx context.Context, req *identityv1.CreateServiceAccountRequest) (*identityv1.CreateServiceAccountResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	sa, err := s.ServiceAccounts.Create(ctx, req.GetServiceAccount())
	if err != nil {
		return nil, err
	}
	return &identityv1.CreateServiceAccountResponse{ServiceAccount: sa}, nil
}

func (s *ServiceAccountServer) ListServiceAccounts(ctx context.Context, req *identityv1.ListServiceAccountsRequest) (*identityv1.ListServiceAccountsResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	list, next, err := s.ServiceAccounts.List(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListServiceAccountsResponse{ServiceAccounts: list, NextPageToken: next}, nil
}

func (s *ServiceAccountServer) DeleteServiceAccount(ctx context.Context, req *identityv1.DeleteServiceAccountRequest) (*identityv1.DeleteServiceAccountResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if err := s.ServiceAccounts.Delete(ctx, req.GetName()); err != nil {
		return nil, err
	}
	return &identityv1.DeleteServiceAccountResponse{}, nil
}

// ApiKeyServer serves identity.v1.ApiKeyService.
type ApiKeyServer struct {
	identityv1.UnimplementedApiKeyServiceServer
	ApiKeys *apikeys.Service
}

func (s *ApiKeyServer) CreateApiKey(ctx context.Context, req *identityv1.CreateApiKeyRequest) (*identityv1.CreateApiKeyResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	key, secret, err := s.ApiKeys.Create(ctx, c, req.GetApiKey())
	if err != nil {
		return nil, err
	}
	return &identityv1.CreateApiKeyResponse{ApiKey: key, Secret: secret}, nil
}

func (s *ApiKeyServer) ListApiKeys(ctx context.Context, req *identityv1.ListApiKeysRequest) (*identityv1.ListApiKeysResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.ApiKeys.List(ctx, c, req.GetOwner())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListApiKeysResponse{ApiKeys: keys}, nil
}

func (s *ApiKeyServer) RevokeApiKey(ctx context.Context, req *identityv1.RevokeApiKeyRequest) (*identityv1.RevokeApiKeyResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	key, err := s.ApiKeys.Revoke(ctx, c, req.GetId())
	if err != nil {
		return nil, err
	}
	return &identityv1.RevokeApiKeyResponse{ApiKey: key}, nil
}
