package api

import (
	"context"
	"fmt"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// UserServer serves identity.v1.UserService.
type UserServer struct {
	identityv1.UnimplementedUserServiceServer
	Users *users.Service
}

func (s *UserServer) CreateUser(ctx context.Context, req *identityv1.CreateUserRequest) (*identityv1.CreateUserResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if req.GetUser().GetName() == "" {
		return nil, apierror.InvalidArgument("user.name", "required")
	}
	u, err := s.Users.Create(ctx, req.GetUser(), req.GetPassword(), req.GetRequestId(), false)
	if err != nil {
		return nil, err
	}
	return &identityv1.CreateUserResponse{User: u}, nil
}

func (s *UserServer) GetUser(ctx context.Context, req *identityv1.GetUserRequest) (*identityv1.GetUserResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	// Users see themselves; other users do not exist for them.
	if !c.PlatformAdmin && c.Subject != "user:"+req.GetName() {
		return nil, fmt.Errorf("user %q: %w", req.GetName(), apierror.ErrNotFound)
	}
	u, err := s.Users.Get(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return &identityv1.GetUserResponse{User: u}, nil
}

func (s *UserServer) ListUsers(ctx context.Context, req *identityv1.ListUsersRequest) (*identityv1.ListUsersResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	list, next, err := s.Users.List(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListUsersResponse{Users: list, NextPageToken: next}, nil
}

func (s *UserServer) UpdateUser(ctx context.Context, req *identityv1.UpdateUserRequest) (*identityv1.UpdateUserResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	u, err := s.Users.Update(ctx, req.GetUser(), req.GetUpdateMask().GetPaths(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &identityv1.UpdateUserResponse{User: u}, nil
}

func (s *UserServer) DeleteUser(ctx context.Context, req *identityv1.DeleteUserRequest) (*identityv1.DeleteUserResponse, error) {
	c, err := requireAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if c.Subject == "user:"+req.GetName() {
		return nil, fmt.Errorf("platform admins cannot delete themselves: %w", apierror.ErrFailedPrecondition)
	}
	if err := s.Users.Delete(ctx, req.GetName(), req.GetEtag()); err != nil {
		return nil, err
	}
	return &identityv1.DeleteUserResponse{}, nil
}

func (s *UserServer) SetPassword(ctx context.Context, req *identityv1.SetPasswordRequest) (*identityv1.SetPasswordResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	self := c.Subject == "user:"+req.GetName()
	if !self && !c.PlatformAdmin {
		return nil, fmt.Errorf("user %q: %w", req.GetName(), apierror.ErrNotFound)
	}
	// Platform admins reset others' passwords; everyone proves their own.
	if err := s.Users.SetPassword(ctx, req.GetName(), req.GetNewPassword(), self, req.GetCurrentPassword()); err != nil {
		return nil, err
	}
	return &identityv1.SetPasswordResponse{}, nil
}

// PlatformAdminServer serves identity.v1.PlatformAdminService.
type PlatformAdminServer struct {
	identityv1.UnimplementedPlatformAdminServiceServer
	Users *users.Service
}

func (s *PlatformAdminServer) GrantPlatformAdmin(ctx context.Context, req *identityv1.GrantPlatformAdminRequest) (*identityv1.GrantPlatformAdminResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return &identityv1.GrantPlatformAdminResponse{}, s.Users.SetPlatformAdmin(ctx, req.GetUser(), true)
}

func (s *PlatformAdminServer) RevokePlatformAdmin(ctx context.Context, req *identityv1.RevokePlatformAdminRequest) (*identityv1.RevokePlatformAdminResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	return &identityv1.RevokePlatformAdminResponse{}, s.Users.SetPlatformAdmin(ctx, req.GetUser(), false)
}

func (s *PlatformAdminServer) ListPlatformAdmins(ctx context.Context, _ *identityv1.ListPlatformAdminsRequest) (*identityv1.ListPlatformAdminsResponse, error) {
	if _, err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	admins, err := s.Users.PlatformAdmins(ctx)
	if err != nil {
		return nil, err
	}
	return &identityv1.ListPlatformAdminsResponse{Users: admins}, nil
}
