// Package apikeys issues, lists, revokes and checks the API keys of users
// and service accounts. A secret reads "llk_<id>_<random>": the id finds the
// record, the SHA-256 of the whole secret must match it.
package apikeys

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	storagev1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/storage/v1"
	identityv1 "github.com/landlord-dev/landlord/gen/go/landlord/identity/v1"
	"github.com/landlord-dev/landlord/services/identity/internal/memberships"
	"github.com/landlord-dev/landlord/services/identity/internal/store"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/subject"
)

// MaxLifetime bounds how far ahead a key may expire.
const MaxLifetime = 366 * 24 * time.Hour

// Service manages API keys.
type Service struct {
	Store store.Store
	Now   func() time.Time
	// FreshAuth is how recent the password login behind a request must be
	// to create a key (default 5m): a stolen access token, or one minted
	// from a key, cannot make itself a lasting credential.
	FreshAuth time.Duration
}

// DefaultFreshAuth is FreshAuth's default.
const DefaultFreshAuth = 5 * time.Minute

// Principal is who a valid key belongs to: the record with that uid.
type Principal struct {
	Subject       string
	UID           string
	PlatformAdmin bool
}

// ownerOrPlatformAdmin is the rule for a stored key, which the
// authorization table cannot apply because the owner is in the store, not
// the request: its owner and platform admins manage it; anyone else learns
// nothing about it. (Create and List name the owner in the request: the
// table admits only that owner and platform admins.)
func ownerOrPlatformAdmin(c memberships.Caller, owner string) error {
	if c.PlatformAdmin || c.Subject == owner {
		return nil
	}
	return fmt.Errorf("API keys of %s: %w", owner, apierror.ErrNotFound)
}

// Create makes a key for in.Owner and returns it with its secret.
// authTime is when the caller last proved a password (zero: never, e.g. a
// token from an API key); it must be within FreshAuth.
func (s *Service) Create(ctx context.Context, in *identityv1.ApiKey, authTime time.Time) (*identityv1.ApiKey, string, error) {
	now := s.Now()
	fresh := cmp.Or(s.FreshAuth, DefaultFreshAuth)
	if authTime.IsZero() || now.Sub(authTime) > fresh {
		return nil, "", fmt.Errorf("creating an API key needs a password login within the last %s; log in again and retry with the new access token: %w",
			fresh, apierror.ErrFailedPrecondition)
	}
	expire := in.GetExpireTime().AsTime()
	if in.GetExpireTime() == nil || !expire.After(now) || expire.Sub(now) > MaxLifetime {
		return nil, "", apierror.InvalidArgument("api_key.expire_time", "required, in the future and at most a year ahead")
	}
	// The id is hex, so the first "_" after it ends it.
	id := hex.EncodeToString(randomBytes(12))
	secret := "llk_" + id + "_" + base64.RawURLEncoding.EncodeToString(randomBytes(32))
	hash := sha256.Sum256([]byte(secret))
	rec := &storagev1.ApiKeyRecord{SecretHash: hash[:], ApiKey: &identityv1.ApiKey{
		Id: id, Owner: in.GetOwner(), DisplayName: in.GetDisplayName(), Prefix: secret[:12],
		CreateTime: timestamppb.New(now), ExpireTime: in.GetExpireTime()}}
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		o, err := ownerRecord(tx, in.GetOwner())
		if err != nil {
			return err
		}
		rec.OwnerUid = o.uid
		return tx.PutApiKey(rec)
	})
	if err != nil {
		return nil, "", err
	}
	return proto.Clone(rec.GetApiKey()).(*identityv1.ApiKey), secret, nil
}

// List returns owner's keys, never their secrets.
func (s *Service) List(ctx context.Context, owner string) ([]*identityv1.ApiKey, error) {
	var out []*identityv1.ApiKey
	err := s.Store.Read(ctx, func(tx store.Tx) error {
		recs, err := tx.ApiKeysOf(owner)
		for _, r := range recs {
			out = append(out, r.GetApiKey())
		}
		return err
	})
	return out, err
}

// Revoke stops a key from working.
func (s *Service) Revoke(ctx context.Context, c memberships.Caller, id string) (*identityv1.ApiKey, error) {
	var rec *storagev1.ApiKeyRecord
	err := s.Store.Write(ctx, func(tx store.Tx) (err error) {
		rec, err = revoke(tx, c, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec.GetApiKey(), nil
}

// revoke marks a key revoked; keys the caller may not manage are not found.
func revoke(tx store.ApiKeys, c memberships.Caller, id string) (*storagev1.ApiKeyRecord, error) {
	rec, err := tx.GetApiKey(id)
	if err != nil {
		return nil, err
	}
	if err := ownerOrPlatformAdmin(c, rec.GetApiKey().GetOwner()); err != nil {
		return nil, fmt.Errorf("API key %q: %w", id, apierror.ErrNotFound)
	}
	rec.ApiKey.Revoked = true
	return rec, tx.PutApiKey(rec)
}

// errBadKey is the one answer to every unusable key.
var errBadKey = fmt.Errorf("API key unknown, revoked or expired: %w", apierror.ErrUnauthenticated)

// Authenticate checks a secret and records its use.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	rest, ok := strings.CutPrefix(secret, "llk_")
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 {
		return nil, errBadKey
	}
	var p *Principal
	err := s.Store.Write(ctx, func(tx store.Tx) (err error) {
		p, err = s.authenticate(tx, id, secret)
		return err
	})
	return p, err
}

// keysTx is what checking a key reads and writes: the key, and the owner
// it belongs to.
type keysTx interface {
	store.ApiKeys
	owners
}

func (s *Service) authenticate(tx keysTx, id, secret string) (*Principal, error) {
	rec, err := tx.GetApiKey(id)
	if err != nil {
		return nil, errBadKey
	}
	hash := sha256.Sum256([]byte(secret))
	key := rec.GetApiKey()
	now := s.Now()
	if subtle.ConstantTimeCompare(hash[:], rec.GetSecretHash()) != 1 || key.GetRevoked() || !now.Before(key.GetExpireTime().AsTime()) {
		return nil, errBadKey
	}
	// A key works only for the record it was made for, not for a later
	// one with the same name.
	owner, err := ownerRecord(tx, key.GetOwner())
	if err != nil || owner.disabled || owner.uid != rec.GetOwnerUid() {
		return nil, errBadKey
	}
	key.LastUseTime = timestamppb.New(now)
	return &Principal{Subject: key.GetOwner(), UID: owner.uid, PlatformAdmin: owner.platformAdmin}, tx.PutApiKey(rec)
}

type owner struct {
	uid                     string
	disabled, platformAdmin bool
}

// owners are where the owners of keys are kept.
type owners interface {
	store.Users
	store.ServiceAccounts
}

// ownerRecord finds the user or service account a key belongs to.
func ownerRecord(tx owners, sub string) (owner, error) {
	s, err := subject.Parse(sub)
	switch {
	case err != nil:
	case s.Kind == subject.KindUser:
		u, err := tx.GetUser(s.Name)
		return owner{uid: u.GetUid(), disabled: u.GetUser().GetDisabled(), platformAdmin: u.GetPlatformAdmin()}, err
	case s.Kind == subject.KindServiceAccount:
		sa, err := tx.GetServiceAccount(s.Name)
		return owner{uid: sa.GetUid(), disabled: sa.GetServiceAccount().GetDisabled()}, err
	}
	return owner{}, apierror.InvalidArgument("owner", "must be user:<name> or serviceaccount:<name>")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
