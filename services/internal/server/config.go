package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/internal/access"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/logging"
	"github.com/landlord-dev/landlord/services/internal/telemetry"
)

// Config is what a service tells the runtime. Zero values take the defaults
// from setDefaults; Validate rejects what cannot work.
type Config struct {
	// Service names the service in logs, metrics, traces and GetInfo.
	Service string
	// GRPCAddr is where gRPC is served (default 127.0.0.1:0, any free port).
	GRPCAddr string
	// HTTPAddr serves /metrics, /healthz and /readyz; empty disables it.
	HTTPAddr string
	// ShutdownTimeout bounds how long in-flight calls may drain on shutdown
	// before they are cut off (default 15s).
	ShutdownTimeout time.Duration
	// Logger receives the service's logs and is expected to name the
	// service (default: JSON on stderr at info, with "service").
	Logger *slog.Logger

	// Register adds the service's handlers to the server.
	Register func(grpc.ServiceRegistrar)
	// Access is the service's authorization table: one row per method it
	// registers (health, reflection and GetInfo are added as public). The
	// server refuses to start if a registered method has no row.
	Access *access.Table
	// Authenticator identifies callers of non-public methods; nil refuses
	// them all (a server without identity).
	Authenticator grpcmw.Authenticator
	// Auditor records the calls Access marks as audited; nil records none.
	Auditor grpcmw.Auditor
	// MaxStreamsPerCaller bounds the streams (watches) one authenticated
	// caller holds open at once (default 16).
	MaxStreamsPerCaller int

	// Listener, when set, is served instead of listening on GRPCAddr (tests
	// pass a bufconn listener).
	Listener net.Listener
	// TLS serves gRPC and HTTP over TLS with this certificate, reloaded when
	// its files change; with TLS.CA, Landlord's services prove themselves
	// with client certificates. Required unless every listener is loopback.
	TLS certs.Files
	// ServerOptions are added to the gRPC server's.
	ServerOptions []grpc.ServerOption
	// Telemetry, when set, are the service's providers, made before the
	// server so that its clients of other services trace with them
	// (telemetry.Providers.DialOption); the server shuts them down. Nil:
	// the server makes its own for Service.
	Telemetry *telemetry.Providers
	// Gatherers are more Prometheus metrics served on /metrics next to the
	// service's own (e.g. controller-runtime's registry).
	Gatherers []prometheus.Gatherer
	// Ready, when set, blocks until the service can do its work; health
	// (gRPC and /readyz) says NOT_SERVING until it returns nil (ready.go).
	Ready func(context.Context) error
}

// loopback reports whether addr's host is a loopback IP or localhost; an
// empty host (every interface) is not.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

var serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

func (c *Config) setDefaults() {
	if c.GRPCAddr == "" {
		c.GRPCAddr = "127.0.0.1:0"
	}
	if c.MaxStreamsPerCaller == 0 {
		c.MaxStreamsPerCaller = 16
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 15 * time.Second
	}
	if c.Logger == nil {
		c.Logger = logging.New(os.Stderr, slog.LevelInfo).With("service", c.Service)
	}
}

// Validate reports every problem with the configuration at once.
func (c *Config) Validate() error {
	var errs []error
	if !serviceName.MatchString(c.Service) {
		errs = append(errs, fmt.Errorf("service %q: must be a lower-case DNS label", c.Service))
	}
	if c.Listener == nil {
		if _, _, err := net.SplitHostPort(c.GRPCAddr); err != nil {
			errs = append(errs, fmt.Errorf("grpc address %q: %w", c.GRPCAddr, err))
		}
	}
	if c.HTTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("http address %q: %w", c.HTTPAddr, err))
		}
	}
	if err := c.TLS.Validate(); err != nil {
		errs = append(errs, err)
	}
	if !c.TLS.Enabled() {
		for _, addr := range []string{c.GRPCAddr, c.HTTPAddr} {
			if c.Listener != nil && addr == c.GRPCAddr || addr == "" || loopback(addr) {
				continue
			}
			errs = append(errs, fmt.Errorf("%s is not a loopback address, and would serve passwords and tokens in clear text: "+
				"give the service a certificate and key (--api-tls-cert, --api-tls-key; --api-tls-ca to verify Landlord's services), "+
				"or listen on 127.0.0.1", addr))
		}
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("shutdown timeout must not be negative"))
	}
	if c.Access == nil {
		errs = append(errs, errors.New("access: no authorization table"))
	}
	if c.Register == nil {
		errs = append(errs, errors.New("register: no handlers to serve"))
	}
	return errors.Join(errs...)
}
