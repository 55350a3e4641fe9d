// Package groups manages groups of users. Callers have checked that the
// caller is a platform admin.
package groups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/page"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// Service manages groups.
type Service struct {
	Store store.Store
	Now   func() time.Time
}

func present(rec *storagev1.GroupRecord) *identityv1.Group {
	g := proto.Clone(rec.GetGroup()).(*identityv1.Group)
	g.Etag = page.Etag(rec.GetRevision())
	return g
}

// Create stores a new group.
func (s *Service) Create(ctx context.Context, in *identityv1.Group) (*identityv1.Group, error) {
	if in.GetName() == "" {
		return nil, apierror.InvalidArgument("group.name", "required")
	}
	rec := &storagev1.GroupRecord{Revision: 1, Uid: store.NewUID(), Group: &identityv1.Group{
		Name: in.GetName(), DisplayName: in.GetDisplayName(), Description: in.GetDescription(),
		CreateTime: timestamppb.New(s.Now())}}
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		_, err := tx.GetGroup(in.GetName())
		if err == nil {
			return fmt.Errorf("group %q: %w", in.GetName(), apierror.ErrAlreadyExists)
		}
		if !errors.Is(err, apierror.ErrNotFound) {
			return err
		}
		return tx.PutGroup(rec)
	})
	if err != nil {
		return nil, err
	}
	return present(rec), nil
}

// List returns one page in name order.
func (s *Service) List(ctx context.Context, size int32, token string) ([]*identityv1.Group, string, error) {
	recs, next, err := page.Fetch(ctx, s.Store, "groups", size, token, store.Tx.ListGroups,
		func(r *storagev1.GroupRecord) string { return r.GetGroup().GetName() })
	out := make([]*identityv1.Group, len(recs))
	for i, r := range recs {
		out[i] = present(r)
	}
	return out, next, err
}

// Delete removes a group, its member index and its tenant memberships.
func (s *Service) Delete(ctx context.Context, name string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return remove(tx, name) })
}

// removeTx is what deleting a group touches: the group with its member
// index, and its memberships.
type removeTx interface {
	store.Groups
	store.Memberships
}

func remove(tx removeTx, name string) error {
	if _, err := tx.GetGroup(name); err != nil {
		return err
	}
	sub := subject.Group(name).String()
	memberships, err := tx.MembershipsOf(sub)
	if err != nil {
		return err
	}
	for _, m := range memberships {
		if err := tx.DeleteMembership(m.GetMembership().GetTenant(), sub); err != nil {
			return err
		}
	}
	return tx.DeleteGroup(name)
}

// AddMember puts an existing user in an existing group.
func (s *Service) AddMember(ctx context.Context, group, user string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return addMember(tx, group, user) })
}

// addTx is what adding a member reads and writes: the group and its
// would-be member.
type addTx interface {
	store.Groups
	store.Users
}

func addMember(tx addTx, group, user string) error {
	if _, err := tx.GetGroup(group); err != nil {
		return err
	}
	if _, err := tx.GetUser(user); err != nil {
		return err
	}
	return tx.AddGroupMember(group, user)
}

// RemoveMember takes a user out of a group.
func (s *Service) RemoveMember(ctx context.Context, group, user string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return removeMember(tx, group, user) })
}

func removeMember(tx store.Groups, group, user string) error {
	current, err := members(tx, group)
	if err != nil {
		return err
	}
	if !slices.Contains(current, user) {
		return fmt.Errorf("user %q in group %q: %w", user, group, apierror.ErrNotFound)
	}
	return tx.RemoveGroupMember(group, user)
}

// Members lists a group's users.
func (s *Service) Members(ctx context.Context, group string) ([]string, error) {
	var out []string
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		out, err = members(tx, group)
		return err
	})
	return out, err
}

func members(tx store.Groups, group string) ([]string, error) {
	if _, err := tx.GetGroup(group); err != nil {
		return nil, err
	}
	return tx.GroupMembers(group)
}
