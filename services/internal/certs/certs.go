// Package certs builds the TLS configurations of Landlord's servers and of
// the clients that call them, from PEM files that are re-read when they
// change: a renewed certificate is served without a restart.
package certs

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Files are a certificate, its key and the CA that peers' certificates are
// verified against.
type Files struct {
	Cert, Key string
	// CA verifies the other side: the server's certificate for a client;
	// for a server, the client certificates of Landlord's services (mutual
	// TLS; callers without one still connect and use bearer tokens).
	CA string
}

// Enabled reports whether a certificate is configured.
func (f Files) Enabled() bool { return f.Cert != "" || f.Key != "" }

// Validate reports a half-configured pair.
func (f Files) Validate() error {
	if (f.Cert == "") != (f.Key == "") {
		return errors.New("TLS: give both a certificate and its key")
	}
	return nil
}

// Server is the TLS configuration of a server with f's certificate, which
// verifies the client certificates Landlord's services present against
// f.CA, if set.
func Server(f Files) (*tls.Config, error) {
	pair := &reloading{cert: f.Cert, key: f.Key}
	if _, err := pair.get(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return pair.get() },
	}
	if f.CA != "" {
		pool, err := loadPool(f.CA)
		if err != nil {
			return nil, err
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}

// Client is the TLS configuration of a client that trusts f.CA (the system
// roots if empty) and, if f names a certificate, presents it: a Landlord
// service proving itself to another.
func Client(f Files) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CA != "" {
		pool, err := loadPool(f.CA)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if f.Enabled() {
		pair := &reloading{cert: f.Cert, key: f.Key}
		if _, err := pair.get(); err != nil {
			return nil, err
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return pair.get() }
	}
	return cfg, nil
}

func loadPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TLS CA %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// reloading is a key pair that is re-read when either file's modification
// time changes; a pair that fails to load keeps the last good one in use.
type reloading struct {
	cert, key string

	mu      sync.Mutex
	current *tls.Certificate
	stamp   [2]time.Time
}

func (r *reloading) get() (*tls.Certificate, error) {
	stamp, err := modTimes(r.cert, r.key)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil && (r.current == nil || stamp != r.stamp) {
		pair, lerr := tls.LoadX509KeyPair(r.cert, r.key)
		if lerr == nil {
			r.current, r.stamp = &pair, stamp
		} else if r.current == nil {
			return nil, fmt.Errorf("TLS certificate: %w", lerr)
		}
	}
	if r.current == nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	return r.current, nil
}

func modTimes(paths ...string) (out [2]time.Time, err error) {
	for i, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return out, err
		}
		out[i] = info.ModTime()
	}
	return out, nil
}
