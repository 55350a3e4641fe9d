package tokenverify

import (
	"cmp"
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
// service hammer the issuer. No lock is held while fetching: keys already
// cached are served while a fetch is in flight, and callers that need the
// new set wait for the one fetch, each only as long as its own context.
type RemoteJWKS struct {
	URL        string
	Client     *http.Client
	MinRefresh time.Duration // default 10s

	mu       sync.Mutex
	keys     jose.JSONWebKeySet
	fetched  time.Time
	inFlight *fetchCall // the running fetch, if any
}

// fetchCall is one fetch that callers wait for.
type fetchCall struct {
	done chan struct{}
	err  error // set before done is closed
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
	if k := r.keys.Key(kid); len(k) > 0 {
		r.mu.Unlock()
		return &k[0], nil
	}
	call := r.inFlight
	if call == nil {
		if time.Since(r.fetched) < cmp.Or(r.MinRefresh, 10*time.Second) {
			r.mu.Unlock()
			return nil, fmt.Errorf("unknown key %q", kid)
		}
		call = &fetchCall{done: make(chan struct{})}
		r.inFlight, r.fetched = call, time.Now()
		go r.fetch(call)
	}
	r.mu.Unlock()
	select {
	case <-call.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if call.err != nil {
		return nil, call.err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := r.keys.Key(kid); len(k) > 0 {
		return &k[0], nil
	}
	return nil, fmt.Errorf("unknown key %q", kid)
}

// fetch runs one fetch, detached from any one caller's context (the
// client's timeout bounds it), and swaps the new set in under the lock.
func (r *RemoteJWKS) fetch(call *fetchCall) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	set, err := r.get(ctx)
	r.mu.Lock()
	if err == nil {
		r.keys = set
	}
	r.inFlight = nil
	r.mu.Unlock()
	call.err = err
	close(call.done)
}

// fetchTimeout bounds a fetch whose Client sets no timeout.
const fetchTimeout = 10 * time.Second

func (r *RemoteJWKS) get(ctx context.Context) (jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return set, err
	}
	resp, err := r.Client.Do(req)
	if err != nil {
		return set, fmt.Errorf("fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return set, fmt.Errorf("fetching JWKS: %s", resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return set, fmt.Errorf("decoding JWKS: %w", err)
	}
	return set, nil
}
