package tokenverify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// RemoteJWKS fetches an issuer's JSON Web Key Set over HTTPS and caches it.
// An unknown kid triggers one refetch (so rotated-in keys are found at
// once), but at most every MinRefresh, so garbage tokens cannot make a
// service hammer the issuer.
type RemoteJWKS struct {
	URL        string
	Client     *http.Client
	MinRefresh time.Duration // default 10s

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// JWKSPath is where identity serves its key set, relative to the issuer
// URL; services that verify tokens fetch it from there.
const JWKSPath = "/openid/v1/jwks"

// NewRemoteJWKS fetches from url, trusting the CA in caPEM (or the system
// roots if caPEM is empty).
func NewRemoteJWKS(url string, caPEM []byte) (*RemoteJWKS, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("no certificate in the CA bundle")
		}
		tlsCfg.RootCAs = pool
	}
	return &RemoteJWKS{URL: url, Client: &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: tlsCfg},
	}}, nil
}

// Key returns the key with id kid, refetching the set once if it is unknown.
func (r *RemoteJWKS) Key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := r.keys.Key(kid); len(k) > 0 {
		return &k[0], nil
	}
	minRefresh := r.MinRefresh
	if minRefresh == 0 {
		minRefresh = 10 * time.Second
	}
	if time.Since(r.fetched) < minRefresh {
		return nil, fmt.Errorf("unknown key %q", kid)
	}
	if err := r.fetch(ctx); err != nil {
		return nil, err
	}
	if k := r.keys.Key(kid); len(k) > 0 {
		return &k[0], nil
	}
	return nil, fmt.Errorf("unknown key %q", kid)
}

func (r *RemoteJWKS) fetch(ctx context.Context) error {
	r.fetched = time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return err
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching JWKS: %s", resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return fmt.Errorf("decoding JWKS: %w", err)
	}
	r.keys = set
	return nil
}
