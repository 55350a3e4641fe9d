// Package server is the runtime every Landlord service runs on: gRPC with
// the shared interceptor chain, health, reflection, GetInfo, and an HTTP
// listener for Prometheus metrics, started and stopped together.
package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"time"

	"buf.build/go/protovalidate"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	metav1 "github.com/landlord-dev/landlord/gen/go/landlord/meta/v1"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/telemetry"
)

// Server is a configured, listening, not yet serving service.
type Server struct {
	cfg       Config
	grpc      *grpc.Server
	health    *health.Server
	telemetry *telemetry.Providers
	grpcLis   net.Listener
	httpLis   net.Listener
	tls       *tls.Config // nil: plaintext, on loopback only
	stopping  context.Context
	stop      context.CancelFunc // called when shutdown begins
}

// connectionLimits keep idle and long-lived connections in check: dead
// peers are found by keepalive pings, and a connection is recycled after an
// hour (its streams get a minute to finish; clients reconnect and resume),
// so that load spreads over new replicas and no connection lives forever.
var connectionLimits = []grpc.ServerOption{
	grpc.KeepaliveParams(keepalive.ServerParameters{
		Time: 2 * time.Minute, Timeout: 20 * time.Second,
		MaxConnectionAge: time.Hour, MaxConnectionAgeGrace: time.Minute,
	}),
	grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 20 * time.Second, PermitWithoutStream: true}),
}

// New validates cfg, builds the server and opens its listeners, so that a
// taken port fails here and GRPCAddr/HTTPAddr report real addresses.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("server config: %w", err)
	}
	tel := cfg.Telemetry
	if tel == nil {
		var err error
		if tel, err = telemetry.New(cfg.Service); err != nil {
			return nil, err
		}
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, health: health.NewServer(), telemetry: tel}
	s.stopping, s.stop = context.WithCancel(context.Background())
	if cfg.TLS.Enabled() {
		if s.tls, err = certs.Server(cfg.TLS); err != nil {
			_ = tel.Shutdown(context.Background())
			return nil, err
		}
	}
	table := withBuiltins(cfg.Access)
	opts := append([]grpc.ServerOption{grpc.StatsHandler(tel.ServerHandler())}, chain(cfg, table, validator, s.stopping)...)
	opts = append(opts, connectionLimits...)
	if s.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.tls)))
	}
	s.grpc = grpc.NewServer(append(opts, cfg.ServerOptions...)...)

	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	metav1.RegisterInfoServiceServer(s.grpc, infoServer{service: cfg.Service})
	cfg.Register(s.grpc)
	if missing := table.Missing(Methods(s.grpc)); len(missing) > 0 {
		_ = tel.Shutdown(context.Background())
		return nil, fmt.Errorf("server config: methods without an authorization rule: %v", missing)
	}

	if err := s.listen(); err != nil {
		_ = tel.Shutdown(context.Background())
		return nil, err
	}
	return s, nil
}

func (s *Server) listen() error {
	s.grpcLis = s.cfg.Listener
	if s.grpcLis == nil {
		lis, err := net.Listen("tcp", s.cfg.GRPCAddr)
		if err != nil {
			return fmt.Errorf("grpc listener: %w", err)
		}
		s.grpcLis = lis
	}
	if s.cfg.HTTPAddr != "" {
		lis, err := net.Listen("tcp", s.cfg.HTTPAddr)
		if err != nil {
			_ = s.grpcLis.Close()
			return fmt.Errorf("http listener: %w", err)
		}
		if s.tls != nil {
			lis = tls.NewListener(lis, s.tls)
		}
		s.httpLis = lis
	}
	return nil
}

// Methods are the full names of every method registered on srv.
func Methods(srv interface {
	GetServiceInfo() map[string]grpc.ServiceInfo
}) []string {
	var out []string
	for name, info := range srv.GetServiceInfo() {
		for _, m := range info.Methods {
			out = append(out, "/"+name+"/"+m.Name)
		}
	}
	slices.Sort(out)
	return out
}

// GRPCAddr is the address gRPC is served on.
func (s *Server) GRPCAddr() string { return s.grpcLis.Addr().String() }

// Meters is the service's meter provider, for its own metrics on /metrics.
func (s *Server) Meters() metric.MeterProvider { return s.telemetry.Meters }

// HTTPAddr is the address metrics are served on, or "" if disabled.
func (s *Server) HTTPAddr() string {
	if s.httpLis == nil {
		return ""
	}
	return s.httpLis.Addr().String()
}

// Run serves until ctx ends (SIGTERM in a binary), then shuts down: health
// turns NOT_SERVING so balancers stop sending, in-flight calls drain for up
// to ShutdownTimeout, and whatever is left is cut off.
func (s *Server) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	s.serveWhenReady(gctx, g)
	var httpSrv *http.Server
	g.Go(func() error {
		if err := s.grpc.Serve(s.grpcLis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			return fmt.Errorf("grpc: %w", err)
		}
		return nil
	})
	if s.httpLis != nil {
		httpSrv = &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
		g.Go(func() error {
			if err := httpSrv.Serve(s.httpLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("http: %w", err)
			}
			return nil
		})
	}
	s.cfg.Logger.Info("serving", "grpc", s.GRPCAddr(), "http", s.HTTPAddr())

	g.Go(func() error {
		<-gctx.Done()
		s.shutdown(httpSrv)
		return nil
	})
	return g.Wait()
}

func (s *Server) shutdown(httpSrv *http.Server) {
	s.cfg.Logger.Info("shutting down", "drain_timeout", s.cfg.ShutdownTimeout.String())
	s.health.Shutdown()
	s.stop()
	drained := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(drained)
	}()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-drained:
	case <-timer.C:
		s.cfg.Logger.Warn("drain timed out; cutting off remaining calls")
		s.grpc.Stop()
		<-drained
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if httpSrv != nil {
		_ = httpSrv.Shutdown(ctx)
	}
	_ = s.telemetry.Shutdown(ctx)
}

func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.telemetry.MetricsHandler(s.cfg.Gatherers...))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		resp, err := s.health.Check(r.Context(), &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			http.Error(w, "not serving", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

// ServingAddr reads a server's JSON log until the "serving" line and
// returns its gRPC address; the rest of the log is drained in the
// background. Tests and benchmarks use it on processes started with
// GRPCAddr 127.0.0.1:0.
func ServingAddr(log io.Reader) (string, error) {
	lines := bufio.NewScanner(log)
	for lines.Scan() {
		var line struct{ Msg, GRPC string }
		if json.Unmarshal(lines.Bytes(), &line) == nil && line.Msg == "serving" && line.GRPC != "" {
			go func() { _, _ = io.Copy(io.Discard, log) }()
			return line.GRPC, nil
		}
	}
	return "", errors.New("the server exited before it was serving")
}
