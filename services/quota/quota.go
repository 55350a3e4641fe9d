// Package quota wires the quota service: plans, each tenant's budget split
// into per-namespace ResourceQuota limits by the ledger, read-only
// informers that tell the ledger what the cluster shows, and the gRPC API.
// Provisioning applies the ledger's decisions (QuotaAdmissionService.Sync).
package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"k8s.io/client-go/tools/clientcmd"

	quotav1 "github.com/landlord-dev/landlord/gen/go/landlord/quota/v1"
	"github.com/landlord-dev/landlord/services/internal/authn"
	"github.com/landlord-dev/landlord/services/internal/certs"
	"github.com/landlord-dev/landlord/services/internal/grpcmw"
	"github.com/landlord-dev/landlord/services/internal/server"
	"github.com/landlord-dev/landlord/services/internal/tokenverify"
	"github.com/landlord-dev/landlord/services/quota/internal/allocation"
	"github.com/landlord-dev/landlord/services/quota/internal/api"
	"github.com/landlord-dev/landlord/services/quota/internal/changes"
	"github.com/landlord-dev/landlord/services/quota/internal/cluster"
	"github.com/landlord-dev/landlord/services/quota/internal/ledger"
	ledgerstore "github.com/landlord-dev/landlord/services/quota/internal/ledger/store"
	"github.com/landlord-dev/landlord/services/quota/internal/plans"
)

// Config is the quota service's configuration.
type Config struct {
	// Kubeconfig is the cluster to watch ("" means in-cluster); the quota
	// service only reads it.
	Kubeconfig string
	// StateDir holds plans.db (plans, overrides) and ledger.db.
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
	// GrowAt is the share (per mille) of its limit a namespace may use
	// before it asks its siblings for more; 0 turns growing off.
	GrowAt int64
	// Resend is how often writes the cluster still lacks are sent again.
	Resend time.Duration
	// Workers reconcile tenants in parallel.
	Workers int
}

// Defaults suit `make run`.
func Defaults() Config {
	return Config{StateDir: ".landlord/quota", GRPCAddr: "127.0.0.1:7300", HTTPAddr: "127.0.0.1:9300",
		Issuer: "https://127.0.0.1:8443", Audience: "landlord", GrowAt: ledger.DefaultOptions().GrowAt,
		Resend: 2 * time.Second, Workers: 8}
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
	if c.GrowAt < 0 || c.GrowAt > 1000 {
		errs = append(errs, fmt.Errorf("grow-at %d: per mille, 0 to 1000", c.GrowAt))
	}
	if c.Resend <= 0 || c.Workers < 1 {
		errs = append(errs, errors.New("resend and workers must be positive"))
	}
	return errors.Join(errs...)
}

// Service is a configured quota service, listening but not yet serving.
type Service struct {
	log     *slog.Logger
	srv     *server.Server
	watcher *cluster.Watcher
	plans   *plans.Store
	ledger  *ledgerstore.Bolt
	changes *changes.Broadcast
	book    *ledger.Ledger
	version *atomic.Uint64
	workers int
	synced  chan struct{} // closed once the informers have synced
}

// Run is New, then Service.Run.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	s, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// New opens the stores, builds the informers and binds the listeners, so
// that a bad config, a locked file or a taken port fails here.
func New(_ context.Context, cfg Config, log *slog.Logger) (_ *Service, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("quota config: %w", err)
	}
	rest, err := clientcmd.BuildConfigFromFlags("", cfg.Kubeconfig)
	if err != nil {
		return nil, err
	}
	s := &Service{log: log, changes: &changes.Broadcast{}, version: &atomic.Uint64{}, workers: cfg.Workers, synced: make(chan struct{})}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.plans, err = plans.OpenStore(filepath.Join(cfg.StateDir, "plans.db")); err != nil {
		return nil, err
	}
	if s.ledger, err = ledgerstore.Open(filepath.Join(cfg.StateDir, "ledger.db"), ledgerstore.Options{}); err != nil {
		return nil, err
	}
	opts := ledger.DefaultOptions()
	opts.GrowAt = cfg.GrowAt
	if cfg.GrowAt > 0 { // a namespace grows to where usage is at most GrowAt
		opts.GrowTo = min(opts.GrowTo, cfg.GrowAt)
	}
	metrics := &ledgerMetrics{}
	opts.OnAsk = metrics.onAsk
	if s.book, err = ledger.Open(s.ledger, opts); err != nil {
		return nil, err
	}
	alloc := &allocation.Allocator{Ledger: s.book, Plans: s.plans, Log: log}
	if s.watcher, err = cluster.New(rest, alloc, log); err != nil {
		return nil, err
	}
	alloc.Cluster = s.watcher
	s.watcher.Reconciled = func(string) { s.changes.Notify() }
	verifier, err := tokenverify.ForIssuer(cfg.Issuer, cfg.Audience, cfg.IssuerCA)
	if err != nil {
		return nil, err
	}
	tenants := struct {
		*cluster.Watcher
		*allocation.Allocator
	}{s.watcher, alloc}
	s.srv, err = server.New(server.Config{
		Service: "quota", GRPCAddr: cfg.GRPCAddr, HTTPAddr: cfg.HTTPAddr, Logger: log, TLS: cfg.API,
		Authenticator: authn.Bearer{Verifier: verifier},
		Access:        api.Access(),
		Auditor:       grpcmw.LogAuditor{Logger: log},
		Ready:         s.ready,
		Register: func(r grpc.ServiceRegistrar) {
			quotav1.RegisterPlanServiceServer(r, &api.PlanServer{Plans: s.plans, TenantsOn: s.watcher.TenantsOnPlan})
			quotav1.RegisterTenantQuotaServiceServer(r, &api.TenantQuotaServer{Ledger: s.book, Plans: s.plans, Tenants: tenants, Changes: s.changes})
			quotav1.RegisterQuotaAdmissionServiceServer(r, &api.AdmissionServer{Ledger: s.book, Plans: s.plans,
				Changes: s.changes, PlansVersion: s.version, Resend: cfg.Resend})
		},
	})
	if err != nil {
		return nil, err
	}
	if err := metrics.register(s.srv.Meters(), s.book); err != nil {
		return nil, err
	}
	return s, nil
}

// GRPCAddr is where the API listens.
func (s *Service) GRPCAddr() string { return s.srv.GRPCAddr() }

// ready blocks until the informers have synced: before, the ledger may
// not know what the cluster holds.
func (s *Service) ready(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-s.synced:
		return nil
	}
}

func (s *Service) close() {
	if s.plans != nil {
		_ = s.plans.Close()
	}
	if s.ledger != nil {
		_ = s.ledger.Close()
	}
}

// Run watches the cluster, relays the ledger's and the plans' changes to
// the streams, and serves until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.srv.Run(gctx) })
	g.Go(func() error { return s.watcher.Run(gctx, s.workers, s.synced) })
	g.Go(func() error {
		if s.ready(gctx) != nil {
			return nil
		}
		for {
			select {
			case <-gctx.Done():
				return nil
			case <-s.book.Changed():
				s.changes.Notify()
			case <-s.plans.Changed():
				// Every tenant on a changed plan gets its new budget.
				s.version.Add(1)
				if err := s.watcher.EnqueueAll(gctx); err != nil {
					return err
				}
				s.changes.Notify()
			}
		}
	})
	s.log.Info("quota service started", "grpc", s.srv.GRPCAddr(), "http", s.srv.HTTPAddr())
	return g.Wait()
}
