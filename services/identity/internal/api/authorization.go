package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/authz"
)

// AuthorizationServer serves identity.v1.AuthorizationService.
type AuthorizationServer struct {
	identityv1.UnimplementedAuthorizationServiceServer
	Authz *authz.Service
}

func (s *AuthorizationServer) Check(ctx context.Context, req *identityv1.CheckRequest) (*identityv1.CheckResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return s.Authz.Check(ctx, c.PlatformAdmin, req)
}

func (s *AuthorizationServer) BatchCheck(ctx context.Context, req *identityv1.BatchCheckRequest) (*identityv1.BatchCheckResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	resp := &identityv1.BatchCheckResponse{}
	for _, check := range req.GetChecks() {
		r, err := s.Authz.Check(ctx, c.PlatformAdmin, check)
		if err != nil {
			return nil, err
		}
		resp.Results = append(resp.Results, r)
	}
	return resp, nil
}
