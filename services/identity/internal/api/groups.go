package api

import (
	"context"

	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/groups"
)

// GroupServer serves identity.v1.GroupService; platform admins only.
type GroupServer struct {
	identityv1.UnimplementedGroupServiceServer
	Groups *groups.Service
}

func (s *GroupServer) CreateGroup(ctx context.Context, req *identityv1.CreateGroupRequest) (*identityv1.CreateGroupResponse, error) {
	g, err := s.Groups.Create(ctx, req.GetGroup())
	if err != nil {
		return nil, err
	}
	return &identityv1.CreateGroupResponse{Group: g}, nil
}

func (s *GroupServer) ListGroups(ctx context.Context, req *identityv1.ListGroupsRequest) (*identityv1.ListGroupsResponse, error) {
	list, next, err := s.Groups.List(ctx, req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListGroupsResponse{Groups: list, NextPageToken: next}, nil
}

func (s *GroupServer) DeleteGroup(ctx context.Context, req *identityv1.DeleteGroupRequest) (*identityv1.DeleteGroupResponse, error) {
	return &identityv1.DeleteGroupResponse{}, s.Groups.Delete(ctx, req.GetName())
}

func (s *GroupServer) AddGroupMember(ctx context.Context, req *identityv1.AddGroupMemberRequest) (*identityv1.AddGroupMemberResponse, error) {
	return &identityv1.AddGroupMemberResponse{}, s.Groups.AddMember(ctx, req.GetGroup(), req.GetUser())
}

func (s *GroupServer) RemoveGroupMember(ctx context.Context, req *identityv1.RemoveGroupMemberRequest) (*identityv1.RemoveGroupMemberResponse, error) {
	return &identityv1.RemoveGroupMemberResponse{}, s.Groups.RemoveMember(ctx, req.GetGroup(), req.GetUser())
}

func (s *GroupServer) ListGroupMembers(ctx context.Context, req *identityv1.ListGroupMembersRequest) (*identityv1.ListGroupMembersResponse, error) {
	users, err := s.Groups.Members(ctx, req.GetGroup())
	if err != nil {
		return nil, err
	}
	return &identityv1.ListGroupMembersResponse{Users: users}, nil
}
