// Package auth signs users in: password login with lock-out, access tokens
// signed by the current key, and sessions of single-use refresh tokens
// whose reuse revokes their whole family (sessions.go).
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/keys"
	"github.com/landlord-dev/landlord/services/identity/internal/password"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// Config sets token lifetimes and the issuer's names.
type Config struct {
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// MaxSession is a login's absolute lifetime: its refresh tokens, and
	// the access tokens they yield, end then however often they are
	// refreshed (default 24h).
	MaxSession time.Duration
	// MaxConcurrentHashes bounds argon2id's memory (64 MiB per hash).
	MaxConcurrentHashes int
}

// Service implements login, refresh and logout.
type Service struct {
	cfg     Config
	store   store.Store
	keys    *keys.Manager
	lockout *lockout
	hashing chan struct{}
	now     func() time.Time
}

// New returns the service.
func New(cfg Config, s store.Store, k *keys.Manager) *Service {
	if cfg.MaxConcurrentHashes <= 0 {
		cfg.MaxConcurrentHashes = 4
	}
	if cfg.MaxSession <= 0 {
		cfg.MaxSession = 24 * time.Hour
	}
	return &Service{cfg: cfg, store: s, keys: k, lockout: newLockout(),
		hashing: make(chan struct{}, cfg.MaxConcurrentHashes), now: time.Now}
}

// errBadCredentials is the one answer to every failed login.
var errBadCredentials = fmt.Errorf("wrong username or password: %w", apierror.ErrUnauthenticated)

// Login checks a password and returns tokens. Unknown users, disabled users
// and wrong passwords are indistinguishable, in answer and in time.
func (s *Service) Login(ctx context.Context, username, pw, tenant string) (*identityv1.TokenSet, error) {
	now := s.now()
	if wait := s.lockout.wait(username, now); wait > 0 {
		return nil, &apierror.RateLimitedError{RetryAfter: wait.Round(time.Second)}
	}
	var rec *storagev1.UserRecord
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		rec, err = tx.GetUser(username)
		return err
	})
	if err != nil && !errors.Is(err, apierror.ErrNotFound) {
		return nil, err
	}
	ok, err := s.verify(ctx, rec, pw)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.lockout.fail(username, now)
		return nil, errBadCredentials
	}
	s.lockout.succeed(username)
	return s.issue(ctx, userPrincipal(rec), tenant, s.login(rec, now))
}

// verify checks pw against rec, spending the same time when rec is absent.
func (s *Service) verify(ctx context.Context, rec *storagev1.UserRecord, pw string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
		defer func() { <-s.hashing }()
	case <-ctx.Done():
		return false, ctx.Err()
	}
	if rec == nil || rec.GetPasswordHash() == "" || rec.GetUser().GetDisabled() {
		password.VerifyDummy(pw)
		return false, nil
	}
	ok, err := password.Verify(pw, rec.GetPasswordHash())
	if err != nil && !errors.Is(err, password.ErrTooLong) && !errors.Is(err, password.ErrEmpty) {
		return false, fmt.Errorf("stored password hash of %q: %w", rec.GetUser().GetName(), err)
	}
	return ok, nil
}

// hashToken is how refresh tokens are stored: never in the clear.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
