// Package gateway wires Landlord's REST/JSON gateway: grpc-gateway handlers
// for every service's HTTP annotations, dialing each service over TLS;
// bearer tokens passed through (the services verify them); request ids in
// and out; per-tenant rate and concurrency limits from quota; a bound on
// request bodies; CORS; /healthz, /readyz, /openapi.json (OpenAPI 3),
// /openapi/v2.json and /docs.
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
	"github.com/landlord-dev/landlord/services/internal/telemetry"
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
	// MaxInFlight and MaxStreams are the unary requests and server streams
	// one tenant bucket may have open at once when its plan names no limit
	// or quota cannot answer.
	MaxInFlight, MaxStreams int
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	MaxBodyBytes int64
	// MetricsAddr serves /metrics (Prometheus; same TLS as Addr); empty
	// disables it. Kept off the REST listener: metrics are for operators.
	MetricsAddr string
	// ShutdownGrace is how long in-flight requests may finish at stop.
	ShutdownGrace time.Duration
}

// Defaults suit `make run`: the services on their default ports.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", IdentityAddr: "127.0.0.1:7100", ProvisioningAddr: "127.0.0.1:7200",
		QuotaAddr: "127.0.0.1:7300", ObservabilityAddr: "127.0.0.1:7400",
		Issuer: "https://127.0.0.1:8443", Audience: "landlord",
		MetricsAddr: "127.0.0.1:9500", RateLimitTTL: 30 * time.Second, MaxLimiters: 10000, ShutdownGrace: 10 * time.Second,
		MaxInFlight: 100, MaxStreams: 20, MaxBodyBytes: 1 << 20}
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
	if c.MaxInFlight < 1 || c.MaxStreams < 1 {
		errs = append(errs, errors.New("max in flight and max streams must be positive"))
	}
	if c.MaxBodyBytes < 1 || c.MaxBodyBytes > maxBodyLimit {
		errs = append(errs, fmt.Errorf("max body bytes must be between 1 and %d (gRPC's message limit)", maxBodyLimit))
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
	log       *slog.Logger
	cfg       Config
	rest      served
	metrics   *served // nil when MetricsAddr is empty
	telemetry *telemetry.Providers
	backends  *backends
}

// served is a listener and its server.
type served struct {
	lis net.Listener
	srv *http.Server
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
// listeners, so that a bad config or a taken port fails here.
func New(ctx context.Context, cfg Config, log *slog.Logger) (_ *Gateway, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gateway config: %w", err)
	}
	g := &Gateway{log: log, cfg: cfg}
	defer func() {
		if err != nil {
			g.close()
		}
	}()
	// Calls to the services are traced and measured; the trace goes along.
	if g.telemetry, err = telemetry.New("gateway"); err != nil {
		return nil, err
	}
	if g.backends, err = dialBackends(cfg, g.telemetry.DialOption()); err != nil {
		return nil, err
	}
	handler, err := g.backends.handler(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	if cfg.API.Enabled() {
		// certs.Server re-reads a renewed certificate; no client certs here.
		if tlsCfg, err = certs.Server(certs.Files{Cert: cfg.API.Cert, Key: cfg.API.Key}); err != nil {
			return nil, err
		}
	}
	if g.rest, err = listen(cfg.Addr, handler, tlsCfg, log); err != nil {
		return nil, err
	}
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", g.telemetry.MetricsHandler())
		m, err := listen(cfg.MetricsAddr, mux, tlsCfg, log)
		if err != nil {
			return nil, err
		}
		g.metrics = &m
	}
	return g, nil
}

func listen(addr string, h http.Handler, tlsCfg *tls.Config, log *slog.Logger) (served, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return served{}, err
	}
	if tlsCfg != nil {
		// Each server its own: serving sets up HTTP/2 in its TLS config.
		tlsCfg = tlsCfg.Clone()
	}
	// No write timeout: streams last as long as the services let them.
	return served{lis: lis, srv: &http.Server{Handler: h, TLSConfig: tlsCfg, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}, nil
}

func (s served) url() string {
	scheme := "http"
	if s.srv.TLSConfig != nil {
		scheme = "https"
	}
	return scheme + "://" + s.lis.Addr().String()
}

func (s served) serve() error {
	if s.srv.TLSConfig != nil {
		return s.srv.ServeTLS(s.lis, "", "")
	}
	return s.srv.Serve(s.lis)
}

// URL is where the gateway serves REST.
func (g *Gateway) URL() string { return g.rest.url() }

// MetricsURL is where /metrics is served, or "".
func (g *Gateway) MetricsURL() string {
	if g.metrics == nil {
		return ""
	}
	return g.metrics.url() + "/metrics"
}

// close releases what New took, for a New that failed or a Run that ended.
func (g *Gateway) close() {
	for _, s := range []*served{&g.rest, g.metrics} {
		if s != nil && s.lis != nil {
			_ = s.lis.Close()
		}
	}
	if g.backends != nil {
		g.backends.close()
	}
	if g.telemetry != nil {
		_ = g.telemetry.Shutdown(context.Background())
	}
}

// Run serves until ctx ends, then lets in-flight requests finish for
// ShutdownGrace (streams are cut) and closes the connections to the
// services.
func (g *Gateway) Run(ctx context.Context) error {
	defer g.close()
	servers := []served{g.rest}
	attrs := []any{"url", g.URL()}
	if g.metrics != nil {
		servers = append(servers, *g.metrics)
		attrs = append(attrs, "metrics", g.MetricsURL())
	}
	errs := make(chan error, len(servers))
	for _, s := range servers {
		go func() { errs <- s.serve() }()
	}
	g.log.Info("gateway serving", attrs...)
	var err error
	select {
	case err = <-errs:
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownGrace)
	defer cancel()
	for _, s := range servers {
		if s.srv.Shutdown(stop) != nil {
			_ = s.srv.Close()
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
