package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/authn"
)

// Authenticator identifies callers (grpcmw.Authenticator).
type Authenticator interface {
	Authenticate(ctx context.Context, fullMethod string) (context.Context, error)
}

// CurrentSubjects authenticates with next, then admits a token only while
// its subject's record is the one it was issued to: the access tokens of a
// deleted user, or of an earlier user with the same name, stop working in
// identity at once instead of when they expire. (Other services verify
// tokens locally: there they last until they expire, minutes.) Tokens
// issued before records had uids name none and are taken as they are.
func CurrentSubjects(next Authenticator, st store.Store) Authenticator {
	return currentSubjects{next: next, store: st}
}

type currentSubjects struct {
	next  Authenticator
	store store.Store
}

var errStaleToken = fmt.Errorf("the account this token was issued to no longer exists; log in again: %w", apierror.ErrUnauthenticated)

func (a currentSubjects) Authenticate(ctx context.Context, method string) (context.Context, error) {
	ctx, err := a.next.Authenticate(ctx, method)
	if err != nil {
		return nil, err
	}
	claims, err := authn.Claims(ctx)
	if err != nil || claims.UID == "" {
		return ctx, err
	}
	err = a.store.Read(ctx, func(tx store.Tx) error {
		uid, err := store.SubjectUID(tx, claims.Subject)
		if errors.Is(err, apierror.ErrNotFound) || (err == nil && uid != claims.UID) {
			return errStaleToken
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return ctx, nil
}
