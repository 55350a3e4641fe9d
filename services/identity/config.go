// Package identity wires the identity service: its store, signing keys,
// gRPC API and the HTTPS OIDC issuer that Kubernetes trusts.
package identity

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/landlord-dev/landlord/services/identity/internal/audit"
	"github.com/landlord-dev/landlord/services/identity/internal/device"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/ratelimit"
)

// Config is identity's configuration. Defaults suit `make run`.
type Config struct {
	// StateDir holds identity.db, the dev key-encryption key and the
	// bootstrap admin's credentials.
	StateDir string
	// GRPCAddr serves the gRPC API; HTTPAddr serves /metrics. Both serve
	// TLS with API's certificate, which is required off loopback.
	GRPCAddr string
	HTTPAddr string
	API      certs.Files

	// Issuer is the token issuer URL; IssuerAddr serves it over HTTPS with
	// TLSCert and TLSKey.
	Issuer     string
	IssuerAddr string
	TLSCert    string
	TLSKey     string
	Audience   string

	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	KeyRotation     time.Duration
	// SessionLifetime is a login's absolute lifetime: refreshing never
	// takes a session past it (RefreshTokenTTL is the idle lifetime).
	SessionLifetime time.Duration
	// ApiKeyFreshAuth is how recent the password login behind a
	// CreateApiKey call must be.
	ApiKeyFreshAuth time.Duration
	// SessionSweep is how often expired refresh tokens and ended sessions
	// are deleted from the store.
	SessionSweep time.Duration
	// DeviceLogin bounds device logins (RFC 8628): how long one waits for
	// approval, the poll interval, how many wait at once, in all and per
	// client address, and how many wrong user codes an approver may try a
	// minute. Zero values take device's defaults (10 minutes, 5 seconds,
	// 1,000, 10, 5).
	DeviceLogin device.Config

	// KEK is the base64 key-encryption key (LANDLORD_IDENTITY_KEK); empty
	// uses, or creates, StateDir/kek.
	KEK string
	// BootstrapPassword, if set, is the first admin's password
	// (LANDLORD_BOOTSTRAP_ADMIN_PASSWORD); else one is generated.
	BootstrapPassword string

	Limits Limits
}

// Limits bound what callers can make identity spend (deploy/security.md).
type Limits struct {
	// PasswordHashMemoryMiB is the memory all password hashes in flight
	// may use together: each argon2id hash holds 64 MiB, so the default
	// 256 runs four at once. Up to PasswordHashQueue more wait; beyond
	// that, calls that hash are refused with RESOURCE_EXHAUSTED.
	PasswordHashMemoryMiB int
	PasswordHashQueue     int
	// SignInPerAddress limits Login, Refresh, ExchangeApiKey and Logout
	// per client IP address; LoginPerAccount limits Login per user name. A
	// zero rate turns a limit off.
	SignInPerAddress ratelimit.Rate
	LoginPerAccount  ratelimit.Rate
	// Audit is how long and how many audit events are kept, and how often
	// failed anonymous calls are written as summaries.
	Audit audit.Retention
}

// DefaultLimits suit a 2-core machine with a few GiB to spare.
func DefaultLimits() Limits {
	return Limits{
		PasswordHashMemoryMiB: 256,
		PasswordHashQueue:     32,
		SignInPerAddress:      ratelimit.Rate{PerSecond: 20, Burst: 100},
		LoginPerAccount:       ratelimit.Rate{PerSecond: 1, Burst: 10},
		Audit:                 audit.DefaultRetention(),
	}
}

// Defaults returns the configuration of a local installation.
func Defaults() Config {
	return Config{
		StateDir:        ".landlord/identity",
		GRPCAddr:        "127.0.0.1:7100",
		HTTPAddr:        "127.0.0.1:9100",
		Issuer:          "https://127.0.0.1:8443",
		IssuerAddr:      "127.0.0.1:8443",
		Audience:        "landlord",
		AccessTokenTTL:  15 * time.Minute,
		RefreshTokenTTL: 24 * time.Hour,
		KeyRotation:     24 * time.Hour,
		Limits:          DefaultLimits(),
		SessionLifetime: 24 * time.Hour,
		ApiKeyFreshAuth: 5 * time.Minute,
		SessionSweep:    10 * time.Minute,
		DeviceLogin: device.Config{TTL: 10 * time.Minute, Interval: 5 * time.Second, MaxPending: 1000, MaxPendingPerAddress: 10,
			MaxFailures: 5, FailureWindow: time.Minute},
	}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.StateDir == "" {
		errs = append(errs, errors.New("state dir must be set"))
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an https URL", c.Issuer))
	}
	if _, _, err := net.SplitHostPort(c.IssuerAddr); err != nil {
		errs = append(errs, fmt.Errorf("issuer address %q: %w", c.IssuerAddr, err))
	}
	for name, path := range map[string]string{"TLS certificate": c.TLSCert, "TLS key": c.TLSKey} {
		if path == "" {
			errs = append(errs, fmt.Errorf("%s must be set: the OIDC issuer is HTTPS only", name))
		} else if _, err := os.Stat(path); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("audience must be set"))
	}
	if c.AccessTokenTTL < time.Minute || c.AccessTokenTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("access token TTL %s: must be between 1m and 24h", c.AccessTokenTTL))
	}
	if c.RefreshTokenTTL < c.AccessTokenTTL {
		errs = append(errs, errors.New("refresh token TTL must not be shorter than the access token TTL"))
	}
	if c.KeyRotation < time.Hour {
		errs = append(errs, fmt.Errorf("key rotation %s: must be at least 1h", c.KeyRotation))
	}
	if c.SessionLifetime < c.AccessTokenTTL {
		errs = append(errs, errors.New("session lifetime must not be shorter than the access token TTL"))
	}
	if c.ApiKeyFreshAuth < time.Second || c.ApiKeyFreshAuth > time.Hour {
		errs = append(errs, fmt.Errorf("API key fresh-auth window %s: must be between 1s and 1h", c.ApiKeyFreshAuth))
	}
	if c.SessionSweep < time.Second {
		errs = append(errs, fmt.Errorf("session sweep period %s: must be at least 1s", c.SessionSweep))
	}
	return errors.Join(append(errs, c.Limits.validate()...)...)
}

func (l Limits) validate() []error {
	var errs []error
	if l.PasswordHashMemoryMiB < 1 || l.PasswordHashQueue < 0 {
		errs = append(errs, fmt.Errorf("password hash memory %d MiB must be positive, queue %d not negative",
			l.PasswordHashMemoryMiB, l.PasswordHashQueue))
	}
	for name, r := range map[string]ratelimit.Rate{"sign-in per address": l.SignInPerAddress, "login per account": l.LoginPerAccount} {
		if r.PerSecond < 0 || (r.PerSecond > 0 && r.Burst < 1) {
			errs = append(errs, fmt.Errorf("%s rate %v/s, burst %d: rate must not be negative, burst at least 1", name, r.PerSecond, r.Burst))
		}
	}
	if a := l.Audit; a.MaxAge < 0 || a.MaxEvents < 0 || a.FlushEvery < 0 || a.CheckEvery < 0 {
		errs = append(errs, fmt.Errorf("audit retention %+v: must not be negative (zero takes the default)", a))
	}
	return errs
}

func (c Config) dbPath() string        { return filepath.Join(c.StateDir, "identity.db") }
func (c Config) kekPath() string       { return filepath.Join(c.StateDir, "kek") }
func (c Config) bootstrapPath() string { return filepath.Join(c.StateDir, "bootstrap-admin") }
