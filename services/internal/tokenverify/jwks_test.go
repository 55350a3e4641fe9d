package tokenverify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/landlord-dev/landlord/services/internal/tokenverify"
)

const issuer, audience = "https://identity.test", "landlord"

// key is an ES256 key pair named kid.
func key(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: priv, KeyID: kid, Algorithm: "ES256", Use: "sig"}
}

// token signs a fresh token for user with k.
func token(t *testing.T, k jose.JSONWebKey, user string) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := &tokenverify.Claims{Issuer: issuer, Audience: []string{audience}, Subject: "user:" + user, Username: user,
		IssuedAt: now, Expiry: now.Add(time.Minute)}
	raw, err := jwt.Signed(signer).Claims(c.ToWire()).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestCachedKeysVerifyWhileAFetchIsInFlight: an unknown kid makes the
// verifier fetch the JWKS from a slow issuer; while that fetch hangs,
// tokens signed by a cached key still verify at once, and a caller waiting
// for the fetch gives up when its own context ends. When the issuer
// answers, the new key verifies.
func TestCachedKeysVerifyWhileAFetchIsInFlight(t *testing.T) {
	old, rotated := key(t, "old"), key(t, "rotated")
	var requests atomic.Int32
	slowStarted, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{old.Public()}}
		if requests.Add(1) > 1 { // every later fetch hangs until released
			close(slowStarted)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			set.Keys = append(set.Keys, rotated.Public())
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer srv.Close()
	defer close(release)
	jwks := &tokenverify.RemoteJWKS{URL: srv.URL, Client: srv.Client(), MinRefresh: time.Nanosecond}
	v := &tokenverify.Verifier{Issuer: issuer, Audience: audience, Keys: jwks, CacheSize: -1}
	ctx := context.Background()
	if _, err := v.Verify(ctx, token(t, old, "ann")); err != nil {
		t.Fatalf("first token: %v", err)
	}

	rotatedDone := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, token(t, rotated, "bob")); rotatedDone <- err }()
	<-slowStarted

	cachedDone := make(chan error, 1)
	go func() { _, err := v.Verify(ctx, token(t, old, "cid")); cachedDone <- err }()
	select {
	case err := <-cachedDone:
		if err != nil {
			t.Errorf("cached key during the fetch: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a token signed by a cached key waited for the JWKS fetch")
	}

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := jwks.Key(short, "rotated"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for the fetch past the caller's deadline: %v", err)
	}
	release <- struct{}{}
	if err := <-rotatedDone; err != nil {
		t.Errorf("rotated key after the fetch: %v", err)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("%d fetches, want 2: concurrent callers share one", n)
	}
}
