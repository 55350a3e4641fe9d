package api

import (
	"context"
	"fmt"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/users"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
)

// UserServer serves identity.v1.UserService.
type UserServer struct {
	identityv1.UnimplementedUserServiceServer
	Users *users.Service
}

func (s *UserServer) CreateUser(ctx context.Context, req *identityv1.CreateUserRequest) (*identityv1.CreateUserResponse, error) {
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
	u, err := s.Users.Get(ctx, req.GetName())
	if err != nil {
		return nil, err
	}
	return &identityv1.GetUserResponse{User: u}, nil
}

func (s *UserServer) ListUsers(ctx context.Context, req *identityv1.ListUsersRequest) (*identityv1.ListUsersResponse, error) {
	list, next, err := s.Users.List(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListUsersResponse{Users: list, NextPageToken: next}, nil
}

func (s *UserServer) UpdateUser(ctx context.Context, req *identityv1.UpdateUserRequest) (*identityv1.UpdateUserResponse, error) {
	u, err := s.Users.Update(ctx, req.GetUser(), req.GetUpdateMask().GetPaths(), req.GetEtag())
	if err != nil {
		return nil, err
	}
	return &identityv1.UpdateUserResponse{User: u}, nil
}

func (s *UserServer) DeleteUser(ctx context.Context, req *identityv1.DeleteUserRequest) (*identityv1.DeleteUserResponse, error) {
	c, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if c.Subject == userSubject(req.GetName()) {
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
	// The table admits only the user and platform admins. Platform admins
	// reset others' passwords; everyone proves their own. The user's other
	// sessions end; so do all of them on a reset.
	self := c.Subject == userSubject(req.GetName())
	keep := ""
	if self {
		claims, err := authn.Claims(ctx)
		if err != nil {
			return nil, err
		}
		keep = claims.SessionID
	}
	if err := s.Users.SetPassword(ctx, req.GetName(), req.GetNewPassword(), self, req.GetCurrentPassword(), keep); err != nil {
		return nil, err
	}
	return &identityv1.SetPasswordResponse{}, nil
}
