package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/logging"
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
	// Authenticator and Authorizer are the auth hooks; nil skips a step.
	Authenticator grpcmw.Authenticator
	Authorizer    grpcmw.Authorizer
	// PublicMethods skip authentication and authorization, in addition to
	// health, reflection and GetInfo, which are always public.
	PublicMethods []string

	// Interceptors are the service's own, innermost: after validation, so
	// they see authenticated, valid requests (e.g. identity's audit log).
	Interceptors []grpc.UnaryServerInterceptor

	// Listener, when set, is served instead of listening on GRPCAddr (tests
	// pass a bufconn listener).
	Listener net.Listener
	// ServerOptions are added to the gRPC server's (e.g. TLS credentials).
	ServerOptions []grpc.ServerOption
	// Gatherers are more Prometheus metrics served on /metrics next to the
	// service's own (e.g. controller-runtime's registry).
	Gatherers []prometheus.Gatherer
	// Ready, when set, blocks until the service can do its work; health
	// (gRPC and /readyz) says NOT_SERVING until it returns nil (ready.go).
	Ready func(context.Context) error
}

var serviceName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

func (c *Config) setDefaults() {
	if c.GRPCAddr == "" {
		c.GRPCAddr = "127.0.0.1:0"
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
	if c.ShutdownTimeout < 0 {
		errs = append(errs, errors.New("shutdown timeout must not be negative"))
	}
	if c.Register == nil {
		errs = append(errs, errors.New("register: no handlers to serve"))
	}
	return errors.Join(errs...)
}
