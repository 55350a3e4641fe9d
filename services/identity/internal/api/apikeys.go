package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/apikeys"
	"github.com/landlord-dev/landlord/services/internal/authn"
)

// ApiKeyServer serves identity.v1.ApiKeyService.
type ApiKeyServer struct {
	identityv1.UnimplementedApiKeyServiceServer
	ApiKeys *apikeys.Service
}

func (s *ApiKeyServer) CreateApiKey(ctx context.Context, req *identityv1.CreateApiKeyRequest) (*identityv1.CreateApiKeyResponse, error) {
	claims, err := authn.Claims(ctx)
	if err != nil {
		return nil, err
	}
	key, secret, err := s.ApiKeys.Create(ctx, req.GetApiKey(), claims.AuthTime)
	if err != nil {
		return nil, err
	}
	return &identityv1.CreateApiKeyResponse{ApiKey: key, Secret: secret}, nil
}

func (s *ApiKeyServer) ListApiKeys(ctx context.Context, req *identityv1.ListApiKeysRequest) (*identityv1.ListApiKeysResponse, error) {
	keys, err := s.ApiKeys.List(ctx, req.GetOwner())
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
