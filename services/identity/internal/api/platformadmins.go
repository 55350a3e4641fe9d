package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
)

// PlatformAdminServer serves identity.v1.PlatformAdminService.
type PlatformAdminServer struct {
	identityv1.UnimplementedPlatformAdminServiceServer
	Users *users.Service
}

func (s *PlatformAdminServer) GrantPlatformAdmin(ctx context.Context, req *identityv1.GrantPlatformAdminRequest) (*identityv1.GrantPlatformAdminResponse, error) {
	return &identityv1.GrantPlatformAdminResponse{}, s.Users.SetPlatformAdmin(ctx, req.GetUser(), true)
}

func (s *PlatformAdminServer) RevokePlatformAdmin(ctx context.Context, req *identityv1.RevokePlatformAdminRequest) (*identityv1.RevokePlatformAdminResponse, error) {
	return &identityv1.RevokePlatformAdminResponse{}, s.Users.SetPlatformAdmin(ctx, req.GetUser(), false)
}

func (s *PlatformAdminServer) ListPlatformAdmins(ctx context.Context, _ *identityv1.ListPlatformAdminsRequest) (*identityv1.ListPlatformAdminsResponse, error) {
	admins, err := s.Users.PlatformAdmins(ctx)
	if err != nil {
		return nil, err
	}
	return &identityv1.ListPlatformAdminsResponse{Users: admins}, nil
}
