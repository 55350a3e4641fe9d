// Package users creates, reads, changes and deletes users and their
// passwords. Callers have authorized the request already.
package users

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
	"github.com/landlord-dev/landlord/services/identity/internal/password"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// Service manages users.
type Service struct {
	Store store.Store
	// Hashing makes and checks password hashes, within identity's one
	// hashing budget.
	Hashing *password.Hasher
	Now     func() time.Time
	// Guesses, if set, counts checks of a current password against the
	// user's name: Login's lock-out, so that guessing through SetPassword
	// (with a stolen access token) shares Login's budget.
	Guesses Guesses
}

// Guesses is a per-name budget of password guesses.
type Guesses interface {
	// Attempt counts a guess before it is checked, or refuses it
	// (RESOURCE_EXHAUSTED with the wait) while the name is locked.
	Attempt(name string) error
	// Succeeded forgets the name's failed guesses.
	Succeeded(name string)
}

// present returns the API view of a record: etag from its revision.
func present(rec *storagev1.UserRecord) *identityv1.User {
	u := proto.Clone(rec.GetUser()).(*identityv1.User)
	u.Etag = page.Etag(rec.GetRevision())
	return u
}

// Create stores a new user. A retry with the same requestID returns it.
func (s *Service) Create(ctx context.Context, in *identityv1.User, pw, requestID string, platformAdmin bool) (*identityv1.User, error) {
	hash := ""
	if pw != "" {
		var err error
		if hash, err = s.Hashing.Hash(ctx, pw); err != nil {
			return nil, badPassword("password", err)
		}
	}
	now := timestamppb.New(s.Now())
	rec := &storagev1.UserRecord{
		User: &identityv1.User{
			Name: in.GetName(), DisplayName: in.GetDisplayName(), Email: in.GetEmail(),
			Disabled: in.GetDisabled(), CreateTime: now, UpdateTime: now,
		},
		PasswordHash: hash, Revision: 1, PlatformAdmin: platformAdmin, CreateRequestId: requestID,
		Uid: store.NewUID(),
	}
	err := s.Store.Write(ctx, func(tx store.Tx) (err error) {
		rec, err = create(tx, rec)
		return err
	})
	if err != nil {
		return nil, err
	}
	return present(rec), nil
}

// create stores rec unless its user exists; a retry of the request that
// created it returns the stored record instead.
func create(tx store.Users, rec *storagev1.UserRecord) (*storagev1.UserRecord, error) {
	name, requestID := rec.GetUser().GetName(), rec.GetCreateRequestId()
	existing, err := tx.GetUser(name)
	switch {
	case err == nil && requestID != "" && existing.GetCreateRequestId() == requestID:
		return existing, nil
	case err == nil:
		return nil, fmt.Errorf("user %q: %w", name, apierror.ErrAlreadyExists)
	case !errors.Is(err, apierror.ErrNotFound):
		return nil, err
	}
	return rec, tx.PutUser(rec)
}

// Get returns one user.
func (s *Service) Get(ctx context.Context, name string) (*identityv1.User, error) {
	var rec *storagev1.UserRecord
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		rec, err = tx.GetUser(name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return present(rec), nil
}

// List returns one page of users in name order.
func (s *Service) List(ctx context.Context, size int32, token string) ([]*identityv1.User, string, error) {
	recs, next, err := page.Fetch(ctx, s.Store, "users", size, token, store.Tx.ListUsers,
		func(r *storagev1.UserRecord) string { return r.GetUser().GetName() })
	out := make([]*identityv1.User, len(recs))
	for i, r := range recs {
		out[i] = present(r)
	}
	return out, next, err
}

// updatable are the fields Update may change.
var updatable = []string{"display_name", "email", "disabled"}

// Update changes the fields in paths, if etag (when set) is current.
func (s *Service) Update(ctx context.Context, in *identityv1.User, paths []string, etag string) (*identityv1.User, error) {
	if len(paths) == 0 {
		return nil, apierror.InvalidArgument("update_mask", "name at least one field")
	}
	for _, p := range paths {
		if !slices.Contains(updatable, p) {
			return nil, apierror.InvalidArgument("update_mask", fmt.Sprintf("%q cannot be updated; updatable: %v", p, updatable))
		}
	}
	var rec *storagev1.UserRecord
	err := s.Store.Write(ctx, func(tx store.Tx) (err error) {
		rec, err = s.update(tx, in, paths, etag)
		return err
	})
	if err != nil {
		return nil, err
	}
	return present(rec), nil
}

func (s *Service) update(tx store.Users, in *identityv1.User, paths []string, etag string) (*storagev1.UserRecord, error) {
	rec, err := current(tx, in.GetName(), etag)
	if err != nil {
		return nil, err
	}
	u := rec.GetUser()
	for _, p := range paths {
		switch p {
		case "display_name":
			u.DisplayName = in.GetDisplayName()
		case "email":
			u.Email = in.GetEmail()
		case "disabled":
			u.Disabled = in.GetDisabled()
		}
	}
	u.UpdateTime = timestamppb.New(s.Now())
	rec.Revision++
	return rec, tx.PutUser(rec)
}

// Delete removes a user and everything bound to it in one transaction:
// its memberships, places in groups, API keys and sessions. A user created
// later with the name inherits none of them.
func (s *Service) Delete(ctx context.Context, name, etag string) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return remove(tx, name, etag) })
}

// removeTx is what deleting a user touches: the user, its memberships,
// its places in groups, its API keys and its refresh tokens.
type removeTx interface {
	store.Users
	store.Memberships
	store.Groups
	store.ApiKeys
	store.RefreshTokens
}

func remove(tx removeTx, name, etag string) error {
	rec, err := current(tx, name, etag)
	if err != nil {
		return err
	}
	if err := revokeSessions(tx, rec.GetUid(), ""); err != nil {
		return err
	}
	sub := subject.User(name).String()
	keys, err := tx.ApiKeysOf(sub)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.DeleteApiKey(k.GetApiKey().GetId()); err != nil {
			return err
		}
	}
	memberships, err := tx.MembershipsOf(sub)
	if err != nil {
		return err
	}
	for _, m := range memberships {
		if err := tx.DeleteMembership(m.GetMembership().GetTenant(), sub); err != nil {
			return err
		}
	}
	groups, err := tx.GroupsOf(name)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := tx.RemoveGroupMember(g, name); err != nil {
			return err
		}
	}
	return tx.DeleteUser(name)
}

// revokeSessions revokes every session (refresh-token family) of the user
// with that uid but keep's.
func revokeSessions(tx store.RefreshTokens, uid, keep string) error {
	families, err := tx.RefreshFamiliesOf(uid)
	if err != nil {
		return err
	}
	for _, f := range families {
		if f == keep {
			continue
		}
		if err := tx.RevokeFamily(f); err != nil {
			return err
		}
	}
	return nil
}

// SetPassword replaces a user's password and ends the user's sessions but
// keepSession (the caller's own, when users change their own password).
// With checkCurrent, oldPassword must match the stored password (users
// changing their own). The new password is hashed only once the old one
// matched: a wrong guess costs one hash, not two.
func (s *Service) SetPassword(ctx context.Context, name, newPassword string, checkCurrent bool, oldPassword, keepSession string) error {
	if err := password.Check(newPassword); err != nil {
		return badPassword("new_password", err)
	}
	var rec *storagev1.UserRecord
	if err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		rec, err = tx.GetUser(name)
		return err
	}); err != nil {
		return err
	}
	if checkCurrent {
		if err := s.checkCurrent(ctx, rec, oldPassword); err != nil {
			return err
		}
	}
	hash, err := s.Hashing.Hash(ctx, newPassword)
	if err != nil {
		return badPassword("new_password", err)
	}
	return s.Store.Write(ctx, func(tx store.Tx) error {
		rec, err := current(tx, name, page.Etag(rec.GetRevision()))
		if err != nil {
			return err
		}
		rec.PasswordHash = hash
		rec.Revision++
		rec.GetUser().UpdateTime = timestamppb.New(s.Now())
		if err := tx.PutUser(rec); err != nil {
			return err
		}
		return revokeSessions(tx, rec.GetUid(), keepSession)
	})
}

// checkCurrent checks a user's current password as a guess: counted
// before hashing, forgiven by a match.
func (s *Service) checkCurrent(ctx context.Context, rec *storagev1.UserRecord, guess string) error {
	name := rec.GetUser().GetName()
	if s.Guesses != nil {
		if err := s.Guesses.Attempt(name); err != nil {
			return err
		}
	}
	ok, err := s.Hashing.Verify(ctx, guess, rec.GetPasswordHash())
	if password.Limited(err) {
		return err
	}
	if !ok {
		return apierror.InvalidArgument("current_password", "does not match")
	}
	if s.Guesses != nil {
		s.Guesses.Succeeded(name)
	}
	return nil
}

// badPassword makes a password refused for its content a bad field; a
// hash that could not run (busy, cancelled) keeps its own error.
func badPassword(field string, err error) error {
	if password.Limited(err) {
		return err
	}
	return apierror.InvalidArgument(field, err.Error())
}

// current reads a user and checks the etag, if one is given.
func current(tx store.Users, name, etag string) (*storagev1.UserRecord, error) {
	rec, err := tx.GetUser(name)
	if err != nil {
		return nil, err
	}
	if etag != "" && etag != page.Etag(rec.GetRevision()) {
		return nil, fmt.Errorf("user %q: %w", name, apierror.ErrEtagMismatch)
	}
	return rec, nil
}

// SetPlatformAdmin grants or revokes the platform admin role. Revoking the
// last platform admin is refused: nobody could manage the platform.
func (s *Service) SetPlatformAdmin(ctx context.Context, name string, admin bool) error {
	return s.Store.Write(ctx, func(tx store.Tx) error { return s.setPlatformAdmin(tx, name, admin) })
}

func (s *Service) setPlatformAdmin(tx store.Users, name string, admin bool) error {
	rec, err := tx.GetUser(name)
	if err != nil || rec.GetPlatformAdmin() == admin {
		return err
	}
	if !admin {
		admins, err := platformAdmins(tx)
		if err != nil {
			return err
		}
		if len(admins) == 1 {
			return fmt.Errorf("%q is the last platform admin: %w", name, apierror.ErrFailedPrecondition)
		}
	}
	rec.PlatformAdmin = admin
	rec.Revision++
	rec.GetUser().UpdateTime = timestamppb.New(s.Now())
	return tx.PutUser(rec)
}

// PlatformAdmins lists the platform admins' names.
func (s *Service) PlatformAdmins(ctx context.Context) ([]string, error) {
	var out []string
	err := s.Store.Read(ctx, func(tx store.Tx) (err error) {
		out, err = platformAdmins(tx)
		return err
	})
	return out, err
}

// platformAdmins scans every user: admins are few and this runs only on
// admin calls, so no index is kept.
func platformAdmins(tx store.Users) ([]string, error) {
	var out []string
	for after := ""; ; {
		recs, err := tx.ListUsers(after, 1000)
		if err != nil || len(recs) == 0 {
			return out, err
		}
		for _, r := range recs {
			if r.GetPlatformAdmin() {
				out = append(out, r.GetUser().GetName())
			}
		}
		after = recs[len(recs)-1].GetUser().GetName()
	}
}
