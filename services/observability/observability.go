// Package observability wires the observability service: read-only
// informers on Landlord's tenant namespaces (internal/cluster), usage
// computed from them on demand (internal/usage), history sampled from it
// into per-minute, hour and day rollups in history.db (internal/history),
// per-tenant gauges on /metrics with a bounded label set
// (internal/metrics), and the gRPC API (internal/api).
//
// History is flushed to disk every Config.Flush: a crash (kill -9) loses
// at most that much of it, a graceful stop (SIGTERM) nothing.
package observability

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"k8s.io/client-go/tools/clientcmd"

	observabilityv1 "github.com/landlord-dev/landlord/gen/go/landlord/observability/v1"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/telemetry"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
	"github.com/landlord-dev/landlord/services/observability/internal/api"
	"github.com/landlord-dev/landlord/services/observability/internal/cluster"
	"github.com/landlord-dev/landlord/services/observability/internal/cost"
	"github.com/landlord-dev/landlord/services/observability/internal/history"
	"github.com/landlord-dev/landlord/services/observability/internal/idle"
	"github.com/landlord-dev/landlord/services/observability/internal/metrics"
	"github.com/landlord-dev/landlord/services/observability/internal/usage"
)

// Config is the observability service's configuration.
type Config struct {
	// Kubeconfig is the cluster to watch ("" means in-cluster); the
	// service only reads it.
	Kubeconfig string
	// StateDir holds history.db.
	StateDir string
	// GRPCAddr and HTTPAddr are the shared runtime's listeners; API is
	// their certificate (required off loopback).
	GRPCAddr string
	HTTPAddr string
	API      certs.Files
	// Issuer, Audience and IssuerCA are identity's tokens (see
	// tokenverify.ForIssuer).
	Issuer   string
	Audience string
	IssuerCA string
	// Sample is how often usage is sampled into history; Flush how often
	// history is written to disk (what a crash may lose).
	Sample, Flush time.Duration
	// Retention of the minute, hour and day rollups.
	RetainMinutes, RetainHours, RetainDays time.Duration
	// MetricsTopTenants bounds the per-tenant gauges on /metrics to the
	// tenants with the most CPU requests.
	MetricsTopTenants int
	// ProvisioningAddr is provisioning's API, where idle tenants are
	// hibernated (with API's certificate, which provisioning admits as
	// observability's); empty hibernates none. IdleCheck is how often
	// tenants are checked for idleness.
	ProvisioningAddr string
	IdleCheck        time.Duration
	// PriceSheet is the cost reports' price sheet file (YAML or JSON; see
	// cost.Load); empty uses cost.Default.
	PriceSheet string
}

// Defaults suit `make run`.
func Defaults() Config {
	return Config{StateDir: ".landlord/observability", GRPCAddr: "127.0.0.1:7400", HTTPAddr: "127.0.0.1:9400",
		Issuer: "https://127.0.0.1:8443", Audience: "landlord", Sample: 15 * time.Second, Flush: time.Minute,
		RetainMinutes: 48 * time.Hour, RetainHours: 90 * 24 * time.Hour, RetainDays: 2 * 365 * 24 * time.Hour,
		MetricsTopTenants: 20, ProvisioningAddr: "127.0.0.1:7200", IdleCheck: time.Minute}
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
	if c.Audience == "" {
		errs = append(errs, errors.New("audience must be set"))
	}
	if c.Sample <= 0 || c.Flush < c.Sample {
		errs = append(errs, fmt.Errorf("sample (%s) must be positive and flush (%s) at least as long", c.Sample, c.Flush))
	}
	if c.RetainMinutes <= 0 || c.RetainHours <= 0 || c.RetainDays <= 0 {
		errs = append(errs, errors.New("every retention must be positive"))
	}
	if c.MetricsTopTenants < 0 {
		errs = append(errs, errors.New("metrics top tenants must not be negative"))
	}
	if c.IdleCheck <= 0 {
		errs = append(errs, errors.New("idle check must be positive"))
	}
	return errors.Join(errs...)
}

// Service is a configured observability service, listening but not yet
// serving.
type Service struct {
	log      *slog.Logger
	srv      *server.Server
	watcher  *cluster.Watcher
	store    *history.Store
	recorder *history.Recorder
	// hibernator puts idle tenants to sleep; nil without provisioning.
	hibernator *idle.Hibernator
	events     *cluster.Events
	synced     chan struct{} // closed once the informers have synced
}

// Run is New, then Service.Run.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// New opens history.db, builds the informers and binds the listeners, so
// that a bad config, a locked file or a taken port fails here.
func New(_ context.Context, cfg Config, log *slog.Logger) (_ *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("observability config: %w", err)
	}
	rest, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		return nil, err
	}
	s := &Service{log: log, synced: make(chan struct{})}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.store, err = history.OpenStore(filepath.Join(cfg.StateDir, "history.db")); err != nil {
		return nil, err
	}
	if s.watcher, err = cluster.New(rest, log); err != nil {
		return nil, err
	}
	prices := cost.Default()
	if cfg.PriceSheet != "" {
		if prices, err = cost.Load(cfg.PriceSheet); err != nil {
			return nil, err
		}
	}
	if s.events, err = cluster.NewEvents(rest, s.watcher); err != nil {
		return nil, err
	}
	s.recorder = history.NewRecorder(s.store, s.watcher.TenantsNow, history.Options{Sample: cfg.Sample, Flush: cfg.Flush,
		Retention: map[history.Resolution]time.Duration{history.Minute: cfg.RetainMinutes, history.Hour: cfg.RetainHours, history.Day: cfg.RetainDays}})
	verifier, err := tokenverify.ForIssuer(cfg.Issuer, cfg.Audience, cfg.IssuerCA)
	if err != nil {
		return nil, err
	}
	tel, err := telemetry.New("observability")
	if err != nil {
		return nil, err
	}
	if cfg.ProvisioningAddr != "" {
		provisioning, err := dialProvisioning(cfg, tel.DialOption())
		if err != nil {
			return nil, err
		}
		s.hibernator = &idle.Hibernator{Tenants: s.watcher.IdleTenants, Provisioning: provisioning, Every: cfg.IdleCheck, Log: log}
	}
	gauges := prometheus.NewRegistry()
	if err := gauges.Register(&metrics.Collector{Source: s.tenantsIfSynced, TopN: cfg.MetricsTopTenants}); err != nil {
		return nil, err
	}
	if err := gauges.Register(s.watcher.InformerEvents()); err != nil {
		return nil, err
	}
	s.srv, err = server.New(server.Config{
		Service: "observability", GRPCAddr: cfg.GRPCAddr, HTTPAddr: cfg.HTTPAddr, Logger: log, TLS: cfg.API, Telemetry: tel,
		Authenticator: authn.Bearer{Verifier: verifier},
		Access:        api.Access(),
		Auditor:       grpcmw.LogAuditor{Logger: log},
		Ready:         s.ready,
		Gatherers:     []prometheus.Gatherer{gauges},
		Register: func(r grpc.ServiceRegistrar) {
			observabilityv1.RegisterObservabilityServiceServer(r, &api.Server{Usage: s.watcher, History: s.recorder, Prices: prices})
			observabilityv1.RegisterHibernationServiceServer(r, &api.HibernationServer{Tenants: s.watcher.IdleTenants})
			observabilityv1.RegisterCostServiceServer(r, &api.CostServer{Usage: s.watcher, History: s.recorder, Prices: prices})
			observabilityv1.RegisterEventServiceServer(r, &api.EventServer{Tenants: s.watcher, Events: s.events})
		},
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// GRPCAddr is where the API listens.
func (s *Service) GRPCAddr() string { return s.srv.GRPCAddr() }

// ready blocks until the informers have synced: before, usage would be
// partial. The API is not served until then (health says NOT_SERVING).
func (s *Service) ready(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.synced:
		return nil
	}
}

// tenantsIfSynced is the metrics' source: nothing until the caches sync.
func (s *Service) tenantsIfSynced() ([]usage.Tenant, error) {
	select {
	case <-s.synced:
		return s.watcher.Tenants()
	default:
		return nil, nil
	}
}

func (s *Service) close() {
	if s.store != nil {
		_ = s.store.Close()
	}
}

// Run watches the cluster, records history and serves until ctx ends;
// then history is flushed one last time.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(gctx) })
	g.Go(func() error { return s.watcher.Run(gctx, s.synced) })
	g.Go(func() error { return s.events.Run(gctx) })
	g.Go(func() error {
		if s.ready(gctx) != nil {
			return nil
		}
		return s.recorder.Run(gctx)
	})
	if s.hibernator != nil {
		g.Go(func() error {
			if s.ready(gctx) != nil {
				return nil
			}
			return s.hibernator.Run(gctx)
		})
	}
	s.log.Info("observability service started", "grpc", s.srv.GRPCAddr(), "http", s.srv.HTTPAddr())
	return g.Wait()
}
