package signing_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/landlord-dev/landlord/services/identity/internal/signing"
	"github.com/landlord-dev/landlord/services/internal/apierror"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

const issuer = "https://127.0.0.1:8443"

var start = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func claims(now time.Time) *tokenverify.Claims {
	return &tokenverify.Claims{
		Issuer: issuer, Subject: "user:ann", Username: "ann", Audience: []string{"landlord"},
		Groups: []string{"landlord:tenant:acme:editor"}, ID: "jti-1",
		IssuedAt: now, Expiry: now.Add(15 * time.Minute),
	}
}

func keyring(t testing.TB) *signing.Keyring {
	t.Helper()
	k, err := signing.Generate(start)
	if err != nil {
		t.Fatal(err)
	}
	next, err := signing.Generate(start)
	if err != nil {
		t.Fatal(err)
	}
	r, err := signing.NewKeyring(k, next)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func verifier(keys tokenverify.KeySource, now time.Time) *tokenverify.Verifier {
	return &tokenverify.Verifier{Issuer: issuer, Audience: "landlord", Keys: keys, Now: func() time.Time { return now }}
}

func TestSignedTokenVerifies(t *testing.T) {
	r := keyring(t)
	token, err := r.Sign(claims(start))
	if err != nil {
		t.Fatal(err)
	}
	got, err := verifier(r, start.Add(time.Minute)).Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "user:ann" || got.Username != "ann" || len(got.Groups) != 1 || got.Groups[0] != "landlord:tenant:acme:editor" {
		t.Errorf("claims = %+v", got)
	}
	header, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if !strings.Contains(string(header), `"alg":"ES256"`) || !strings.Contains(string(header), `"kid":"`+r.Active().ID+`"`) {
		t.Errorf("header = %s", header)
	}
}

func TestBadTokensAreUnauthenticated(t *testing.T) {
	r := keyring(t)
	good, _ := r.Sign(claims(start))
	other := keyring(t)
	forged, _ := other.Sign(claims(start))
	wrongAudience := claims(start)
	wrongAudience.Audience = []string{"someone-else"}
	wrongAud, _ := r.Sign(wrongAudience)
	none := unsignedToken(t, claims(start))
	hmac := hmacToken(t, claims(start), r.Active().ID)

	cases := map[string]struct {
		token string
		at    time.Time
	}{
		"expired":               {good, start.Add(16 * time.Minute)},
		"signed by another key": {forged, start},
		"alg none":              {none, start},
		"alg HS256":             {hmac, start},
		"wrong audience":        {wrongAud, start},
		"garbage":               {"not.a.token", start},
		"empty":                 {"", start},
		"tampered payload":      {tamper(good), start},
	}
	for name, tc := range cases {
		_, err := verifier(r, tc.at).Verify(context.Background(), tc.token)
		if !errors.Is(err, apierror.ErrUnauthenticated) {
			t.Errorf("%s: err = %v, want unauthenticated", name, err)
		}
	}
}

func TestRotationPrePublishesAndKeepsOldKeysUntilTheirTokensExpire(t *testing.T) {
	r := keyring(t)
	oldToken, _ := r.Sign(claims(start))
	if len(r.JWKS().Keys) != 2 {
		t.Fatalf("a fresh keyring publishes %d keys, want active and next", len(r.JWKS().Keys))
	}
	promoted := r.Next()
	fresh, _ := signing.Generate(start.Add(time.Hour))
	rotated := r.Rotate(fresh, start.Add(time.Minute), 15*time.Minute)

	// The key that now signs was published before the rotation.
	if rotated.Active().ID != promoted.ID || rotated.Next().ID != fresh.ID || len(rotated.JWKS().Keys) != 3 {
		t.Fatalf("after rotation: active %s (want %s), %d published keys", rotated.Active().ID, promoted.ID, len(rotated.JWKS().Keys))
	}
	if _, err := verifier(rotated, start.Add(2*time.Minute)).Verify(context.Background(), oldToken); err != nil {
		t.Errorf("token of the retired key: %v", err)
	}
	newToken, _ := rotated.Sign(claims(start.Add(2 * time.Minute)))
	if _, err := verifier(rotated, start.Add(3*time.Minute)).Verify(context.Background(), newToken); err != nil {
		t.Errorf("token of the new key: %v", err)
	}
	// Once every token of the retired key has expired, the next rotation
	// drops it from the JWKS.
	third, _ := signing.Generate(start)
	later := rotated.Rotate(third, start.Add(time.Hour), 15*time.Minute)
	if n := len(later.JWKS().Keys); n != 3 {
		t.Errorf("published keys after the old key's tokens expired: %d, want 3 (active, next, just retired)", n)
	}
}

// unsignedToken is a well-formed alg=none token with valid claims.
func unsignedToken(t *testing.T, c *tokenverify.Claims) string {
	t.Helper()
	body, err := json.Marshal(c.ToWire())
	if err != nil {
		t.Fatal(err)
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return header + "." + base64.RawURLEncoding.EncodeToString(body) + "."
}

func hmacToken(t *testing.T, c *tokenverify.Claims, kid string) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(c.ToWire()).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tamper(token string) string {
	parts := strings.Split(token, ".")
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	body = []byte(strings.Replace(string(body), "landlord:tenant:acme:editor", "landlord:tenant:acme:owner", 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(body)
	return strings.Join(parts, ".")
}

func TestCachedTokensStillExpire(t *testing.T) {
	r := keyring(t)
	token, _ := r.Sign(claims(start))
	now := start
	v := &tokenverify.Verifier{Issuer: issuer, Audience: "landlord", Keys: r, Now: func() time.Time { return now }}
	for range 2 { // the second call is answered from the cache
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
	}
	now = start.Add(16 * time.Minute)
	if _, err := v.Verify(context.Background(), token); !errors.Is(err, apierror.ErrUnauthenticated) {
		t.Errorf("cached token after expiry: %v", err)
	}
	if _, err := v.Verify(context.Background(), tamper(token)); !errors.Is(err, apierror.ErrUnauthenticated) {
		t.Errorf("tampered copy of a cached token: %v", err)
	}
}

// BenchmarkVerify measures one ES256 verification (uncached: every call a
// new token to the verifier) against the cached path a client re-sending
// its token takes.
func BenchmarkVerify(b *testing.B) {
	r := keyring(b)
	token, _ := r.Sign(claims(start))
	at := func() time.Time { return start.Add(time.Minute) }
	b.Run("uncached", func(b *testing.B) {
		v := &tokenverify.Verifier{Issuer: issuer, Audience: "landlord", Keys: r, Now: at, CacheSize: -1}
		for b.Loop() {
			if _, err := v.Verify(context.Background(), token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		v := &tokenverify.Verifier{Issuer: issuer, Audience: "landlord", Keys: r, Now: at}
		for b.Loop() {
			if _, err := v.Verify(context.Background(), token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
