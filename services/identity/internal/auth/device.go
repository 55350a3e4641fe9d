package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// SessionRef names the session a signed-in user's access token belongs
// to: who approves a device login, and what the device's session derives
// from.
type SessionRef struct {
	Subject, UID, SessionID string
}

var errNoSession = fmt.Errorf("approving a device login needs a signed-in user's live session (a password or device login), not an API key: %w", apierror.ErrPermissionDenied)

// CheckSession reports whether ref is a live session of a user that is
// still the record (uid) it was started for: only such a session may
// approve a device login. An API key's token (no session) or a service
// account's may not.
func (s *Service) CheckSession(ctx context.Context, ref SessionRef) error {
	return s.store.Read(ctx, func(tx store.Tx) error {
		_, _, err := liveSession(tx, ref, s.now())
		return err
	})
}

// liveSession returns ref's family and user if ref is a live, unexpired
// session of that user record, enabled.
func liveSession(tx joinTx, ref SessionRef, now time.Time) (*storagev1.RefreshFamilyRecord, *storagev1.UserRecord, error) {
	if ref.SessionID == "" {
		return nil, nil, errNoSession
	}
	fam, err := tx.GetRefreshFamily(ref.SessionID)
	switch {
	case errors.Is(err, apierror.ErrNotFound):
		return nil, nil, errSessionEnded
	case err != nil:
		return nil, nil, err
	case fam.GetRevoked() || now.After(fam.GetExpireTime().AsTime()):
		return nil, nil, errSessionEnded
	case fam.GetSubject() != ref.Subject || fam.GetOwnerUid() != ref.UID:
		return nil, nil, errNoSession
	}
	user, err := sessionUser(tx, fam)
	if err != nil {
		return nil, nil, err
	}
	if user.GetUser().GetDisabled() {
		return nil, nil, fmt.Errorf("user disabled: %w", apierror.ErrUnauthenticated)
	}
	return fam, user, nil
}

// DeviceLogin starts the session of a device a user approved from the
// session ref: a new session of the same user, whose tokens the device
// alone holds, that is no fresher (its auth time is the approving
// session's, so it cannot create API keys the approver could not) and
// lives no longer (it ends when the approving session would) than the one
// that approved it. It starts only if the approving session is still live
// and its user the same record; like any session, it ends with a password
// change or the user's deletion.
func (s *Service) DeviceLogin(ctx context.Context, ref SessionRef) (*identityv1.TokenSet, error) {
	var (
		parent *storagev1.RefreshFamilyRecord
		user   *storagev1.UserRecord
	)
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		parent, user, err = liveSession(tx, ref, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	sess := &session{parent: ref, family: &storagev1.RefreshFamilyRecord{
		Id: newID(), Subject: parent.GetSubject(), OwnerUid: parent.GetOwnerUid(),
		AuthTime: parent.GetAuthTime(), ExpireTime: timestamppb.New(parent.GetExpireTime().AsTime()),
	}}
	return s.issue(ctx, userPrincipal(user), "", sess)
}
