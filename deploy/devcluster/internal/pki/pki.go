// Package pki makes the dev cluster's certificate authority and the keys and
// certificates signed by it. Files are created once and reused, so a cluster
// restarted on the same state directory keeps its identity and clients'
// kubeconfigs stay valid.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

const validity = 10 * 365 * 24 * time.Hour

// CA is a signing certificate and its key.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Paths of a key pair in the PKI directory.
type Pair struct{ Cert, Key string }

// PairIn names the files of pair name in dir.
func PairIn(dir, name string) Pair {
	return Pair{Cert: filepath.Join(dir, name+".crt"), Key: filepath.Join(dir, name+".key")}
}

// LoadOrCreateCA loads the CA named name in dir, creating it on first use.
func LoadOrCreateCA(dir, name string) (*CA, error) {
	p := PairIn(dir, name)
	if exists(p.Cert) {
		return loadCA(p)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "landlord-dev-" + name},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := sign(tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	if err := writePair(p, der, key); err != nil {
		return nil, err
	}
	return loadCA(p)
}

// Serving issues (once) a TLS server certificate for hosts: IP addresses
// and DNS names.
func (ca *CA) Serving(p Pair, commonName string, hosts ...string) error {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	addHosts(tmpl, hosts)
	return ca.issue(p, tmpl)
}

// ServiceURIPrefix starts the URI a Landlord service's certificate carries:
// services admit each other by it over mutual TLS.
const ServiceURIPrefix = "spiffe://landlord/service/"

// Service issues (once) the certificate of Landlord service name: it
// serves TLS on hosts and proves the service to its peers as a client.
func (ca *CA) Service(p Pair, name string, hosts ...string) error {
	id, err := url.Parse(ServiceURIPrefix + name)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "landlord-" + name},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:        []*url.URL{id},
	}
	addHosts(tmpl, hosts)
	return ca.issue(p, tmpl)
}

func addHosts(tmpl *x509.Certificate, hosts []string) {
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
}

// Client issues (once) a client certificate; Kubernetes reads the common
// name as the user and the organizations as groups.
func (ca *CA) Client(p Pair, user string, groups ...string) error {
	return ca.issue(p, &x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

func (ca *CA) issue(p Pair, tmpl *x509.Certificate) error {
	if exists(p.Cert) && exists(p.Key) {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := sign(tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return err
	}
	return writePair(p, der, key)
}

// SigningKey creates (once) a key pair for signing service-account tokens:
// the private key at p.Key, its public key at p.Cert.
func SigningKey(p Pair) error {
	if exists(p.Key) && exists(p.Cert) {
		return nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := writeKey(p.Key, key); err != nil {
		return err
	}
	return os.WriteFile(p.Cert, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, signer *ecdsa.PrivateKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(validity)
	return x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
}

func writePair(p Pair, der []byte, key *ecdsa.PrivateKey) error {
	if err := writeKey(p.Key, key); err != nil {
		return err
	}
	return os.WriteFile(p.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func loadCA(p Pair) (*CA, error) {
	certPEM, err := os.ReadFile(p.Cert)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(p.Key)
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("%s: not PEM", p.Cert)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
