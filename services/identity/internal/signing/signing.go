// Package signing holds identity's token-signing keys: one active ES256 key
// that signs new tokens; the next key, published in the JWKS a whole
// rotation period before it signs anything, so verifiers that cache the
// JWKS (kube-apiserver does) know it the moment it takes over; and retired
// keys that stay published until the last token they signed has expired.
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
	next    *Key // nil only in keyrings made before keys were pre-published
	retired []*Key
}

// NewKeyring returns a keyring: active signs, next is published ahead of
// its turn (may be nil), retired only verify.
func NewKeyring(active, next *Key, retired ...*Key) (*Keyring, error) {
	if active == nil || !active.Retired.IsZero() {
		return nil, errors.New("a keyring needs an active key")
	}
	return &Keyring{active: active, next: next, retired: retired}, nil
}

// Active is the key that signs new tokens.
func (r *Keyring) Active() *Key { return r.active }

// Next is the key that signs after the next rotation, or nil.
func (r *Keyring) Next() *Key { return r.next }

// Retired are the keys that only verify.
func (r *Keyring) Retired() []*Key { return r.retired }

// All returns the active key, the next one and the retired ones.
func (r *Keyring) All() []*Key {
	all := []*Key{r.active}
	if r.next != nil {
		all = append(all, r.next)
	}
	return append(all, r.retired...)
}

// Rotate makes the next key active, publishes fresh as the new next key,
// retires the active key and drops retired keys whose every token has
// expired (retired more than maxTokenTTL ago).
func (r *Keyring) Rotate(fresh *Key, now time.Time, maxTokenTTL time.Duration) *Keyring {
	old := *r.active
	old.Retired = now
	kept := []*Key{&old}
	for _, k := range r.retired {
		if now.Sub(k.Retired) <= maxTokenTTL {
			kept = append(kept, k)
		}
	}
	if r.next == nil {
		return &Keyring{active: fresh, retired: kept}
	}
	return &Keyring{active: r.next, next: fresh, retired: kept}
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
