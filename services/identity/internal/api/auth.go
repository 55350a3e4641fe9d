package api

import (
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/apikeys"
	"github.com/landlord-dev/landlord/services/identity/internal/auth"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/roles"
)

// AuthServer serves identity.v1.AuthService.
type AuthServer struct {
	identityv1.UnimplementedAuthServiceServer
	Auth    *auth.Service
	ApiKeys *apikeys.Service
	Device  *device.Pending
}

func (s *AuthServer) ExchangeApiKey(ctx context.Context, req *identityv1.ExchangeApiKeyRequest) (*identityv1.ExchangeApiKeyResponse, error) {
	if err := s.Auth.Admit(ctx, ""); err != nil { // before the key is looked up
		return nil, err
	}
	p, err := s.ApiKeys.Authenticate(ctx, req.GetSecret())
	if err != nil {
		return nil, err
	}
	tokens, err := s.Auth.Exchange(ctx, p.Subject, p.UID, p.PlatformAdmin, req.GetTenant())
	if err != nil {
		return nil, err
	}
	return &identityv1.ExchangeApiKeyResponse{Tokens: tokens}, nil
}

func (s *AuthServer) Login(ctx context.Context, req *identityv1.LoginRequest) (*identityv1.LoginResponse, error) {
	tokens, err := s.Auth.Login(ctx, req.GetUsername(), req.GetPassword(), req.GetTenant())
	if err != nil {
		return nil, err
	}
	return &identityv1.LoginResponse{Tokens: tokens}, nil
}

func (s *AuthServer) Refresh(ctx context.Context, req *identityv1.RefreshRequest) (*identityv1.RefreshResponse, error) {
	tokens, err := s.Auth.Refresh(ctx, req.GetRefreshToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.RefreshResponse{Tokens: tokens}, nil
}

func (s *AuthServer) Logout(ctx context.Context, req *identityv1.LogoutRequest) (*identityv1.LogoutResponse, error) {
	if err := s.Auth.Logout(ctx, req.GetRefreshToken()); err != nil {
		return nil, err
	}
	return &identityv1.LogoutResponse{}, nil
}

func (s *AuthServer) WhoAmI(ctx context.Context, _ *identityv1.WhoAmIRequest) (*identityv1.WhoAmIResponse, error) {
	claims, err := authn.Claims(ctx)
	if err != nil {
		return nil, err
	}
	resp := &identityv1.WhoAmIResponse{
		Subject: claims.Subject, Username: claims.Username, Groups: claims.Groups,
		PlatformAdmin: slices.Contains(claims.Groups, roles.PlatformAdminGroup),
		Tenant:        claims.Tenant, ExpireTime: timestamppb.New(claims.Expiry),
	}
	for _, g := range claims.Groups {
		if tenant, role, ok := roles.ParseTenantGroup(g); ok {
			resp.Memberships = append(resp.Memberships, &identityv1.Membership{Tenant: tenant, Subject: claims.Subject, Role: role})
		}
	}
	return resp, nil
}
