// Package auth signs users in: password login with lock-out, access tokens
// signed by the current key, and single-use refresh tokens whose reuse
// revokes their whole family.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/keys"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/password"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/subject"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
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
	if wait := s.lockout.attempt(username, s.now()); wait > 0 {
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
		return nil, errBadCredentials
	}
	s.lockout.succeed(username)
	return s.issue(ctx, userPrincipal(rec), tenant, newID())
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

// Refresh exchanges a refresh token once; a second use revokes the family.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*identityv1.TokenSet, error) {
	if err := s.Admit(ctx, ""); err != nil {
		return nil, err
	}
	hash := hashToken(refreshToken)
	var (
		rec    *storagev1.RefreshTokenRecord
		user   *storagev1.UserRecord
		reused bool
	)
	err := s.store.Write(ctx, func(tx store.Tx) (err error) {
		rec, user, reused, err = redeem(tx, hash)
		return err
	})
	switch {
	case errors.Is(err, apierror.ErrNotFound):
		return nil, fmt.Errorf("refresh token unknown or revoked: %w", apierror.ErrUnauthenticated)
	case err != nil:
		return nil, err
	case reused:
		return nil, fmt.Errorf("refresh token reused; every token of this login is revoked: %w", apierror.ErrUnauthenticated)
	case s.now().After(rec.GetExpireTime().AsTime()):
		return nil, fmt.Errorf("refresh token expired: %w", apierror.ErrUnauthenticated)
	case user.GetUser().GetDisabled():
		return nil, fmt.Errorf("user disabled: %w", apierror.ErrUnauthenticated)
	}
	return s.issue(ctx, userPrincipal(user), rec.GetTenant(), rec.GetFamily())
}

// redeemTx is what redeeming a refresh token reads and writes: the token's
// family, and its user.
type redeemTx interface {
	store.RefreshTokens
	store.Users
}

// redeem marks a refresh token used and returns it with its user. A token
// used before is reused: its whole family is revoked instead.
func redeem(tx redeemTx, hash []byte) (rec *storagev1.RefreshTokenRecord, user *storagev1.UserRecord, reused bool, err error) {
	if rec, err = tx.GetRefreshToken(hash); err != nil {
		return nil, nil, false, err
	}
	if rec.GetUsed() {
		return rec, nil, true, tx.RevokeFamily(rec.GetFamily())
	}
	rec.Used = true
	if err := tx.PutRefreshToken(hash, rec); err != nil {
		return nil, nil, false, err
	}
	sub, err := subject.Parse(rec.GetSubject())
	if err != nil || !sub.IsUser() {
		return nil, nil, false, fmt.Errorf("refresh token of %q, not a user: %w", rec.GetSubject(), apierror.ErrNotFound)
	}
	user, err = tx.GetUser(sub.Name)
	return rec, user, false, err
}

// Exchange issues an access token, without a refresh token, to a subject
// that proved itself another way (an API key).
func (s *Service) Exchange(ctx context.Context, sub string, platformAdmin bool, tenant string) (*identityv1.TokenSet, error) {
	username := sub
	if parsed, err := subject.Parse(sub); err == nil && parsed.IsUser() {
		username = parsed.Name
	}
	return s.issue(ctx, principal{subject: sub, username: username, platformAdmin: platformAdmin}, tenant, "")
}

// principal is whom a token is issued to.
type principal struct {
	subject, username string
	platformAdmin     bool
}

// userPrincipal: users are "user:<name>", known to Kubernetes by <name>.
func userPrincipal(rec *storagev1.UserRecord) principal {
	name := rec.GetUser().GetName()
	return principal{subject: subject.User(name).String(), username: name, platformAdmin: rec.GetPlatformAdmin()}
}

// Logout revokes the refresh token's family. Unknown tokens are not an
// error: the caller is signed out either way.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	if err := s.Admit(ctx, ""); err != nil { // anyone may call it, and it writes
		return err
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return revoke(tx, hashToken(refreshToken)) })
}

// revoke deletes the family of the token with that hash, if any.
func revoke(tx store.RefreshTokens, hash []byte) error {
	rec, err := tx.GetRefreshToken(hash)
	if errors.Is(err, apierror.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return tx.RevokeFamily(rec.GetFamily())
}

// issue signs an access token with the principal's current memberships
// and, unless family is "", stores a fresh refresh token in that family.
// Nothing is written unless the tokens can be issued.
func (s *Service) issue(ctx context.Context, p principal, tenant, family string) (*identityv1.TokenSet, error) {
	subject := p.subject
	var (
		effective  []*identityv1.Membership
		userGroups []string
	)
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		effective, userGroups, err = memberships.Effective(tx, subject)
		return err
	})
	if err != nil {
		return nil, err
	}
	groups := roles.Groups(effective, p.platformAdmin, tenant)
	if tenant != "" && !p.platformAdmin && len(groups) == 0 {
		// Scoping to a tenant one is not in reveals nothing about it.
		return nil, fmt.Errorf("tenant %q: %w", tenant, apierror.ErrNotFound)
	}
	groups = append(groups, roles.UserGroups(userGroups)...)
	now := s.now()
	claims := &tokenverify.Claims{
		Issuer: s.cfg.Issuer, Audience: []string{s.cfg.Audience},
		Subject: subject, Username: p.username, Groups: groups, Tenant: tenant,
		ID: newID(), IssuedAt: now, Expiry: now.Add(s.cfg.AccessTTL),
	}
	access, err := s.keys.Keyring().Sign(claims)
	if err != nil {
		return nil, err
	}
	tokens := &identityv1.TokenSet{
		AccessToken:           access,
		AccessTokenExpireTime: timestamppb.New(claims.Expiry),
		TokenType:             "Bearer",
	}
	if family == "" {
		return tokens, nil
	}
	refresh := newID() + newID()
	refreshRec := &storagev1.RefreshTokenRecord{
		Family: family, Subject: subject, Tenant: tenant,
		ExpireTime: timestamppb.New(now.Add(s.cfg.RefreshTTL)),
	}
	if err := s.store.Write(ctx, func(tx store.Tx) error { return tx.PutRefreshToken(hashToken(refresh), refreshRec) }); err != nil {
		return nil, err
	}
	tokens.RefreshToken, tokens.RefreshTokenExpireTime = refresh, refreshRec.GetExpireTime()
	return tokens, nil
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
