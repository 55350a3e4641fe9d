package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/roles"
	"github.com/landlord-dev/landlord/services/internal/subject"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// A session is one login: a family of single-use refresh tokens, each
// replaced by the next when redeemed, that ends at a fixed time (the
// family's expire time) or when revoked. Revoking deletes the tokens and
// leaves the family as a tombstone until it expires, and a new token joins
// a family only in a transaction that finds it live and its user the same
// record (uid) as at login: a refresh racing a logout, a password change or
// the user's deletion cannot bring the session back.

var (
	errUnknownRefresh = fmt.Errorf("refresh token unknown or revoked: %w", apierror.ErrUnauthenticated)
	errSessionEnded   = fmt.Errorf("the session ended (logout, password change or user deleted); log in again: %w", apierror.ErrUnauthenticated)
	errSubjectGone    = fmt.Errorf("the account this credential belongs to no longer exists: %w", apierror.ErrUnauthenticated)
)

// session is the family a token set joins; nil for tokens without a
// refresh token (API key exchanges).
type session struct {
	family *storagev1.RefreshFamilyRecord
	// passwordHash is, for a login, the hash the password was checked
	// against: the session starts only if it is still the user's.
	passwordHash string
	login        bool
	// parent is, for a device login, the approving session: the device's
	// session starts only while that one is live.
	parent SessionRef
}

// login starts the session of a user who just proved its password.
func (s *Service) login(user *storagev1.UserRecord, now time.Time) *session {
	return &session{login: true, passwordHash: user.GetPasswordHash(), family: &storagev1.RefreshFamilyRecord{
		Id: newID(), Subject: subject.User(user.GetUser().GetName()).String(), OwnerUid: user.GetUid(),
		AuthTime: timestamppb.New(now), ExpireTime: timestamppb.New(now.Add(s.cfg.MaxSession)),
	}}
}

// Refresh exchanges a refresh token once; a second use revokes the family.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*identityv1.TokenSet, error) {
	if err := s.Admit(ctx, ""); err != nil {
		return nil, err
	}
	var r redeemed
	err := s.store.Write(ctx, func(tx store.Tx) (err error) {
		r, err = redeem(tx, hashToken(refreshToken), s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.refusal != nil {
		return nil, r.refusal
	}
	return s.issue(ctx, userPrincipal(r.user), r.token.GetTenant(), &session{family: r.family})
}

// redeemed is the outcome of redeeming a refresh token. A refusal is not
// an error of the transaction: what redeem wrote (a used mark, a revoked
// family) must be committed.
type redeemed struct {
	token   *storagev1.RefreshTokenRecord
	family  *storagev1.RefreshFamilyRecord
	user    *storagev1.UserRecord
	refusal error
}

// redeemTx is what redeeming a refresh token reads and writes: the token's
// family, and its user.
type redeemTx interface {
	store.RefreshTokens
	store.Users
}

// redeem marks a refresh token used and returns it with its family and
// user. A token used before is reused: its whole family is revoked
// instead; so is a family whose user is gone or was re-created.
func redeem(tx redeemTx, hash []byte, now time.Time) (redeemed, error) {
	tok, err := tx.GetRefreshToken(hash)
	if errors.Is(err, apierror.ErrNotFound) {
		return redeemed{refusal: errUnknownRefresh}, nil
	}
	if err != nil {
		return redeemed{}, err
	}
	fam, err := tx.GetRefreshFamily(tok.GetFamily())
	switch {
	case errors.Is(err, apierror.ErrNotFound) || (err == nil && fam.GetRevoked()):
		return redeemed{refusal: errUnknownRefresh}, tx.RevokeFamily(tok.GetFamily())
	case err != nil:
		return redeemed{}, err
	case tok.GetUsed():
		return redeemed{refusal: fmt.Errorf("refresh token reused; every token of this login is revoked: %w", apierror.ErrUnauthenticated)},
			tx.RevokeFamily(fam.GetId())
	}
	tok.Used = true
	if err := tx.PutRefreshToken(hash, tok); err != nil {
		return redeemed{}, err
	}
	if now.After(tok.GetExpireTime().AsTime()) || now.After(fam.GetExpireTime().AsTime()) {
		return redeemed{refusal: fmt.Errorf("refresh token expired: %w", apierror.ErrUnauthenticated)}, nil
	}
	user, err := sessionUser(tx, fam)
	if errors.Is(err, errSessionEnded) {
		return redeemed{refusal: err}, tx.RevokeFamily(fam.GetId())
	}
	if err != nil {
		return redeemed{}, err
	}
	if user.GetUser().GetDisabled() {
		return redeemed{refusal: fmt.Errorf("user disabled: %w", apierror.ErrUnauthenticated)}, nil
	}
	return redeemed{token: tok, family: fam, user: user}, nil
}

// sessionUser is the user a family belongs to, if its record is still the
// one the family was made for.
func sessionUser(tx store.Users, fam *storagev1.RefreshFamilyRecord) (*storagev1.UserRecord, error) {
	sub, err := subject.Parse(fam.GetSubject())
	if err != nil || !sub.IsUser() {
		return nil, errSessionEnded
	}
	user, err := tx.GetUser(sub.Name)
	if errors.Is(err, apierror.ErrNotFound) || (err == nil && user.GetUid() != fam.GetOwnerUid()) {
		return nil, errSessionEnded
	}
	return user, err
}

// Exchange issues an access token, without a refresh token, to a subject
// that proved itself another way (an API key): the record with that uid.
func (s *Service) Exchange(ctx context.Context, sub, uid string, platformAdmin bool, tenant string) (*identityv1.TokenSet, error) {
	username := sub
	if parsed, err := subject.Parse(sub); err == nil && parsed.IsUser() {
		username = parsed.Name
	}
	return s.issue(ctx, principal{subject: sub, username: username, uid: uid, platformAdmin: platformAdmin}, tenant, nil)
}

// principal is whom a token is issued to.
type principal struct {
	subject, username, uid string
	platformAdmin          bool
}

// userPrincipal: users are "user:<name>", known to Kubernetes by <name>.
func userPrincipal(rec *storagev1.UserRecord) principal {
	name := rec.GetUser().GetName()
	return principal{subject: subject.User(name).String(), username: name, uid: rec.GetUid(), platformAdmin: rec.GetPlatformAdmin()}
}

// Logout revokes the refresh token's family. Unknown tokens are not an
// error: the caller is signed out either way.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	if err := s.Admit(ctx, ""); err != nil { // anyone may call it, and it writes
		return err
	}
	return s.store.Write(ctx, func(tx store.Tx) error { return revoke(tx, hashToken(refreshToken)) })
}

// revoke revokes the family of the token with that hash, if any.
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
// and, in a session, stores a fresh refresh token of its family. Nothing
// is written unless the tokens can be issued, and nothing joins a session
// that ended meanwhile.
func (s *Service) issue(ctx context.Context, p principal, tenant string, sess *session) (*identityv1.TokenSet, error) {
	var (
		effective  []*identityv1.Membership
		userGroups []string
		tiers      []string
	)
	err := s.store.Read(ctx, func(tx store.Tx) error {
		uid, err := store.SubjectUID(tx, p.subject)
		if errors.Is(err, apierror.ErrNotFound) || (err == nil && uid != p.uid) {
			return errSubjectGone
		}
		if err != nil {
			return err
		}
		effective, userGroups, err = memberships.Effective(tx, p.subject)
		if err != nil {
			return err
		}
		tiers, err = memberships.Tiers(tx, effective, tenant)
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
	groups = append(groups, roles.TierGroups(tiers)...)
	now := s.now()
	claims := &tokenverify.Claims{
		Issuer: s.cfg.Issuer, Audience: []string{s.cfg.Audience},
		Subject: p.subject, Username: p.username, Groups: groups, Tenant: tenant, UID: p.uid,
		ID: newID(), IssuedAt: now, Expiry: now.Add(s.cfg.AccessTTL),
	}
	if sess != nil {
		claims.SessionID = sess.family.GetId()
		if at := sess.family.GetAuthTime(); at != nil {
			claims.AuthTime = at.AsTime()
		}
		claims.Expiry = earliest(claims.Expiry, sess.family.GetExpireTime())
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
	if sess == nil {
		return tokens, nil
	}
	refresh := newID() + newID()
	refreshRec := &storagev1.RefreshTokenRecord{
		Family: sess.family.GetId(), Subject: p.subject, Tenant: tenant,
		ExpireTime: timestamppb.New(earliest(now.Add(s.cfg.RefreshTTL), sess.family.GetExpireTime())),
	}
	err = s.store.Write(ctx, func(tx store.Tx) error {
		if err := sess.join(tx, now); err != nil {
			return err
		}
		return tx.PutRefreshToken(hashToken(refresh), refreshRec)
	})
	if err != nil {
		return nil, err
	}
	tokens.RefreshToken, tokens.RefreshTokenExpireTime = refresh, refreshRec.GetExpireTime()
	return tokens, nil
}

// joinTx is what adding a token to a session reads and writes.
type joinTx interface {
	store.RefreshTokens
	store.Users
}

// join checks, in the transaction that adds a refresh token, that the
// session may have one: a login's user still has the record and password
// it was checked against (the family is stored then); a device login's
// approving session is still live (the family is stored then); a
// refreshed family is live, not a tombstone, and its user the same record.
func (sess *session) join(tx joinTx, now time.Time) error {
	user, err := sessionUser(tx, sess.family)
	if err != nil {
		return err
	}
	if sess.login {
		if user.GetPasswordHash() != sess.passwordHash {
			return errSessionEnded
		}
		return tx.PutRefreshFamily(sess.family)
	}
	if sess.parent.SessionID != "" {
		if _, _, err := liveSession(tx, sess.parent, now); err != nil {
			return err
		}
		return tx.PutRefreshFamily(sess.family)
	}
	fam, err := tx.GetRefreshFamily(sess.family.GetId())
	if errors.Is(err, apierror.ErrNotFound) || (err == nil && fam.GetRevoked()) {
		return errSessionEnded
	}
	return err
}

// earliest is the earlier of t and the end ts, if set.
func earliest(t time.Time, end *timestamppb.Timestamp) time.Time {
	if end != nil && end.AsTime().Before(t) {
		return end.AsTime()
	}
	return t
}

// collectBatch bounds the work of one collecting transaction, so logins
// and refreshes wait for the store's write lock only briefly.
const collectBatch = 1000

// Collect deletes the refresh tokens and sessions (tombstones included)
// that have expired, in small transactions, and returns how many.
func (s *Service) Collect(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		err := s.store.Write(ctx, func(tx store.Tx) (err error) {
			n, err = tx.CollectRefreshTokens(s.now(), collectBatch)
			return err
		})
		total += n
		if err != nil || n < collectBatch {
			return total, err
		}
	}
}

// CollectEvery runs Collect every period until ctx ends.
func (s *Service) CollectEvery(ctx context.Context, period time.Duration, onError func(error)) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		if _, err := s.Collect(ctx); err != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
