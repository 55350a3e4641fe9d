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
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
)

// Config sets token lifetimes and the issuer's names.
type Config struct {
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// Hasher checks passwords within identity's one hashing budget
	// (required).
	Hasher *password.Hasher
	// PerAddress limits Login, Refresh, ExchangeApiKey and Logout per
	// client address; PerAccount limits Login per user name. Zero: no
	// limit.
	PerAddress, PerAccount ratelimit.Rate
	// MaxSession is a login's absolute lifetime: its refresh tokens, and
	// the access tokens they yield, end then however often they are
	// refreshed (default 24h).
	MaxSession time.Duration
}

// Service implements login, refresh and logout.
type Service struct {
	cfg       Config
	store     store.Store
	keys      *keys.Manager
	lockout   *lockout
	byAddress *ratelimit.Limiter
	byAccount *ratelimit.Limiter
	now       func() time.Time
}

// New returns the service.
func New(cfg Config, s store.Store, k *keys.Manager) *Service {
	if cfg.Hasher == nil {
		panic("auth: Config.Hasher is required")
	}
	if cfg.MaxSession <= 0 {
		cfg.MaxSession = 24 * time.Hour
	}
	return &Service{cfg: cfg, store: s, keys: k, lockout: newLockout(),
		byAddress: ratelimit.New(cfg.PerAddress, 0), byAccount: ratelimit.New(cfg.PerAccount, 0), now: time.Now}
}

// Admit applies the rate limits of the calls that sign in, before they
// cost anything: per client address, and per account name if there is one
// (""). Refusals are RESOURCE_EXHAUSTED with the wait until a retry.
func (s *Service) Admit(ctx context.Context, account string) error {
	now := s.now()
	if err := s.byAddress.Allow(ratelimit.ClientAddress(ctx), now); err != nil {
		return err
	}
	if account == "" {
		return nil
	}
	return s.byAccount.Allow(account, now)
}

// errBadCredentials is the one answer to every failed login.
var errBadCredentials = fmt.Errorf("wrong username or password: %w", apierror.ErrUnauthenticated)

// Login checks a password and returns tokens. Unknown users, disabled users
// and wrong passwords are indistinguishable, in answer and in time. The
// attempt counts against the lock-out before the password is checked, so
// parallel guesses cannot slip past it.
func (s *Service) Login(ctx context.Context, username, pw, tenant string) (*identityv1.TokenSet, error) {
	if err := s.Admit(ctx, username); err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.attempt(username, now); err != nil {
		return nil, err
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
		return nil, errBadCredentials
	}
	s.lockout.succeed(username)
	return s.issue(ctx, userPrincipal(rec), tenant, s.login(rec, now))
}

// Attempt counts a password guess for name (users.Guesses): SetPassword's
// check of a current password shares Login's lock-out.
func (s *Service) Attempt(name string) error { return s.attempt(name, s.now()) }

// Succeeded forgets name's failed guesses.
func (s *Service) Succeeded(name string) { s.lockout.succeed(name) }

func (s *Service) attempt(name string, now time.Time) error {
	if wait := s.lockout.attempt(name, now); wait > 0 {
		return &apierror.RateLimitedError{RetryAfter: wait.Round(time.Second)}
	}
	return nil
}

// verify checks pw against rec, spending the same time when rec is absent;
// both go through the Hasher's budget.
func (s *Service) verify(ctx context.Context, rec *storagev1.UserRecord, pw string) (bool, error) {
	if rec == nil || rec.GetPasswordHash() == "" || rec.GetUser().GetDisabled() {
		return false, s.cfg.Hasher.VerifyDummy(ctx, pw)
	}
	ok, err := s.cfg.Hasher.Verify(ctx, pw, rec.GetPasswordHash())
	switch {
	case password.Limited(err):
		return false, err
	case errors.Is(err, password.ErrInvalidHash):
		return false, fmt.Errorf("stored password hash of %q: %w", rec.GetUser().GetName(), err)
	}
	return ok, nil // an empty or too long password is just wrong
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
