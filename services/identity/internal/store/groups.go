package store

import (
	"fmt"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	"github.com/landlord-dev/landlord/services/internal/boltdb"
)

// Groups are groups of users, keyed by name, with their members indexed
// both ways (group to users, user to groups).
type Groups interface {
	// GetGroup returns the group, or an error wrapping ErrNotFound.
	GetGroup(name string) (*storagev1.GroupRecord, error)
	// PutGroup creates or replaces the group named in rec.
	PutGroup(rec *storagev1.GroupRecord) error
	// DeleteGroup deletes the group and its member index entries (its
	// tenant memberships are the caller's). A missing group is no error.
	DeleteGroup(name string) error
	// ListGroups returns up to limit groups whose names sort after
	// `after`, in name order.
	ListGroups(after string, limit int) ([]*storagev1.GroupRecord, error)
	// AddGroupMember puts user in group; adding a member twice is no error.
	AddGroupMember(group, user string) error
	// RemoveGroupMember takes user out of group; a non-member is no error.
	RemoveGroupMember(group, user string) error
	// GroupMembers returns the names of group's users, in order.
	GroupMembers(group string) ([]string, error)
	// GroupsOf returns the names of user's groups, in order.
	GroupsOf(user string) ([]string, error)
}

func (t boltTx) GetGroup(name string) (*storagev1.GroupRecord, error) {
	rec := &storagev1.GroupRecord{}
	return rec, t.get(groupsBucket, []byte(name), rec, fmt.Sprintf("group %q", name))
}

func (t boltTx) PutGroup(rec *storagev1.GroupRecord) error {
	return boltdb.Put(t.tx.Bucket(groupsBucket), []byte(rec.GetGroup().GetName()), rec)
}

func (t boltTx) DeleteGroup(name string) error {
	members, err := t.GroupMembers(name)
	if err != nil {
		return err
	}
	for _, u := range members {
		if err := t.RemoveGroupMember(name, u); err != nil {
			return err
		}
	}
	return t.tx.Bucket(groupsBucket).Delete([]byte(name))
}

func (t boltTx) ListGroups(after string, limit int) ([]*storagev1.GroupRecord, error) {
	return list(t, groupsBucket, nil, []byte(after), limit, func() *storagev1.GroupRecord { return &storagev1.GroupRecord{} })
}

func (t boltTx) AddGroupMember(group, user string) error {
	if err := t.tx.Bucket(groupMembers).Put(key(group, user), nil); err != nil {
		return err
	}
	return t.tx.Bucket(userGroups).Put(key(user, group), nil)
}

func (t boltTx) RemoveGroupMember(group, user string) error {
	if err := t.tx.Bucket(groupMembers).Delete(key(group, user)); err != nil {
		return err
	}
	return t.tx.Bucket(userGroups).Delete(key(user, group))
}

func (t boltTx) GroupMembers(group string) ([]string, error) { return t.suffixes(groupMembers, group) }

func (t boltTx) GroupsOf(user string) ([]string, error) { return t.suffixes(userGroups, user) }
