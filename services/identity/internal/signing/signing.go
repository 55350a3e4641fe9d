// Package signing holds identity's token-signing keys: one active ES256 key
// that signs new tokens, and retired keys that stay published in the JWKS
// until the last token they signed has expired.
package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

// Key is one ES256 signing key.
type Key struct {
	// ID is the key's RFC 7638 thumbprint, sent as the JWT "kid" header.
	ID      string
	Private *ecdsa.PrivateKey
	Created time.Time
	// Retired is when the key stopped signing; zero while it is active.
	Retired time.Time
}

// Generate makes a fresh P-256 key.
func Generate(now time.Time) (*Key, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return FromPrivate(priv, now)
}

// FromPrivate wraps an existing private key, deriving its ID.
func FromPrivate(priv *ecdsa.PrivateKey, created time.Time) (*Key, error) {
	thumb, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	return &Key{ID: base64.RawURLEncoding.EncodeToString(thumb), Private: priv, Created: created}, nil
}

func (k *Key) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.Private.PublicKey, KeyID: k.ID, Algorithm: tokenverify.Algorithm, Use: "sig"}
}

// Keyring is an immutable set of keys; rotation makes a new Keyring.
type Keyring struct {
	active  *Key
	retired []*Key
}

// NewKeyring returns a keyring with active signing and retired verifying.
func NewKeyring(active *Key, retired ...*Key) (*Keyring, error) {
	if active == nil || !active.Retired.IsZero() {
		return nil, errors.New("a keyring needs an active key")
	}
	return &Keyring{active: active, retired: retired}, nil
}

// Active is the key that signs new tokens.
func (r *Keyring) Active() *Key { return r.active }

// All returns the active key first, then the retired ones.
func (r *Keyring) All() []*Key { return append([]*Key{r.active}, r.retired...) }

// Rotate retires the active key in favour of next and drops retired keys
// whose every token has expired (retired more than maxTokenTTL ago).
func (r *Keyring) Rotate(next *Key, now time.Time, maxTokenTTL time.Duration) *Keyring {
	old := *r.active
	old.Retired = now
	kept := []*Key{&old}
	for _, k := range r.retired {
		if now.Sub(k.Retired) <= maxTokenTTL {
			kept = append(kept, k)
		}
	}
	return &Keyring{active: next, retired: kept}
}

// Sign signs the claims with the active key.
func (r *Keyring) Sign(c *tokenverify.Claims) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: r.active.Private, KeyID: r.active.ID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	token, err := jwt.Signed(signer).Claims(c.ToWire()).Serialize()
	if err != nil {
		return "", fmt.Errorf("signing token: %w", err)
	}
	return token, nil
}

// JWKS is the public key set verifiers fetch.
func (r *Keyring) JWKS() jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{}
	for _, k := range r.All() {
		set.Keys = append(set.Keys, k.public())
	}
	return set
}

// Key implements tokenverify.KeySource, so identity verifies its own
// tokens without a network round trip.
func (r *Keyring) Key(_ context.Context, kid string) (*jose.JSONWebKey, error) {
	for _, k := range r.All() {
		if k.ID == kid {
			pub := k.public()
			return &pub, nil
		}
	}
	return nil, fmt.Errorf("unknown key %q", kid)
}
