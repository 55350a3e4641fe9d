// Package gateway wires Landlord's REST/JSON gateway: grpc-gateway handlers
// for every service's HTTP annotations, dialing each service over TLS;
// bearer tokens passed through (the services verify them); request ids in
// and out; per-tenant rate limits from quota; CORS; /healthz, /readyz and
// /openapi.json.
package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/landlord-dev/landlord/services/internal/certs"
)

// Config is the gateway's configuration.
type Config struct {
	// Addr is where REST is served: HTTPS with API's certificate, or plain
	// HTTP on loopback only when no certificate is given (tests).
	Addr string
	// API is the gateway's certificate: it serves HTTPS with it and
	// presents it to quota (GetTenantRateLimit admits only the gateway);
	// API.CA verifies the services.
	API certs.Files
	// Issuer, Audience and IssuerCA are identity's tokens (see
	// tokenverify.ForIssuer): the gateway verifies them only to tell a
	// tenant's members from others for rate limits; the services verify
	// every call themselves.
	Issuer, Audience, IssuerCA string
	// The services' gRPC addresses.
	IdentityAddr, ProvisioningAddr, QuotaAddr, ObservabilityAddr string
	// CORSOrigins may call from a browser ("*": any); none by default.
	CORSOrigins []string
	// RateLimitTTL is how long a tenant's rate from quota is used before
	// it is asked again; MaxLimiters bounds the tenants remembered.
	RateLimitTTL time.Duration
	MaxLimiters  int
	// ShutdownGrace is how long in-flight requests may finish at stop.
	ShutdownGrace time.Duration
}

// Defaults suit `make run`: the services on their default ports.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", IdentityAddr: "127.0.0.1:7100", ProvisioningAddr: "127.0.0.1:7200",
		QuotaAddr: "127.0.0.1:7300", ObservabilityAddr: "127.0.0.1:7400",
		Issuer: "https://127.0.0.1:8443", Audience: "landlord",
		RateLimitTTL: 30 * time.Second, MaxLimiters: 10000, ShutdownGrace: 10 * time.Second}
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if err := c.API.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !c.API.Enabled() && !loopback(c.Addr) {
		errs = append(errs, fmt.Errorf("listen address %q: plain HTTP only on loopback; give a TLS certificate", c.Addr))
	}
	if u, err := url.Parse(c.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("issuer %q must be an https URL", c.Issuer))
	}
	if c.Audience == "" {
		errs = append(errs, errors.New("audience must be set"))
	}
	for name, addr := range map[string]string{"identity": c.IdentityAddr, "provisioning": c.ProvisioningAddr,
		"quota": c.QuotaAddr, "observability": c.ObservabilityAddr} {
		if addr == "" {
			errs = append(errs, fmt.Errorf("%s address must be set", name))
		}
	}
	if c.RateLimitTTL <= 0 || c.MaxLimiters < 1 {
		errs = append(errs, errors.New("rate limit TTL and max limiters must be positive"))
	}
	return errors.Join(errs...)
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return (err == nil && ip.IsLoopback()) || host == "localhost"
}

// Gateway is a configured gateway, listening but not yet serving.
type Gateway struct {
	log      *slog.Logger
	cfg      Config
	lis      net.Listener
	srv      *http.Server
	backends *backends
}

// Run is New, then Gateway.Run.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	g, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return g.Run(ctx)
}

// New dials the services (lazily: gRPC connects on first use) and binds the
// listener, so that a bad config or a taken port fails here.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	b, err := dialBackends(cfg)
	if err != nil {
		return nil, err
	}
	handler, err := b.handler(ctx, cfg, log)
	if err != nil {
		b.close()
		return nil, err
	}
	var tlsCfg *tls.Config
	if cfg.API.Enabled() {
		// certs.Server re-reads a renewed certificate; no client certs here.
		if tlsCfg, err = certs.Server(certs.Files{Cert: cfg.API.Cert, Key: cfg.API.Key}); err != nil {
			b.close()
			return nil, err
		}
	}
	lis, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		b.close()
		return nil, err
	}
	srv := &http.Server{Handler: handler, TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return &Gateway{log: log, cfg: cfg, lis: lis, srv: srv, backends: b}, nil
}

// URL is where the gateway serves.
func (g *Gateway) URL() string {
	scheme := "http"
	if g.srv.TLSConfig != nil {
		scheme = "https"
	}
	return scheme + "://" + g.lis.Addr().String()
}

// Run serves until ctx ends, then lets in-flight requests finish for
// ShutdownGrace (streams are cut) and closes the connections to the
// services.
func (g *Gateway) Run(ctx context.Context) error {
	defer g.backends.close()
	served := make(chan error, 1)
	go func() {
		if g.srv.TLSConfig != nil {
			served <- g.srv.ServeTLS(g.lis, "", "")
		} else {
			served <- g.srv.Serve(g.lis)
		}
	}()
	g.log.Info("gateway serving", "url", g.URL())
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownGrace)
	defer cancel()
	if err := g.srv.Shutdown(stop); err != nil {
		_ = g.srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
