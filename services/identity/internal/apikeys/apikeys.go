// Package apikeys issues, lists, revokes and checks the API keys of users
// and service accounts. A secret reads "llk_<id>_<random>": the id finds the
// record, the SHA-256 of the whole secret must match it.
package apikeys

import (
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
)

// MaxLifetime bounds how far ahead a key may expire.
const MaxLifetime = 366 * 24 * time.Hour

// Service manages API keys.
type Service struct {
	Store store.Store
	Now   func() time.Time
}

// Principal is who a valid key belongs to.
type Principal struct {
	Subject       string
	PlatformAdmin bool
}

// mayManage lets callers manage their own keys, platform admins all keys;
// anyone else learns nothing about the owner.
func mayManage(c memberships.Caller, owner string) error {
	if c.PlatformAdmin || c.Subject == owner {
		return nil
	}
	return fmt.Errorf("API keys of %s: %w", owner, apierror.ErrNotFound)
}

// Create makes a key for in.Owner and returns it with its secret.
func (s *Service) Create(ctx context.Context, c memberships.Caller, in *identityv1.ApiKey) (*identityv1.ApiKey, string, error) {
	if err := mayManage(c, in.GetOwner()); err != nil {
		return nil, "", err
	}
	now := s.Now()
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
		if _, err := ownerRecord(tx, in.GetOwner()); err != nil {
			return err
		}
		return tx.PutApiKey(rec)
	})
	if err != nil {
		return nil, "", err
	}
	return proto.Clone(rec.GetApiKey()).(*identityv1.ApiKey), secret, nil
}

// List returns owner's keys, never their secrets.
func (s *Service) List(ctx context.Context, c memberships.Caller, owner string) ([]*identityv1.ApiKey, error) {
	if err := mayManage(c, owner); err != nil {
		return nil, err
	}
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
		if rec, err = tx.GetApiKey(id); err != nil {
			return err
		}
		if err := mayManage(c, rec.GetApiKey().GetOwner()); err != nil {
			return fmt.Errorf("API key %q: %w", id, apierror.ErrNotFound)
		}
		rec.ApiKey.Revoked = true
		return tx.PutApiKey(rec)
	})
	if err != nil {
		return nil, err
	}
	return rec.GetApiKey(), nil
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
	err := s.Store.Write(ctx, func(tx store.Tx) error {
		rec, err := tx.GetApiKey(id)
		if err != nil {
			return errBadKey
		}
		hash := sha256.Sum256([]byte(secret))
		key := rec.GetApiKey()
		now := s.Now()
		if subtle.ConstantTimeCompare(hash[:], rec.GetSecretHash()) != 1 || key.GetRevoked() || !now.Before(key.GetExpireTime().AsTime()) {
			return errBadKey
		}
		owner, err := ownerRecord(tx, key.GetOwner())
		if err != nil || owner.disabled {
			return errBadKey
		}
		key.LastUseTime = timestamppb.New(now)
		p = &Principal{Subject: key.GetOwner(), PlatformAdmin: owner.platformAdmin}
		return tx.PutApiKey(rec)
	})
	return p, err
}

type owner struct{ disabled, platformAdmin bool }

// ownerRecord finds the user or service account a key belongs to.
func ownerRecord(tx store.Tx, subject string) (owner, error) {
	kind, name, _ := strings.Cut(subject, ":")
	switch kind {
	case "user":
		u, err := tx.GetUser(name)
		return owner{disabled: u.GetUser().GetDisabled(), platformAdmin: u.GetPlatformAdmin()}, err
	case "serviceaccount":
		sa, err := tx.GetServiceAccount(name)
		return owner{disabled: sa.GetServiceAccount().GetDisabled()}, err
	}
	return owner{}, apierror.InvalidArgument("owner", "must be user:<name> or serviceaccount:<name>")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
