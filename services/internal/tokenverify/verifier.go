package tokenverify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/landlord-dev/landlord/services/internal/apierror"
)

// KeySource finds the public key a token names in its kid header.
type KeySource interface {
	// Key returns the key with the given id, or an error if there is none.
	Key(ctx context.Context, kid string) (*jose.JSONWebKey, error)
}

// Verifier checks tokens from one issuer for one audience.
type Verifier struct {
	Issuer   string
	Audience string
	Keys     KeySource
	// Leeway absorbs clock skew between issuer and verifier (default 30s).
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// CacheSize is how many verified tokens are remembered until they
	// expire (default 10000; negative disables the cache).
	CacheSize int

	cacheOnce sync.Once
	cache     *cache
}

// maxTokenBytes bounds the work an attacker can cause with one header.
const maxTokenBytes = 8 << 10

// Verify returns the claims of a valid token. Every failure wraps
// apierror.ErrUnauthenticated and says why in words safe to return.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	if raw == "" || len(raw) > maxTokenBytes {
		return nil, unauthenticated("missing or oversized token")
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	v.cacheOnce.Do(func() {
		if v.CacheSize >= 0 {
			v.cache = newCache(cmp.Or(v.CacheSize, 10000))
		}
	})
	if v.cache != nil {
		if claims, ok := v.cache.get(raw, now()); ok {
			return claims, nil
		}
	}
	claims, err := v.verify(ctx, raw, now())
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.put(raw, claims, now())
	}
	return claims, nil
}

// verify checks signature and claims.
func (v *Verifier) verify(ctx context.Context, raw string, now time.Time) (*Claims, error) {
	// Only ES256 is accepted: "none", HMAC and anything else fail to parse.
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return nil, unauthenticated("malformed token or unsupported algorithm")
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, unauthenticated("token has no key id")
	}
	key, err := v.Keys.Key(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return nil, unauthenticated("token signed by an unknown key")
	}
	var wire Wire
	if err := tok.Claims(key.Key, &wire); err != nil {
		return nil, unauthenticated("bad token signature")
	}
	leeway := v.Leeway
	if leeway == 0 {
		leeway = 30 * time.Second
	}
	if wire.Expiry == nil {
		return nil, unauthenticated("token has no expiry")
	}
	err = wire.Claims.ValidateWithLeeway(jwt.Expected{
		Issuer:      v.Issuer,
		AnyAudience: jwt.Audience{v.Audience},
		Time:        now,
	}, leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return nil, unauthenticated("token expired")
	case err != nil:
		return nil, unauthenticated("token not valid here: " + err.Error())
	}
	if wire.Subject == "" || wire.PreferredUsername == "" {
		return nil, unauthenticated("token names no subject")
	}
	return wire.claims(), nil
}

func unauthenticated(why string) error {
	return fmt.Errorf("%s: %w", why, apierror.ErrUnauthenticated)
}
